"""Compute per parameter: operator-level usage counts on the tiny voice."""

import math

import numpy as np
import pytest

from compress.checkpoint import voice_tensors
from compress.models import pnca_steps
from compress.prune.cost import element_weights, macs_per_second, usage_rates
from compress.models.symbols import parse_tokens
from compress.synthesis import encode_lines
from tests.conftest import TINY

REF = np.load(TINY / "ref_io.npz")


@pytest.fixture(scope="module")
def sentence(tiny_voice):
    return encode_lines(tiny_voice, [parse_tokens(str(REF["utt1.symbols"]))])[0]


def test_rates_follow_where_each_weight_runs(tiny_voice, sentence):
    rates = usage_rates(tiny_voice, [sentence], frames_per_token=4).macs
    rate = tiny_voice.sample_rate
    hop, tokens = tiny_voice.vocoder.arch.hop, len(sentence.ling)
    seconds = tokens * 4 * hop / rate
    # the vocoder's last conv runs once per output sample
    assert rates["voc.conv_post.conv1d.weight"] == pytest.approx(rate)
    # its first conv once per mel frame
    assert rates["voc.conv_pre.conv1d.weight"] == pytest.approx(tokens * 4 / seconds)
    # a text-encoder projection once per token
    encoder = [k for k in rates if k.startswith("am.text_encoder.ling_enc") and k.endswith("w_1.weight")]
    assert encoder and rates[encoder[0]] == pytest.approx(tokens / seconds)
    assert rates["voc.conv_post.conv1d.weight"] > rates[encoder[0]] * 100


def test_weights_split_cost_between_size_and_compute(tiny_voice, sentence):
    shapes = {k: t.shape for k, t in voice_tensors(tiny_voice).items()}
    usage = usage_rates(tiny_voice, [sentence])
    weights = element_weights(usage, shapes, macs_weight=2.0)
    total = sum(weights[k] * s.numel() for k, s in shapes.items())
    assert total == pytest.approx(3.0)  # 1 (all the parameters) + 2 x 1 (all the MACs)
    assert macs_per_second(usage.macs, shapes) > 0


def test_decoder_weights_count_once_per_step_through_their_repacked_copies(tiny_voice, sentence):
    usage = usage_rates(tiny_voice, [sentence], frames_per_token=4)
    arch = tiny_voice.am.arch
    seconds = len(sentence.ling) * 4 * tiny_voice.vocoder.arch.hop / tiny_voice.sample_rate
    steps = math.ceil(len(sentence.ling) * 4 / arch.outputs_per_step) / seconds
    decoder = [k for k in usage.macs if k.startswith("am.mel_decoder.") and "w_h_kv" not in k]
    # scaled q/k/v rows, stacked fc_x|fc_h, sliced FFN kernels: each element used once per step
    for suffix in ("w_x_qkv.weight", "fc_x.weight", "fc_h.weight", "fc_h.bias", "w_1.weight", "w_2.weight"):
        assert any(k.endswith(suffix) for k in decoder)
    for name in decoder:
        assert usage.macs[name] == pytest.approx(steps), name
        assert usage.loads[name] == pytest.approx(steps), name
    # the memory's keys and values are projected once per utterance, for every step's position
    memory_kv = [k for k in usage.macs if k.endswith("w_h_kv.weight")]
    assert memory_kv and all(usage.loads[k] == pytest.approx(1 / seconds) for k in memory_kv)
    assert pnca_steps.step_weights.__name__ == "step_weights"  # the counting hook is removed


def test_recurrent_weights_are_read_at_every_time_step(tiny_voice, sentence):
    usage = usage_rates(tiny_voice, [sentence], frames_per_token=4)
    recurrent = [k for k in usage.loads if ".weight_hh_" in k]
    assert recurrent
    for name in recurrent:
        assert usage.loads[name] == pytest.approx(usage.macs[name]), name  # batch 1: one use per step
    vocoder = usage.loads["voc.conv_post.conv1d.weight"]
    assert vocoder == pytest.approx(usage.loads["voc.conv_pre.conv1d.weight"])  # one call each


def test_load_cost_shifts_weight_towards_memory_bound_layers(tiny_voice, sentence):
    shapes = {k: t.shape for k, t in voice_tensors(tiny_voice).items()}
    usage = usage_rates(tiny_voice, [sentence], frames_per_token=4)
    arithmetic = element_weights(usage, shapes, macs_weight=1.0)
    with_loads = element_weights(usage, shapes, macs_weight=1.0, load_macs=50.0)
    assert sum(with_loads[k] * s.numel() for k, s in shapes.items()) == pytest.approx(2.0)
    decoder, vocoder = "am.mel_decoder.mel_dec.dec_out_proj.weight", "voc.conv_post.conv1d.weight"
    assert with_loads[decoder] / with_loads[vocoder] > arithmetic[decoder] / arithmetic[vocoder]
