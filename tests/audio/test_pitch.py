import numpy as np
import pytest

from compress.audio.config import FeatureConfig
from compress.audio.spectral import num_frames

pitch = pytest.importorskip("compress.audio.pitch")
pytest.importorskip("pyworld")


def _voiced(f0_hz, seconds, rate=16000):
    t = np.arange(int(seconds * rate)) / rate
    phase = 2 * np.pi * f0_hz * t
    return sum(np.sin(k * phase) / k for k in range(1, 8)) * 0.2


def test_f0_and_voicing_of_a_harmonic_tone_between_silences():
    config = FeatureConfig()
    wav = np.concatenate([np.zeros(4000), _voiced(150.0, 1.0), np.zeros(4000)]).astype(np.float32)
    frames = num_frames(len(wav), config)
    track = pitch.frame_f0(wav, config, frames, dio_speed=4)
    assert len(track.f0) == len(track.uv) == frames
    middle = slice(frames // 2 - 20, frames // 2 + 20)
    assert np.all(track.uv[middle] == 1.0)
    np.testing.assert_allclose(track.f0[middle], 150.0, rtol=0.02)
    assert np.all(track.uv[:10] == 0.0) and np.all(track.f0uv[:10] == 0.0)


def test_silence_is_an_error():
    from compress.errors import FeatureError

    with pytest.raises(FeatureError):
        pitch.frame_f0(np.zeros(16000, np.float32), FeatureConfig())
