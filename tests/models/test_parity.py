"""Parity with outputs computed by the original KAN-TTS implementation.

Every stored intermediate, free-running and with fixed durations, within 1e-4; integers
(durations, lengths, band width) exactly equal. Runs on every reference folder in the project
(tests/fixtures) and on the released-shape 16 kHz reference when ../shared has it; the NSF
voice (kantts-nsf-tiny) stores other outputs and has its own tests below."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from compress.models.hifigan import apply_weight_norm
from compress.models.kantts_io import read_checkpoint
from compress.models.voice_dir import latest_checkpoint
from compress.models.symbols import encode, parse_tokens
from compress.loading import load_voice
from compress.models.variance import round_durations
from compress.synthesis import vocode
from tests.conftest import NSF_TINY, SHARED_16K, reference_dirs
from tests.models.reference import run_acoustic, stored, utterances

TOLERANCE = 1e-4


def check_reference(folder) -> int:
    ref = np.load(folder / "ref_io.npz", allow_pickle=False)
    voice = load_voice(folder / "voices")
    checked = 0
    for utt in utterances(ref):
        enc = encode(voice.tables, parse_tokens(str(ref[f"{utt}.symbols"])))
        np.testing.assert_array_equal(enc.ling, ref[f"{utt}.inputs_ling"][0])
        np.testing.assert_array_equal(enc.emotion, ref[f"{utt}.inputs_emo"][0])
        np.testing.assert_array_equal(enc.speaker, ref[f"{utt}.inputs_spk"][0])
        for mode in ("pred", "fixdur"):
            found, expected = run_acoustic(voice, ref, utt, mode), stored(ref, utt, mode)
            assert expected, f"{folder.name}: no {utt}.{mode} outputs stored"
            for key, want in expected.items():
                got = found[key]
                assert got.shape == want.shape, f"{utt}.{mode}.{key}: {got.shape} != {want.shape}"
                if np.issubdtype(want.dtype, np.integer):
                    np.testing.assert_array_equal(got, want, err_msg=f"{utt}.{mode}.{key}")
                else:
                    err = float(np.abs(got.astype(np.float64) - want).max())
                    assert err <= TOLERANCE, f"{folder.name} {utt}.{mode}.{key}: max error {err:.2e}"
                checked += 1
    with torch.no_grad():
        for mel_key, wav_key in (("voc.mel_rand", "voc.wav_rand"), ("voc.mel_from_utt0_pred", "voc.wav_from_utt0_pred")):
            wav = voice.vocoder(torch.from_numpy(ref[mel_key])).numpy()
            assert wav.shape == ref[wav_key].shape
            assert float(np.abs(wav - ref[wav_key]).max()) <= TOLERANCE, f"{folder.name} {wav_key}"
            checked += 1
    return checked


@pytest.mark.parametrize("folder", reference_dirs(), ids=lambda p: p.name)
def test_reference_outputs_reproduced(folder):
    assert check_reference(folder) > 30


@pytest.mark.skipif(not SHARED_16K.is_dir(), reason=f"{SHARED_16K} is not present (set SAMBERT_COMPRESS_REFERENCE)")
def test_released_shape_16k_reference():
    assert check_reference(SHARED_16K) > 30



def _nsf_durations_int(out, mode: str) -> np.ndarray:
    """What the reference stores as durations_int: the rounded predictions, which with fixed
    durations are the teacher-forced ones."""
    if mode == "pred":
        return out.durations.numpy()
    return round_durations(torch.exp(out.log_durations) - 1).numpy()


def _assert_close(got, want, what: str) -> None:
    assert got.shape == want.shape, f"{what}: {got.shape} != {want.shape}"
    err = float(np.abs(got.astype(np.float64) - want).max())
    assert err <= TOLERANCE, f"{what}: max error {err:.2e}"


@pytest.mark.parametrize("mode", ["pred", "fixdur"])
def test_nsf_reference_outputs_reproduced(nsf_voice, mode):
    """kantts-nsf-tiny: the 82-channel acoustic output, denorm_f0, the source's excitation and
    the waveform with seed 0 (from the stored vocoder input and from our own)."""
    ref = np.load(NSF_TINY / "ref_io.npz", allow_pickle=False)
    for utt in utterances(ref):
        enc = encode(nsf_voice.tables, parse_tokens(str(ref[f"{utt}.symbols"])))
        key = f"{utt}.{mode}."
        fixed = torch.from_numpy(ref[f"{utt}.fixdur.duration_targets"]) if mode == "fixdur" else None
        out = nsf_voice.am.infer(torch.from_numpy(enc.ling)[None], torch.from_numpy(enc.emotion)[None],
                                 torch.from_numpy(enc.speaker)[None], durations=fixed)
        np.testing.assert_array_equal(_nsf_durations_int(out, mode), ref[key + "durations_int"])
        np.testing.assert_array_equal([out.mel.shape[0]], ref[key + "LR_length_rounded"])
        _assert_close(out.mel.numpy(), ref[key + "postnet_outputs"], key + "postnet_outputs")
        _assert_close(out.vocoder_input.numpy(), ref[key + "vocoder_input"], key + "vocoder_input")
        stored_input = torch.from_numpy(ref[key + "vocoder_input"]).T[None]
        torch.manual_seed(0)
        excitation = nsf_voice.vocoder.source_module(stored_input[:, -2:-1], stored_input[:, -1:])
        _assert_close(excitation.detach().numpy(), ref[key + "source_excitation_seed0"], key + "excitation")
        for name in ("wav_seed0", "wav_seed0_weightnorm_form"):
            want = ref[key + name].reshape(-1)
            _assert_close(vocode(nsf_voice, ref[key + "vocoder_input"], seed=0), want, key + name)
            _assert_close(vocode(nsf_voice, out.vocoder_input, seed=0), want, key + name + " (own input)")


def test_nsf_weight_norm_form_reproduced(nsf_voice):
    """The checkpoint's own weight_g / weight_v loaded into the weight-normed generator (the
    training form, source modules included) give the reference's weight-norm-form waveform."""
    ref = np.load(NSF_TINY / "ref_io.npz", allow_pickle=False)
    raw = read_checkpoint(latest_checkpoint(NSF_TINY / "voices" / "refvoice" / "voc" / "ckpt"))["model"]["generator"]
    normed = apply_weight_norm(copy.deepcopy(nsf_voice.vocoder))
    renamed = {k.replace(".weight_g", ".parametrizations.weight.original0")
                .replace(".weight_v", ".parametrizations.weight.original1"): v for k, v in raw.items()}
    normed.load_state_dict(renamed, strict=True)
    mel = torch.from_numpy(ref["utt1.pred.vocoder_input"]).T[None]
    torch.manual_seed(0)
    with torch.no_grad():
        wav = normed(mel).numpy()
    _assert_close(wav, ref["utt1.pred.wav_seed0_weightnorm_form"], "weight-norm form")
