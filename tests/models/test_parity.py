"""Parity with outputs computed by the original KAN-TTS implementation.

Every stored intermediate, free-running and with fixed durations, within 1e-4; integers
(durations, lengths, band width) exactly equal. Runs on every reference folder in the project
(tests/fixtures) and on the released-shape 16 kHz reference when ../shared has it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from compress.models.symbols import encode, parse_tokens
from compress.loading import load_voice
from tests.conftest import SHARED_16K, reference_dirs
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

