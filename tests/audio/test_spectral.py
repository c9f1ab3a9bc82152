import numpy as np
import pytest

from compress.audio import spectral
from compress.audio.config import FeatureConfig

CONFIGS = [
    FeatureConfig(),
    FeatureConfig(sampling_rate=24000, hop_length=240, win_length=1024, n_fft=1024, fmin=50.0, fmax=7600.0),
]


def _signal(seconds=1.0, rate=16000, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    wav = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(len(t))
    wav[: rate // 10] = 0.0
    return wav.astype(np.float32)


@pytest.mark.parametrize("config", CONFIGS)
def test_mel_basis_is_librosas_slaney_filterbank(config):
    librosa = pytest.importorskip("librosa")
    expected = librosa.filters.mel(
        sr=config.sampling_rate, n_fft=config.n_fft, n_mels=config.n_mels, fmin=config.fmin, fmax=config.fmax
    )
    np.testing.assert_allclose(spectral.mel_basis(config), expected, atol=1e-7)


@pytest.mark.parametrize("config", CONFIGS)
def test_stft_is_librosas_with_reflect_padding(config):
    librosa = pytest.importorskip("librosa")
    wav = _signal(rate=config.sampling_rate)
    expected = np.abs(
        librosa.stft(wav, n_fft=config.n_fft, hop_length=config.hop_length,
                     win_length=config.win_length, pad_mode="reflect")
    ).T
    np.testing.assert_allclose(spectral.stft_magnitude(wav, config), expected, atol=1e-4)


@pytest.mark.parametrize("samples", [3000, 3199, 3200, 3201])
def test_frame_count_is_one_plus_samples_over_hop(samples):
    config = FeatureConfig()
    mel = spectral.log_mel(_signal()[:samples], config)
    assert mel.shape == (spectral.num_frames(samples, config), 80) == (1 + samples // 200, 80)


def test_log_mel_is_on_the_unit_scale_with_silence_at_zero():
    config = FeatureConfig()
    mel = spectral.log_mel(_signal(), config)
    assert mel.dtype == np.float32 and mel.min() >= 0.0 and mel.max() <= 1.0
    assert np.all(mel[:3] == 0.0)  # digital silence hits the 1e-5 floor: -100 dB -20 -> clipped
    assert mel[20:].mean() > 0.2


def test_energy_is_the_l2_norm_of_each_magnitude_frame():
    config = FeatureConfig()
    magnitude = spectral.stft_magnitude(_signal(), config)
    np.testing.assert_allclose(spectral.frame_energy(magnitude), np.linalg.norm(magnitude, axis=1), rtol=1e-5)
