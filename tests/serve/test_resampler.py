import numpy as np
import pytest
from scipy.signal import resample_poly

from compress.serve.resampler import StreamResampler


def _chunked(signal, rate, target, sizes):
    resampler, out, at = StreamResampler(rate, target), [], 0
    for size in sizes:
        out.append(resampler.push(signal[at:at + size]))
        at += size
    out.append(resampler.push(signal[at:]))
    out.append(resampler.finish())
    return np.concatenate(out)


@pytest.mark.parametrize("rate,target", [(16000, 24000), (16000, 8000), (24000, 16000), (16000, 44100)])
def test_chunks_give_the_whole_signal_result(rate, target):
    rng = np.random.default_rng(0)
    signal = rng.standard_normal(rate // 2).astype(np.float32) * 0.3
    whole = _chunked(signal, rate, target, [])
    pieces = _chunked(signal, rate, target, [1200, 7, 1, 3000, 555])
    assert len(whole) == len(pieces) == int(np.ceil(len(signal) * target / rate))
    np.testing.assert_allclose(pieces, whole, atol=1e-6)


def test_a_tone_keeps_its_amplitude_and_phase():
    t = np.arange(16000) / 16000
    tone = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    out = _chunked(tone, 16000, 24000, [6000, 6000])
    reference = resample_poly(tone, 3, 2)
    middle = slice(1000, len(out) - 1000)  # away from the edges, where the two pad differently
    np.testing.assert_allclose(out[middle], reference[middle], atol=2e-3)


def test_same_rate_passes_through():
    resampler = StreamResampler(16000, 16000)
    chunk = np.linspace(-1, 1, 100, dtype=np.float32)
    assert np.array_equal(resampler.push(chunk), chunk) and len(resampler.finish()) == 0
