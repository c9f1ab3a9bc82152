"""The KAN-TTS log-mel of `spectral.log_mel`, in torch and differentiable (for the vocoder's mel loss).

Same STFT (centred, reflect padding, periodic Hann of win_length centred in n_fft), same Slaney
filterbank (the numpy one, as a buffer), same dB floor and clip. Optionally the corpus mean/std
normalization on top, so a generated waveform can be compared with the stored, normalized mels.

Gradients: the magnitude is `sqrt(re^2 + im^2 + 1e-12)`, finite at zero; the 1e-5 amplitude floor
and the clip to [0, max_norm] pass no gradient where they are active, exactly like the features.
"""

from __future__ import annotations

import numpy as np
import torch

from compress.audio.config import FeatureConfig
from compress.audio.spectral import mel_basis

_AMP_FLOOR = 1e-5
_POWER_EPS = 1e-20


class LogMel(torch.nn.Module):
    """wav (B, T) or (T,) float -> (B, frames, n_mels), frames = 1 + T // hop_length."""

    def __init__(self, config: FeatureConfig, mean=None, std=None):
        super().__init__()
        if config.preemphasize:
            raise NotImplementedError("pre-emphasis is not supported by the torch mel")
        self.config = config
        window = torch.hann_window(config.win_length, periodic=True, dtype=torch.float32)
        self.register_buffer("window", window, persistent=False)
        self.register_buffer("basis", torch.from_numpy(mel_basis(config).T.copy()), persistent=False)
        if (mean is None) != (std is None):
            raise ValueError("give both mean and std, or neither")
        self.normalized = mean is not None
        if self.normalized:
            shape = (1, 1, config.n_mels)
            self.register_buffer("mean", _as_tensor(mean).reshape(shape), persistent=False)
            self.register_buffer("std", _as_tensor(std).reshape(shape), persistent=False)

    def magnitude(self, wav: torch.Tensor) -> torch.Tensor:
        """|STFT| as (B, frames, n_fft // 2 + 1)."""
        spec = torch.stft(
            wav,
            n_fft=self.config.n_fft,
            hop_length=self.config.hop_length,
            win_length=self.config.win_length,
            window=self.window.to(wav.dtype),
            center=True,
            pad_mode="reflect",
            return_complex=True,
        )
        power = spec.real.square() + spec.imag.square()
        return torch.sqrt(torch.clamp(power, min=_POWER_EPS)).transpose(1, 2)

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        if wav.dim() == 1:
            wav = wav.unsqueeze(0)
        elif wav.dim() == 3:
            wav = wav.reshape(-1, wav.shape[-1])
        mel_amp = self.magnitude(wav) @ self.basis.to(wav.dtype)
        out = _to_unit(mel_amp, self.config)
        if self.normalized:
            out = (out - self.mean) / self.std
        return out


def _to_unit(mel_amp: torch.Tensor, config: FeatureConfig) -> torch.Tensor:
    db = 20.0 * torch.log10(torch.clamp(mel_amp, min=_AMP_FLOOR)) - config.ref_level_db
    scaled = (db - config.min_level_db) / -config.min_level_db
    top = config.max_norm
    if config.symmetric:
        return torch.clamp(2 * top * scaled - top, -top, top)
    return torch.clamp(top * scaled, 0.0, top)


def _as_tensor(values) -> torch.Tensor:
    return torch.as_tensor(np.asarray(values, dtype=np.float32).reshape(-1))
