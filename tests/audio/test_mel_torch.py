import numpy as np
import torch

from compress.audio import spectral
from compress.audio.config import FeatureConfig
from compress.audio.mel_torch import LogMel


def _batch():
    rng = np.random.default_rng(1)
    t = np.arange(16000) / 16000
    speech_like = 0.5 * np.sin(2 * np.pi * (120 + 80 * t) * t) * (t > 0.2)
    noise = 0.02 * rng.standard_normal(16000)
    return np.stack([speech_like, noise, speech_like + noise]).astype(np.float32)


def test_torch_mel_equals_numpy_mel_within_1e_4():
    config = FeatureConfig()
    wavs = _batch()
    out = LogMel(config)(torch.from_numpy(wavs)).numpy()
    for wav, mel in zip(wavs, out):
        np.testing.assert_allclose(mel, spectral.log_mel(wav, config), atol=1e-4)


def test_normalized_variant_and_gradients():
    config = FeatureConfig()
    mean, std = np.full(80, 0.4), np.full(80, 0.2)
    wav = torch.from_numpy(_batch()[0]).requires_grad_()
    out = LogMel(config, mean, std)(wav)
    expected = (spectral.log_mel(_batch()[0], config) - 0.4) / 0.2
    np.testing.assert_allclose(out[0].detach().numpy(), expected, atol=1e-3)
    out.abs().sum().backward()
    assert torch.isfinite(wav.grad).all() and wav.grad.abs().sum() > 0
