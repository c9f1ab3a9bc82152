"""Waveform metrics on short synthetic signals with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from eval import features, quality

RATE = features.ANALYSIS_RATE


def voiced(f0: float = 140.0, seconds: float = 1.2, seed: int = 0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    phase = 2 * np.pi * f0 * (1 + 0.04 * np.sin(2 * np.pi * 2.5 * t)).cumsum() / RATE
    x = sum(np.sin(k * phase) / k for k in range(1, 15)) * 0.1
    return x + 0.001 * np.random.default_rng(seed).standard_normal(len(t))


def test_self_check_identity():
    got = quality.self_check()
    assert got["mcd_db"] == 0.0
    assert got["f0_rmse_cents"] == 0.0 and got["f0_frames_voiced_both"] > 200
    assert got["vuv_error"] == 0.0
    assert got["pesq_wb"] == pytest.approx(4.644, abs=1e-3)
    assert got["stoi"] == pytest.approx(1.0, abs=1e-6)


def test_pitch_shift_of_100_cents_gives_f0_rmse_near_100():
    ref, shifted = voiced(140.0), voiced(140.0 * 2 ** (100 / 1200))
    got = quality.summarize([quality.compare(ref, shifted, with_pesq=False, with_stoi=False)])
    assert got["f0_rmse_cents"] == pytest.approx(100, abs=10)
    assert got["vuv_error"] < 0.05


@pytest.mark.parametrize("method", features.F0_METHODS)
def test_f0_track_finds_the_pitch(method):
    f0, times = features.f0_track(voiced(200.0, seconds=0.6), method)
    assert len(f0) == len(times)
    assert np.median(f0[f0 > 0]) == pytest.approx(200, rel=0.05)


def test_mcd_grows_with_distortion():
    ref = voiced()
    noise = np.random.default_rng(3).standard_normal(len(ref))
    small = quality.compare(ref, ref + 0.003 * noise, with_pesq=False, with_stoi=False)
    large = quality.compare(ref, ref + 0.03 * noise, with_pesq=False, with_stoi=False)
    assert 0 < small.mcd_sum / small.frames < large.mcd_sum / large.frames


def test_mcd_formula_on_known_cepstra():
    a = np.zeros((2, 25))
    b = np.zeros((2, 25))
    b[:, 0] = 5.0  # c0 is excluded
    b[0, 1] = 1.0
    got = quality.mcd_per_frame(a, b)
    assert got[1] == 0.0
    assert got[0] == pytest.approx(10 / np.log(10) * np.sqrt(2))


def test_freqt_matches_the_sptk_recursion():
    def freqt(c1, order, alpha):  # SPTK freqt.c, written out
        g, d = np.zeros(order + 1), np.zeros(order + 1)
        for i in range(len(c1) - 1, -1, -1):
            d[:] = g
            g[0] = c1[i] + alpha * d[0]
            g[1] = (1 - alpha * alpha) * d[0] + alpha * d[1]
            for j in range(2, order + 1):
                g[j] = d[j - 1] + alpha * (d[j] - g[j - 1])
        return g

    c = np.random.default_rng(0).standard_normal(40)
    np.testing.assert_allclose(c @ features.freqt_matrix(40, 24, 0.42), freqt(c, 24, 0.42), atol=1e-12)
    np.testing.assert_array_equal(features.freqt_matrix(40, 24, 0.0), np.eye(40)[:, :25])


def test_short_or_silent_signals_are_unscored_not_wrong():
    short = voiced(seconds=0.2)
    assert quality.stoi(short, short) is None
    silent = np.zeros(RATE)
    assert quality.pesq_wb(silent, silent) is None
    summary = quality.summarize([quality.compare(silent, silent)])
    assert summary["mcd_db"] == 0.0 and summary["f0_rmse_cents"] is None
    assert summary["pesq_unscored"] == 1


def test_resampling_to_16k():
    x = np.zeros(24000, dtype=np.float32)
    y = features.at_analysis_rate(x, 24000)
    assert y.dtype == np.float64 and len(y) == 16000


def test_lsd_above_4khz_is_zero_for_identical_audio():
    ref = voiced()
    total, frames = quality.lsd_high(ref, ref.copy())
    assert frames > 100 and total == 0.0


def test_lsd_above_4khz_reads_a_gain_in_db():
    # doubling the amplitude raises every bin's power by 10 log10(4) = 6.02 dB
    ref = voiced()
    total, frames = quality.lsd_high(ref, 2.0 * ref)
    assert total / frames == pytest.approx(10 * np.log10(4.0), abs=0.01)


def test_lsd_above_4khz_ignores_a_change_below_4khz():
    ref = voiced()
    t = np.arange(len(ref)) / RATE
    low = ref + 0.05 * np.sin(2 * np.pi * 500.0 * t)
    high = ref + 0.05 * np.sin(2 * np.pi * 6000.0 * t)
    low_lsd = quality.summarize([quality.compare(ref, low, with_pesq=False, with_stoi=False)])["lsd_hf_db"]
    high_lsd = quality.summarize([quality.compare(ref, high, with_pesq=False, with_stoi=False)])["lsd_hf_db"]
    assert low_lsd < 0.1 < 3.0 < high_lsd


def test_lsd_above_4khz_skips_quiet_frames():
    # a second of digital silence after the speech (125 frames) adds only the frames that
    # straddle the boundary
    ref = voiced()
    padded = np.concatenate([ref, np.zeros(RATE)])
    added = quality.lsd_high(padded, padded)[1] - quality.lsd_high(ref, ref)[1]
    assert 0 <= added <= quality.LSD_FFT // quality.LSD_HOP
