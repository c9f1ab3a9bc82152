"""Spectral losses for waveform models: multi-resolution STFT and log-mel L1."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

# (fft size, hop, window) triples, the usual multi-resolution set scaled for 16-24 kHz.
STFT_RESOLUTIONS = ((512, 50, 240), (1024, 120, 600), (2048, 240, 1200))
# A 4096-point FFT (3.9 Hz bins at 16 kHz) over a 2048-sample (128 ms) window: the harmonics
# of a low voice resolve. The demo vocoder's extra STFT term and the low-band term use it.
LONG_STFT = (4096, 400, 2048)


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
        total = total + _magnitude_distance(stft_magnitude(pred, n_fft, hop, win),
                                            stft_magnitude(target, n_fft, hop, win))
    return total / len(usable)


def _magnitude_distance(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spectral convergence + log-magnitude L1 of two (floored) magnitude spectrograms."""
    convergence = torch.linalg.norm(t - p) / torch.linalg.norm(t).clamp(min=1e-7)
    return convergence + F.l1_loss(p.log(), t.log())


def low_band_loss(pred: torch.Tensor, target: torch.Tensor, max_hz: float, sample_rate: int,
                  resolution=LONG_STFT) -> torch.Tensor:
    """Spectral convergence + log-magnitude L1 of one long STFT on its bins up to `max_hz`
    (B, samples). The pitch region, weighed on its own: in the full-band terms a hum line at
    the hop rate is a few bins among thousands, yet it decides which pitch a listener (or an
    F0 tracker) hears when the fundamental is weaker than it. A segment too short for the
    resolution (centred frames need half an FFT of signal) gets it halved until it fits."""
    n_fft, hop, win = resolution
    while n_fft // 2 >= pred.shape[-1] and n_fft > 2:
        n_fft, hop, win = n_fft // 2, max(1, hop // 2), max(1, win // 2)
    bins = int(max_hz * n_fft / sample_rate) + 1
    return _magnitude_distance(stft_magnitude(pred, n_fft, hop, win)[..., :bins],
                               stft_magnitude(target, n_fft, hop, win)[..., :bins])


def mel_l1(pred: torch.Tensor, target: torch.Tensor,
           mel_fn: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """L1 between mel features of two waveforms, with the voice's own feature function."""
    return F.l1_loss(mel_fn(pred), mel_fn(target))
