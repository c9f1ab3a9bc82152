"""Spectral losses for waveform models: multi-resolution STFT and log-mel L1."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

# (fft size, hop, window) triples, the usual multi-resolution set scaled for 16-24 kHz.
STFT_RESOLUTIONS = ((512, 50, 240), (1024, 120, 600), (2048, 240, 1200))


def stft_magnitude(wav: torch.Tensor, n_fft: int, hop: int, win: int) -> torch.Tensor:
    """(B, samples) -> (B, frames, bins) magnitude, floored for the log."""
    window = torch.hann_window(win, device=wav.device, dtype=wav.dtype)
    spec = torch.stft(wav, n_fft, hop, win, window=window, return_complex=True)
    return spec.abs().clamp(min=1e-7).transpose(1, 2)


def stft_loss(pred: torch.Tensor, target: torch.Tensor,
              resolutions=STFT_RESOLUTIONS) -> torch.Tensor:
    """Spectral convergence + log-magnitude L1, averaged over resolutions. (B, samples).
    A resolution whose FFT is longer than twice the segment (its centred frame would need
    more padding than the signal has) is left out."""
    usable = [r for r in resolutions if r[0] // 2 < pred.shape[-1]] or list(resolutions[:1])
    total = pred.new_zeros(())
    for n_fft, hop, win in usable:
        p, t = stft_magnitude(pred, n_fft, hop, win), stft_magnitude(target, n_fft, hop, win)
        convergence = torch.linalg.norm(t - p) / torch.linalg.norm(t).clamp(min=1e-7)
        total = total + convergence + F.l1_loss(p.log(), t.log())
    return total / len(usable)


def mel_l1(pred: torch.Tensor, target: torch.Tensor,
           mel_fn: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """L1 between mel features of two waveforms, with the voice's own feature function."""
    return F.l1_loss(mel_fn(pred), mel_fn(target))
