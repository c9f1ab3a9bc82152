"""Swapping layers by the precision table, and stripping the quantizers back off."""

import copy

import pytest
import torch

from compress.checkpoint import voice_tensors
from compress.models.hifigan import apply_weight_norm
from compress.quant.backend import CalibratorSpec
from compress.quant.config import DEFAULT_ISLANDS
from compress.quant.policy import INT8, plan_layers
from compress.quant.swap import quantized_layers, strip, swap


def test_swap_then_strip_gives_the_voice_back_bit_for_bit(tiny_voice):
    plans = plan_layers(tiny_voice, DEFAULT_ISLANDS, "output")
    quant = copy.deepcopy(tiny_voice)
    names = swap(quant, plans, CalibratorSpec())
    assert set(names) == set(quantized_layers(quant)) == {p.name for p in plans if p.precision == INT8}
    original, back = voice_tensors(tiny_voice), voice_tensors(strip(quant))
    assert set(back) == set(original) and all(torch.equal(back[k], original[k]) for k in original)
    assert quantized_layers(quant)  # strip works on a copy


def test_the_loaded_voice_has_weight_norm_folded_and_a_live_one_is_refused(tiny_voice):
    assert not any(k.endswith(("weight_g", "weight_v")) for k in voice_tensors(tiny_voice))
    live = copy.deepcopy(tiny_voice)
    apply_weight_norm(live.vocoder)
    with pytest.raises(ValueError, match="weight norm"):
        swap(live, plan_layers(tiny_voice, [], "output"), CalibratorSpec())
