"""Masking zeroes exactly the producer slices of the removed units, in every block."""

import torch

from compress.units.groups import Member, UnitGroup, consumer, lstm_layer, producer
from compress.units.masking import mask_units


def _no_resize(arches, size):
    raise AssertionError("masking never resizes")


def test_producer_rows_and_bias_are_zeroed_consumer_columns_are_not():
    group = UnitGroup("ffn", "ffn", 1, 4, producer("w_1") + [consumer("w_2")], _no_resize)
    tensors = {"w_1.weight": torch.ones(4, 3), "w_1.bias": torch.ones(4), "w_2.weight": torch.ones(2, 4)}
    mask_units(tensors, group, [[1, 3]])
    assert tensors["w_1.weight"].sum(dim=1).tolist() == [3.0, 0.0, 3.0, 0.0]
    assert tensors["w_1.bias"].tolist() == [1.0, 0.0, 1.0, 0.0]
    assert torch.equal(tensors["w_2.weight"], torch.ones(2, 4))


def test_every_gate_of_an_lstm_unit_is_zeroed_per_block():
    hidden = 3
    members = lstm_layer("lstm", "l0", hidden, block=0) + lstm_layer("lstm", "l0_reverse", hidden, block=1)
    group = UnitGroup("blstm", "lstm", 2, hidden, members, _no_resize)
    tensors = {m.param: torch.ones(4 * hidden, hidden) if "weight" in m.param else torch.ones(4 * hidden)
               for m in members}
    mask_units(tensors, group, [[0], [2]])
    rows = tensors["lstm.weight_ih_l0"].sum(dim=1)
    assert [i for i in range(4 * hidden) if rows[i] == 0] == [0, 3, 6, 9]
    reverse = tensors["lstm.bias_hh_l0_reverse"]
    assert [i for i in range(4 * hidden) if reverse[i] == 0] == [2, 5, 8, 11]
    assert tensors["lstm.weight_hh_l0"][:, 0].sum() > 0  # the recurrent column is a consumer


def test_strided_members_zero_the_same_unit_of_every_head():
    member = Member("qkv.weight", 0, (0, 4), stride=2, producer=True)
    group = UnitGroup("heads", "heads", 2, 2, [member], _no_resize)
    tensors = {"qkv.weight": torch.ones(8, 1)}
    mask_units(tensors, group, [[1], [0]])
    assert tensors["qkv.weight"].flatten().tolist() == [1, 0, 0, 1, 1, 0, 0, 1]
