"""The qat stage on the tiny fixture: apply, save the tensors, restore on a float voice, strip."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from compress.checkpoint import voice_tensors
from compress.errors import VoiceLoadError
from compress.models import pnca_steps
from compress.models.symbols import encode, parse_tokens
from compress.models.voice import load_state
from compress.quant.calibrate import phase_of
from compress.quant.config import QatConfig
from compress.quant.modules import is_quantized
from compress.quant.policy import INT8, ISLAND, QatError
from compress.quant.stage import QatStage
from compress.quant.swap import quantized_layers, strip
from compress.stage import StageContext
from compress.synthesis import synthesize
from tests.conftest import TINY

REF = np.load(TINY / "ref_io.npz")
SMALL = dict(steps=2, vocoder_steps=2, freeze_step=1, calib_sentences=2, sentences=2, measure_sentences=1,
             vocoder_batch=1)


@pytest.fixture(scope="module")
def applied(tiny_voice):
    before = {k: v.clone() for k, v in voice_tensors(tiny_voice).items()}
    phases = []
    ctx = StageContext(recipe={}, overrides=[], progress=lambda phase, done, total: phases.append(phase))
    result = QatStage().apply(tiny_voice, QatConfig(**SMALL), ctx)
    return result, before, phases


def _restored(parent, result):
    """A float voice of the same widths, restored from the mode, then loaded strictly."""
    fresh = QatStage().restore(copy.deepcopy(parent), result.mode, None)
    tensors = voice_tensors(result.voice)
    for prefix, model in fresh.modules().items():
        load_state(model, {k[len(prefix) + 1:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}, prefix)
    return fresh


def _sentence(voice):
    return encode(voice.tables, parse_tokens(str(REF["utt0.symbols"])))


def test_the_parent_is_left_as_it_was_and_every_phase_reports_progress(tiny_voice, applied):
    result, before, phases = applied
    after = voice_tensors(tiny_voice)
    assert set(after) == set(before) and all(torch.equal(before[k], after[k]) for k in before)
    assert {"calibration", "qat (acoustic)", "qat (vocoder)"} <= set(phases)
    assert phase_of(result.voice.am) == "frozen" and phase_of(result.voice.vocoder) == "frozen"
    assert result.record.metrics["qat"]["acoustic"]["steps"] == 2


def test_saved_tensors_restore_exactly_with_every_quantizer_range(tiny_voice, applied):
    result = applied[0]
    fresh = _restored(tiny_voice, result)
    saved = voice_tensors(result.voice)
    loaded = voice_tensors(fresh)
    assert set(loaded) == set(saved) and all(torch.equal(loaded[k], saved[k]) for k in saved)
    amax_keys = [k for k in saved if k.endswith("quantizer._amax")]
    int8_rows = [row for row in result.record.changes if row["precision"] == INT8]
    vocoder_convs = sum(row["name"].startswith("voc.") for row in int8_rows)
    assert vocoder_convs and len(amax_keys) == 2 * len(int8_rows) + vocoder_convs  # and the vocoder's outputs
    ours, theirs = synthesize(result.voice, [_sentence(tiny_voice)]), synthesize(fresh, [_sentence(tiny_voice)])
    assert np.array_equal(ours.wav, theirs.wav)


def test_islands_stay_float_after_loading_and_the_table_records_ranges(tiny_voice, applied):
    result = applied[0]
    fresh = _restored(tiny_voice, result)
    modules = {f"{p}.{n}": m for p, model in fresh.modules().items() for n, m in model.named_modules()}
    rows = result.record.changes
    islands = [r["name"] for r in rows if r["precision"] == ISLAND]
    assert islands and all(type(modules[name]) in (nn.Conv1d, nn.ConvTranspose1d) for name in islands)
    layers = quantized_layers(fresh)
    for row in rows:
        if row["precision"] == INT8:
            assert is_quantized(modules[row["name"]])
            assert row["input_amax"] == pytest.approx(float(layers[row["name"]].input_quantizer._amax), rel=1e-5)
            assert row["input_amax"] != 1.0  # calibrated, not the placeholder


def test_the_step_path_computes_what_the_whole_sequence_path_computes(applied):
    decoder = applied[0].voice.am.mel_decoder.mel_dec
    memory = torch.randn(1, 12, decoder.dec_in_proj.in_features - decoder.dec_in_proj.out_features,
                         generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        steps = torch.stack(list(pnca_steps.decode_steps(decoder, memory, 2, 3)), dim=1)
        previous = torch.cat([torch.zeros(1, 1, decoder.num_mels), steps[:, :-1, -decoder.num_mels:]], dim=1)
        whole = decoder(previous, memory, 2, 3)
    assert torch.allclose(steps, whole, atol=1e-5)


def test_strip_gives_the_float_weights_without_quantizers(applied):
    result = applied[0]
    stripped = strip(result.voice)
    assert not quantized_layers(stripped)
    saved, floats = voice_tensors(result.voice), voice_tensors(stripped)
    assert set(floats) == {k for k in saved if "quantizer" not in k}
    assert all(torch.equal(floats[k], saved[k]) for k in floats)


def test_restore_refuses_a_mode_that_does_not_fit(tiny_voice, applied):
    mode = copy.deepcopy(applied[0].mode)
    mode["layers"][5]["name"] = "am.no_such_layer"
    mode["layers"][5]["precision"] = INT8
    with pytest.raises(VoiceLoadError, match="does not fit"):
        QatStage().restore(copy.deepcopy(tiny_voice), mode, "stage")
    with pytest.raises(VoiceLoadError, match="version"):
        QatStage().restore(copy.deepcopy(tiny_voice), {**mode, "version": 99}, "stage")


def test_a_quantized_voice_is_not_quantized_again(applied):
    with pytest.raises(QatError, match="already quantized"):
        QatStage().apply(applied[0].voice, QatConfig(**SMALL), StageContext(recipe={}, overrides=[]))


def test_an_island_pattern_that_matches_nothing_fails_before_any_work(tiny_voice):
    calls = []
    ctx = StageContext(recipe={}, overrides=[], progress=lambda *args: calls.append(args))
    with pytest.raises(QatError, match="nothing|matches no"):
        QatStage().apply(tiny_voice, QatConfig(**{**SMALL, "islands": [r"voc\.stage\.7\..*"]}), ctx)
    assert calls == []


def test_vocoder_convs_range_their_outputs_and_an_older_mode_restores_without_them(tiny_voice, applied):
    result = applied[0]
    layers = quantized_layers(result.voice)
    with_output = {name for name, layer in layers.items() if layer.output_quantizer is not None}
    assert with_output == {name for name in layers if name.startswith("voc.")}
    assert all(float(layers[name].output_quantizer._amax) != 1.0 for name in with_output)  # calibrated
    assert result.mode["conv_outputs"] == ["voc"]
    older = {k: v for k, v in result.mode.items() if k != "conv_outputs"}  # a stage dir of the previous release
    fresh = QatStage().restore(copy.deepcopy(tiny_voice), older, None)
    assert not any(layer.output_quantizer is not None for layer in quantized_layers(fresh).values())
