"""Cost per element when ranking pruning steps: size share plus compute share."""

import numpy as np
import pytest

from compress.checkpoint import voice_tensors
from compress.models.symbols import parse_tokens
from compress.prune.cost import element_weights
from compress.synthesis import encode_lines
from compress.units.compute import macs_per_second, usage_rates
from tests.conftest import TINY

REF = np.load(TINY / "ref_io.npz")


@pytest.fixture(scope="module")
def sentence(tiny_voice):
    return encode_lines(tiny_voice, [parse_tokens(str(REF["utt1.symbols"]))])[0]


def test_weights_split_cost_between_size_and_compute(tiny_voice, sentence):
    shapes = {k: t.shape for k, t in voice_tensors(tiny_voice).items()}
    usage = usage_rates(tiny_voice, [sentence])
    weights = element_weights(usage, shapes, macs_weight=2.0)
    total = sum(weights[k] * s.numel() for k, s in shapes.items())
    assert total == pytest.approx(3.0)  # 1 (all the parameters) + 2 x 1 (all the MACs)
    assert macs_per_second(usage.macs, shapes) > 0


def test_load_cost_shifts_weight_towards_memory_bound_layers(tiny_voice, sentence):
    shapes = {k: t.shape for k, t in voice_tensors(tiny_voice).items()}
    usage = usage_rates(tiny_voice, [sentence], frames_per_token=4)
    arithmetic = element_weights(usage, shapes, macs_weight=1.0)
    with_loads = element_weights(usage, shapes, macs_weight=1.0, load_macs=50.0)
    assert sum(with_loads[k] * s.numel() for k, s in shapes.items()) == pytest.approx(2.0)
    decoder, vocoder = "am.mel_decoder.mel_dec.dec_out_proj.weight", "voc.conv_post.conv1d.weight"
    assert with_loads[decoder] / with_loads[vocoder] > arithmetic[decoder] / arithmetic[vocoder]
