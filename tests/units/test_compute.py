"""The one MAC counter: hand counts of a small model, and usage per parameter on the tiny voice."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from compress.checkpoint import voice_tensors
from compress.models import pnca_steps
from compress.models.symbols import parse_tokens
from compress.synthesis import encode_lines
from compress.units.compute import count, macs_per_second, usage_rates
from tests.conftest import TINY

REF = np.load(TINY / "ref_io.npz")


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(12, 8)
        self.norm = nn.LayerNorm(8)
        self.fc = nn.Linear(8, 16)
        self.conv = nn.Conv1d(16, 4, kernel_size=3, padding=1)
        self.up = nn.ConvTranspose1d(4, 2, kernel_size=4, stride=2)
        self.lstm = nn.LSTM(2, 5, num_layers=2, batch_first=True, bidirectional=True)

    def forward(self, ids):  # ids (1, T)
        h = self.fc(self.norm(self.emb(ids))).transpose(1, 2)
        h = self.up(self.conv(h))
        out, _ = self.lstm(h.transpose(1, 2))
        return torch.matmul(out, out.transpose(1, 2))


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode])
def test_counts_match_hand_counts_in_either_grad_mode(mode):
    """Weights and biases once per output position (a transposed conv's weights once per input
    sample, an LSTM's once per step), activation products by output x reduced length, nothing
    for the embedding and the norm. Either mode: the dispatcher hands the counter other ops."""
    t = 10
    model = Small().eval()
    with mode(), count(model) as found:
        model(torch.arange(t)[None])
    up_len = (t - 1) * 2 + 4
    lstm = 2 * (4 * 5 * (2 + 5) + 8 * 5) + 2 * (4 * 5 * (10 + 5) + 8 * 5)  # per step: 2 layers x 2 directions
    expected = (t * (8 * 16 + 16) + t * (16 * 4 * 3 + 4) + (t * 4 * 2 * 4 + up_len * 2)
                + lstm * up_len + up_len * up_len * 10)
    assert found["macs"] == expected


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


def test_decoder_weights_count_once_per_step_through_their_repacked_copies(tiny_voice, sentence):
    usage = usage_rates(tiny_voice, [sentence], frames_per_token=4)
    arch = tiny_voice.am.arch
    seconds = len(sentence.ling) * 4 * tiny_voice.vocoder.arch.hop / tiny_voice.sample_rate
    steps = math.ceil(len(sentence.ling) * 4 / arch.outputs_per_step) / seconds
    decoder = [k for k in usage.macs if k.startswith("am.mel_decoder.") and "w_h_kv" not in k]
    # scaled q/k/v rows, stacked fc_x|fc_h, sliced FFN kernels: each element used once per step
    for suffix in ("w_x_qkv.weight", "fc_x.weight", "fc_h.weight", "fc_h.bias", "w_1.weight", "w_2.weight"):
        assert any(k.endswith(suffix) for k in decoder)
    norms = {f"am.{m}.{p}" for m, module in tiny_voice.am.named_modules() if isinstance(module, nn.LayerNorm)
             for p in ("weight", "bias")}
    for name in decoder:
        # norm scales are read at every step but multiply no weight (element-wise work)
        assert usage.macs[name] == (0.0 if name in norms else pytest.approx(steps)), name
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


def test_element_wise_parameters_are_read_but_multiply_nothing(tiny_voice, sentence):
    """The position table added to the encoder input and the embedding tables: before the
    rule counted only weight products, a (1, 800, d) table added to T positions counted as
    T x d uses of each of its 800 x d elements."""
    usage = usage_rates(tiny_voice, [sentence], frames_per_token=4)
    element_wise = [k for k in usage.macs if k.endswith(("position_enc", "sy_emb.weight"))]
    assert len(element_wise) == 2
    for name in element_wise:
        assert usage.macs[name] == 0.0 and usage.loads[name] > 0, name


def test_a_fake_quantized_voice_counts_the_macs_of_its_float_parent(tiny_voice, sentence):
    """A fake-quantized layer multiplies with the INT8 grid copy of its weight: it counts as
    the weight (the bench's MACs of a qat stage are its parent's)."""
    import copy

    from compress import synthesis
    from compress.quant.backend import CalibratorSpec
    from compress.quant.policy import INT8, plan_layers
    from compress.quant.swap import swap

    quantized = copy.deepcopy(tiny_voice)
    swap(quantized, [p for p in plan_layers(quantized, [], "output") if p.precision == INT8], CalibratorSpec())
    totals = []
    with torch.no_grad():
        mel = synthesis.acoustic(tiny_voice, sentence).vocoder_input  # one input for both vocoders
        for voice in (tiny_voice, quantized):
            with count(voice.vocoder) as voc:
                synthesis.vocode(voice, mel)
            totals.append(voc["macs"])
    assert totals[0] > 0 and totals[1] == totals[0]
