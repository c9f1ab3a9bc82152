"""The one-group-at-a-time quantization probes change only what they name."""

import numpy as np
import torch

from compress.models import attention
from compress.models.symbols import encode, parse_tokens
from compress.quant.modules import is_quantized
from compress.quant.sensitivity import quantize_encoder_attention, quantize_layers, quantize_recurrent_or_tables
from compress.synthesis import acoustic
from compress.train.teacher import teacher_items
from tests.conftest import TINY

REF = np.load(TINY / "ref_io.npz")


def _sentence(voice):
    return encode(voice.tables, parse_tokens(str(REF["utt0.symbols"])))


def test_a_layer_group_is_quantized_alone_and_calibrated(tiny_voice):
    items = teacher_items(tiny_voice, [_sentence(tiny_voice)])
    quant = quantize_layers(tiny_voice, items, lambda name: name.startswith("am.mel_postnet."), [])
    swapped = {f"{p}.{n}" for p, m in quant.modules().items() for n, x in m.named_modules() if is_quantized(x)}
    assert swapped and all(name.startswith("am.mel_postnet.") for name in swapped)
    assert float(quant.am.mel_postnet.fc.input_quantizer._amax) != 1.0


def test_stand_ins_quantize_lstm_weights_and_encoder_matmuls_of_the_copy_only(tiny_voice):
    lstm = quantize_recurrent_or_tables(tiny_voice, torch.nn.LSTM)
    original, changed = tiny_voice.am.mel_postnet.lstm.weight_ih_l0, lstm.am.mel_postnet.lstm.weight_ih_l0
    assert not torch.equal(original, changed)
    assert torch.allclose(original, changed, atol=float(original.abs().max()) / 127)
    sentence = _sentence(tiny_voice)
    before = acoustic(tiny_voice, sentence).mel
    quant = quantize_encoder_attention(tiny_voice)
    durations = acoustic(tiny_voice, sentence).durations.numpy()
    assert not torch.equal(acoustic(quant, sentence, durations=durations).mel, before)
    assert attention.attend.__module__ == "compress.models.attention"  # restored after the call
    assert torch.equal(acoustic(tiny_voice, sentence).mel, before)
