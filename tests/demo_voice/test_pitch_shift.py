"""WORLD pitch-shifted copies of NSF vocoder items."""

import numpy as np
import pytest

from compress.audio.config import FeatureConfig
from compress.audio.pitch import frame_f0

pytest.importorskip("pyworld")

RATE, HOP = 16000, 200


def _voiced_item(f0_hz: float, seconds: float = 1.0) -> dict:
    """A buzz of harmonics at f0 with a formant-like envelope, and its vocoder input."""
    t = np.arange(int(RATE * seconds)) / RATE
    wav = sum(np.sin(2 * np.pi * k * f0_hz * t) / (1 + abs(k * f0_hz - 700) / 300) for k in range(1, 30))
    wav = 0.3 * wav / np.abs(wav).max()
    frames = len(wav) // HOP
    mel = np.zeros((frames, 82), dtype=np.float32)
    mel[:, :80] = np.random.default_rng(0).normal(size=(frames, 80))
    mel[:, 80], mel[:, 81] = f0_hz, 1.0
    mel[:5, 81] = 0.0  # an unvoiced start keeps its voicing
    return {"mel": mel, "wav": wav.astype(np.float32)}


def _median_f0(wav: np.ndarray) -> float:
    track = frame_f0(wav, FeatureConfig())
    return float(np.median(track.f0[track.uv > 0]))


def test_a_copy_sounds_at_the_factor_times_the_pitch_and_says_so():
    from compress.demo_voice.pitch_shift import shift_item

    item = _voiced_item(120.0)
    copy = shift_item(item, 1.25, RATE, HOP)
    assert copy["wav"].shape == item["wav"].shape and copy["wav"].dtype == np.float32
    assert _median_f0(copy["wav"]) == pytest.approx(150.0, rel=0.03)
    assert np.array_equal(copy["mel"][:, 80], item["mel"][:, 80] * 1.25)
    assert np.array_equal(copy["mel"][:, 81], item["mel"][:, 81])
    assert np.array_equal(copy["mel"][:, :80], item["mel"][:, :80])  # the envelope's mel is the original's


def test_copies_draw_their_factors_from_the_range_reproducibly():
    from compress.demo_voice.pitch_shift import shifted_copies

    items = [_voiced_item(f, 0.5) for f in (100.0, 110.0, 120.0)]
    first = shifted_copies(items, 0.7, 1.5, seed=3, sample_rate=RATE, hop=HOP)
    again = shifted_copies(items, 0.7, 1.5, seed=3, sample_rate=RATE, hop=HOP)
    factors = [c["mel"][0, 80] / i["mel"][0, 80] for c, i in zip(first, items)]
    assert all(0.7 <= k <= 1.5 for k in factors) and len(set(np.round(factors, 4))) == 3
    assert all(np.array_equal(a["wav"], b["wav"]) for a, b in zip(first, again))
    with pytest.raises(ValueError, match="0 < low <= high"):
        shifted_copies(items, 1.5, 0.7, seed=3, sample_rate=RATE, hop=HOP)
