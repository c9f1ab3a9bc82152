import math

import numpy as np
import pytest
import torch

from sensitivity import spectra

SETTINGS = spectra.MelSettings(sample_rate=16000, n_fft=1024, hop=200, win=800, n_mels=40, fmin=0.0, fmax=8000.0)


def test_log_mel_frames_and_peak_band():
    t = torch.arange(16000) / 16000
    wav = 0.5 * torch.sin(2 * math.pi * 1000 * t)
    db = spectra.LogMelDb(SETTINGS)(wav)
    assert db.shape == (1 + 16000 // 200, 40)
    centres = spectra._mel_to_hz(np.linspace(spectra._hz_to_mel(0), spectra._hz_to_mel(8000), 42))[1:-1]
    assert abs(centres[int(db[40].argmax())] - 1000) < 150
    assert float(spectra.LogMelDb(SETTINGS)(torch.zeros(4000)).max()) == pytest.approx(-100.0)


def test_frame_distance_counts_speech_frames_and_floors_quiet_bands():
    ref = torch.full((10, 4), -20.0)
    ref[0] = -95.0  # silence: more than 60 dB under the loudest frame
    speech = spectra.speech_frames(ref)
    assert speech.tolist() == [False] + [True] * 9
    assert spectra.frame_distance(ref, ref, speech).db == 0.0
    assert spectra.frame_distance(ref, ref + 3.0, speech).db == pytest.approx(3.0)
    # below the floor (loudest - 80 dB) differences do not count
    quiet = ref.clone()
    quiet[:, 0] = -110.0
    test = quiet.clone()
    test[:, 0] -= 30.0
    assert spectra.frame_distance(quiet, test, speech).db == 0.0
    test[:, 1] += 4.0  # one band of four: RMS 2 dB
    assert spectra.frame_distance(quiet, test, speech).db == pytest.approx(2.0)


def test_dtw_aligns_a_stretched_sequence():
    ref = torch.randn(20, 5) * 10
    stretched = ref.repeat_interleave(2, dim=0)
    speech = torch.ones(20, dtype=torch.bool)
    assert spectra.dtw_mean(ref, stretched, speech).db == pytest.approx(0.0, abs=1e-9)
    assert spectra.dtw_path(np.zeros((3, 3))) == [(0, 0), (1, 1), (2, 2)]
    shifted = spectra.dtw_mean(ref, ref + 2.0, speech)
    assert shifted.db == pytest.approx(2.0) and shifted.frames == 20
