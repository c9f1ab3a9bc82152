import numpy as np
import pytest

from compress.audio.config import FeatureConfig
from compress.audio.trim import pad_to_frames, speech_span


def test_speech_span_matches_librosa_trim():
    librosa = pytest.importorskip("librosa")
    rng = np.random.default_rng(1)
    wav = np.zeros(40000, np.float32)
    wav[7000:30000] = rng.standard_normal(23000) * 0.1
    wav[5000:7000] = rng.standard_normal(2000) * 1e-4
    expected = librosa.effects.trim(wav, top_db=60, frame_length=1000, hop_length=200)[1]
    assert speech_span(wav, FeatureConfig()) == tuple(expected)


def test_span_of_an_empty_signal_is_empty():
    assert speech_span(np.zeros(0, np.float32), FeatureConfig()) == (0, 0)


@pytest.mark.parametrize("length", [1, 199, 1234, 1600, 2000])
def test_pad_to_frames_gives_exactly_frames_times_hop(length):
    wav = np.arange(length, dtype=np.float32)
    out = pad_to_frames(wav, 8, 200)
    assert len(out) == 1600
    np.testing.assert_array_equal(out[: min(length, 1600)], wav[:1600])
