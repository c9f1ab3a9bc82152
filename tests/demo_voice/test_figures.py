"""The demo voice's figures: the comparison spectrogram resolves harmonics."""

import numpy as np


def test_the_comparison_spectrogram_shows_each_harmonic_of_a_low_voice():
    from compress.audio.config import FeatureConfig
    from compress.demo_voice.figures import harmonic_spectrogram

    rate, f0 = 16000, 90.0  # a low voice: harmonics 90 Hz apart, near the 80 Hz hop rate
    t = np.arange(rate) / rate
    wav = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, 20))
    spec, bin_hz = harmonic_spectrogram(wav, FeatureConfig(sampling_rate=rate, hop_length=200))
    assert spec.shape[0] == rate // 200 + 1 and spec.shape[1] * bin_hz >= 3000
    middle = spec[len(spec) // 2]
    level = lambda hz: middle[int(round(hz / bin_hz))]
    for k in (1, 2, 5, 10):  # each harmonic stands 20 dB over the valley beside it
        assert level(k * f0) > level((k + 0.5) * f0) + 20
