"""Compute per parameter: operator-level usage counts on the tiny voice."""

import numpy as np
import pytest

from compress.checkpoint import voice_tensors
from compress.prune.cost import element_weights, macs_per_second, usage_rates
from compress.models.symbols import parse_tokens
from compress.synthesis import encode_lines
from tests.conftest import TINY

REF = np.load(TINY / "ref_io.npz")


@pytest.fixture(scope="module")
def sentence(tiny_voice):
    return encode_lines(tiny_voice, [parse_tokens(str(REF["utt1.symbols"]))])[0]


def test_rates_follow_where_each_weight_runs(tiny_voice, sentence):
    rates = usage_rates(tiny_voice, [sentence], frames_per_token=4)
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
    rates = usage_rates(tiny_voice, [sentence])
    weights = element_weights(rates, shapes, macs_weight=2.0)
    total = sum(weights[k] * s.numel() for k, s in shapes.items())
    assert total == pytest.approx(3.0)  # 1 (all the parameters) + 2 x 1 (all the MACs)
    assert macs_per_second(rates, shapes) > 0
