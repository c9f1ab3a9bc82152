"""Unit groups: the indices each member keeps, and the parameters one unit costs."""

import torch

from compress.units.groups import Member, UnitGroup, consumer, head_members, producer, unit_cost


def test_kept_indices_follow_parts_blocks_and_strides():
    heads = Member("qkv.weight", 0, (0, 6), stride=3, producer=True)
    assert heads.indices([[0, 2], [1]]) == [0, 2, 4, 6, 8, 10]
    one_block = Member("lstm.weight_ih_l0_reverse", 0, (0, 5), block=1)
    assert one_block.indices([[0], [3]]) == [3, 8]


def test_unit_cost_counts_every_slice_of_every_member():
    group = UnitGroup("ffn", "ffn", 1, 4, producer("w_1") + [consumer("w_2")], lambda arches, size: None)
    shapes = {"w_1.weight": torch.Size([4, 3]), "w_1.bias": torch.Size([4]), "w_2.weight": torch.Size([2, 4])}
    assert unit_cost(group, shapes) == 3 + 1 + 2
    members = head_members(2, 4, "qkv", ["fc"])
    heads = UnitGroup("heads", "heads", 2, 4, members, lambda arches, size: None)
    shapes = {"qkv.weight": torch.Size([24, 5]), "qkv.bias": torch.Size([24]), "fc.weight": torch.Size([5, 8])}
    # one unit of each of the 2 heads: 3 projection rows + 3 biases + 1 output column, per head
    assert unit_cost(heads, shapes) == 2 * (3 * 5 + 3 + 5)
