"""The neural-source-filter parts of KAN-TTS NSF voices (NSF.md): F0 de-normalisation and the
vocoder's sine source.

The acoustic model of an NSF voice predicts two channels beyond the mel: a normalised F0
and a voicing value. `vocoder_input` turns them into F0 in Hz and a 0/1 voicing, which is
what the vocoder reads. The vocoder's `SourceModule` turns F0 and voicing into an excitation
at the sample rate: a sum of harmonics with random initial phases where voiced, noise where
not. Its two random draws are the only randomness of a voice; `draw` makes them in the
original's order, so a seeded run reproduces the original's waveform exactly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.distributions import Normal, Uniform

from compress.models.arch import F0Norm
from compress.models.nsf_source import MIN_F0_HZ, NOISE_STD, SINE_AMPLITUDE, VOICED_THRESHOLD


def binarize_voicing(voc_in: torch.Tensor) -> torch.Tensor:
    """(frames, C) with voicing in the last column -> the same with it set to 0 or 1."""
    out = voc_in.clone()
    out[:, -1] = (voc_in[:, -1] >= VOICED_THRESHOLD).to(voc_in.dtype)
    return out


def vocoder_input(mel: torch.Tensor, norm: F0Norm | None) -> torch.Tensor:
    """The acoustic model's output (frames, C) -> what the vocoder reads (KAN-TTS denorm_f0):
    the F0 column in Hz (at least MIN_F0_HZ), the voicing column 0/1; mels untouched.
    Plain voices (norm None) pass through."""
    if norm is None:
        return mel
    out = binarize_voicing(mel)
    if norm.norm_type == "mean_std":
        f0 = mel[:, -2] * norm.std + norm.mean
    else:
        f0 = mel[:, -2] * (norm.maximum - norm.minimum) + norm.minimum
    out[:, -2] = f0.clamp_min(MIN_F0_HZ)
    return out


@contextmanager
def fixed_draws(seed: int = 0) -> Iterator[None]:
    """Inside, torch's global generator starts from `seed`; after, it is as it was. Analyses
    that compare two runs of an NSF vocoder use it, so both runs draw the same phases and noise."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


class TorchDraws:
    """numpy's `uniform` and `normal` drawn from torch's global generator, as the original's
    source draws them: the ONNX Runtime driver's source (nsf_source.SineSource) given this
    draws what a torch voice draws after the same seed."""

    def uniform(self, low: float, high: float, size: tuple) -> np.ndarray:
        return Uniform(low=low, high=high).sample(size).numpy()

    def normal(self, loc: float, scale: float, size: tuple) -> np.ndarray:
        return Normal(loc=loc, scale=scale).sample(size).numpy()


def torch_draws(seed: int | None) -> TorchDraws:
    """A `draws` factory for the driver: torch's global seed set to `seed` (as synthesis does
    before each vocoder call), then torch's draws."""
    if seed is not None:
        torch.manual_seed(seed)
    return TorchDraws()


@dataclass
class SourceDraws:
    """The random draws of one run (or one stream): initial phases and noise for every sample.
    `offset` and `cycles` let a stream continue where its previous chunk ended."""

    phases: torch.Tensor  # (B, harmonics, 1)
    noise: torch.Tensor  # (B, harmonics, samples)
    offset: int = 0  # samples already used
    cycles: torch.Tensor | None = None  # (B, harmonics, 1) float64: phase so far, in cycles


class SourceModule(nn.Module):
    """F0 (B, 1, frames) in Hz and voicing (B, 1, frames) -> excitation (B, 1, frames * hop)."""

    def __init__(self, nb_harmonics: int, sample_rate: int, hop: int):
        super().__init__()
        self.harmonics = nb_harmonics + 1  # the fundamental and nb_harmonics overtones
        self.sample_rate, self.hop = sample_rate, hop
        self.ffn = nn.Sequential(nn.Conv1d(self.harmonics, 1, 1), nn.Tanh())

    def draw(self, batch: int, samples: int) -> SourceDraws:
        """The original's two draws, in its order, from torch's global CPU generator:
        phases Uniform(-pi, pi) (the fundamental's set to 0), then Normal(0, sigma) noise."""
        phases = Uniform(low=-np.pi, high=np.pi).sample((batch, self.harmonics, 1))
        phases[:, 0, :] = 0
        noise = Normal(loc=0.0, scale=NOISE_STD).sample((batch, self.harmonics, samples))
        return SourceDraws(phases, noise)

    def forward(self, f0: torch.Tensor, voicing: torch.Tensor, draws: SourceDraws | None = None) -> torch.Tensor:
        """With `draws` (a stream's), continue it; without, draw afresh for this call."""
        if draws is None:
            draws = self.draw(f0.shape[0], f0.shape[-1] * self.hop)
        with torch.no_grad():
            excitation = self.excitation(f0, voicing, draws)
        return self.ffn(excitation)

    def excitation(self, f0: torch.Tensor, voicing: torch.Tensor, draws: SourceDraws) -> torch.Tensor:
        """The harmonic/noise mixture (B, harmonics, samples) before the ffn; advances `draws`."""
        # nearest upsampling by hop, exactly as F.interpolate(scale_factor=hop) (tested)
        f0, voicing = f0.repeat_interleave(self.hop, -1), voicing.repeat_interleave(self.hop, -1)
        samples = f0.shape[-1]
        end = draws.offset + samples
        if end > draws.noise.shape[-1]:
            raise ValueError(f"the NSF stream was drawn for {draws.noise.shape[-1]} samples, "
                             f"not {end}")
        k = torch.arange(1, self.harmonics + 1, dtype=f0.dtype, device=f0.device).view(1, -1, 1)
        increments = f0 * k / self.sample_rate
        # torch.cumsum of float32 on CPU accumulates in float64: carrying the float64 sum
        # across chunks makes a stream's phases bit-equal to one whole run's
        start = draws.cycles if draws.cycles is not None else increments.new_zeros(
            increments.shape[:2] + (1,), dtype=torch.float64)
        cycles = torch.cumsum(torch.cat([start, increments.double()], dim=-1), dim=-1)[..., 1:]
        draws.cycles, draws.offset = cycles[..., -1:], end
        theta = 2 * np.pi * (cycles.to(f0.dtype) % 1)
        noise = draws.noise[..., end - samples : end].to(f0.device)
        voiced = SINE_AMPLITUDE * torch.sin(theta + draws.phases.to(f0.device)) + noise
        unvoiced = SINE_AMPLITUDE / 3 / NOISE_STD * noise
        return voiced * voicing + unvoiced * (1 - voicing)
