"""The spectral distance in dB that every sensitivity measurement reports.

Features: the log-mel spectrum of a waveform, with the voice's own STFT and mel settings
(n_fft, hop_length, win_length, n_mels, fmin, fmax of its audio config): a centred STFT with
a periodic Hann window, magnitudes pooled by triangular mel filters (HTK mel scale, peak 1),
then S = 20 * log10(max(amplitude, 1e-5)) in dB (1e-5 is KAN-TTS's amplitude floor).

Distance between a reference S0 and a test S1 of one utterance (`frame_distance`):

* both spectra are floored at (loudest value of S0) - 80 dB, so that differences between
  bands that are inaudible in the reference count as zero;
* the frames that count are the reference's speech frames: those whose loudest band is
  within 60 dB of the utterance's loudest frame (KAN-TTS trims silence at 60 dB);
* per frame, the RMS over bands of S1 - S0; the distance is the mean of that over the
  speech frames (pooled over utterances: weighted by their speech frames).

When the test output has another length (the duration predictor pruned), frames are
aligned by dynamic time warping on the same per-frame RMS before averaging (`dtw_mean`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

AMP_FLOOR = 1e-5
FLOOR_BELOW_PEAK_DB = 80.0
SPEECH_WITHIN_DB = 60.0


@dataclass(frozen=True)
class MelSettings:
    sample_rate: int
    n_fft: int
    hop: int
    win: int
    n_mels: int
    fmin: float
    fmax: float

    @classmethod
    def from_voice(cls, voice) -> "MelSettings":
        audio = voice.audio
        return cls(sample_rate=audio.sampling_rate, n_fft=audio.n_fft, hop=audio.hop_length,
                   win=audio.win_length, n_mels=audio.n_mels, fmin=audio.fmin, fmax=audio.fmax)


def _hz_to_mel(hz):
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def _mel_to_hz(mel):
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_filters(s: MelSettings) -> torch.Tensor:
    """(n_fft // 2 + 1, n_mels) triangular filters, peak 1, on the HTK mel scale."""
    freqs = np.linspace(0.0, s.sample_rate / 2, s.n_fft // 2 + 1)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(s.fmin), _hz_to_mel(s.fmax), s.n_mels + 2))
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs[None] - lower) / np.maximum(centre - lower, 1e-9)
    falling = (upper - freqs[None]) / np.maximum(upper - centre, 1e-9)
    weights = np.clip(np.minimum(rising, falling), 0.0, None)
    return torch.from_numpy(weights.T.astype(np.float32))


class LogMelDb(torch.nn.Module):
    """waveform (samples,) or (B, samples) -> log-mel in dB, (frames, n_mels) or (B, frames, n_mels).

    frames = 1 + samples // hop (centred STFT). Differentiable (used by the Taylor loss)."""

    def __init__(self, settings: MelSettings):
        super().__init__()
        self.settings = settings
        self.register_buffer("window", torch.hann_window(settings.win), persistent=False)
        self.register_buffer("filters", mel_filters(settings), persistent=False)

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        s = self.settings
        single = wav.dim() == 1
        batch = wav[None] if single else wav
        pad = s.n_fft // 2
        mode = "reflect" if batch.shape[-1] > pad else "constant"
        padded = torch.nn.functional.pad(batch[:, None], (pad, pad), mode=mode)[:, 0]
        spec = torch.stft(padded, s.n_fft, s.hop, s.win, window=self.window, center=False,
                          return_complex=True)
        power = spec.real.square() + spec.imag.square()
        amp = torch.sqrt(power.clamp(min=1e-20)).transpose(1, 2) @ self.filters
        db = 20.0 * torch.log10(amp.clamp(min=AMP_FLOOR))
        return db[0] if single else db


def speech_frames(reference_db: torch.Tensor) -> torch.Tensor:
    """Bool (frames,): frames whose loudest band is within 60 dB of the loudest frame."""
    loudest = reference_db.max(dim=1).values
    return loudest >= loudest.max() - SPEECH_WITHIN_DB


def floor_db(reference_db: torch.Tensor) -> float:
    return float(reference_db.max()) - FLOOR_BELOW_PEAK_DB


@dataclass
class Partial:
    """A distance not yet averaged: the sum of per-frame RMS values and the frame count."""

    total: float = 0.0
    frames: int = 0

    def add(self, other: "Partial") -> "Partial":
        return Partial(self.total + other.total, self.frames + other.frames)

    @property
    def db(self) -> float:
        return self.total / self.frames if self.frames else 0.0


def frame_rms(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-frame RMS over bands of a - b, (frames,)."""
    return (a - b).square().mean(dim=-1).sqrt()


def frame_distance(reference_db: torch.Tensor, test_db: torch.Tensor, speech: torch.Tensor) -> Partial:
    """The aligned distance of one utterance (same number of frames)."""
    floor = floor_db(reference_db)
    rms = frame_rms(test_db.clamp(min=floor), reference_db.clamp(min=floor))
    return Partial(float(rms[speech].sum()), int(speech.sum()))


def silence_distance(reference_db: torch.Tensor, speech: torch.Tensor) -> Partial:
    """The distance of an utterance that came out empty: every frame against the floor."""
    floor = floor_db(reference_db)
    rms = frame_rms(reference_db.clamp(min=floor), torch.full_like(reference_db, floor))
    return Partial(float(rms[speech].sum()), int(speech.sum()))


def dtw_path(cost: np.ndarray) -> list[tuple[int, int]]:
    """Least-cost monotone path from (0, 0) to (n-1, m-1) with steps (1,0), (0,1), (1,1)."""
    n, m = cost.shape
    acc = np.empty((n, m))
    acc[0] = np.cumsum(cost[0])
    for i in range(1, n):
        prev = acc[i - 1]
        diag = np.concatenate([[math.inf], prev[:-1]])
        best = cost[i] + np.minimum(prev, diag)
        # horizontal moves inside the row: acc[i, j] = S[j] + min_{k<=j}(best[k] - S[k])
        csum = np.cumsum(cost[i])
        acc[i] = csum + np.minimum.accumulate(best - csum)
    path, i, j = [(n - 1, m - 1)], n - 1, m - 1
    while i or j:
        options = []
        if i and j:
            options.append((acc[i - 1, j - 1], i - 1, j - 1))
        if i:
            options.append((acc[i - 1, j], i - 1, j))
        if j:
            options.append((acc[i, j - 1], i, j - 1))
        _, i, j = min(options)
        path.append((i, j))
    return path[::-1]


def dtw_mean(reference: torch.Tensor, test: torch.Tensor, speech: torch.Tensor) -> Partial:
    """Distance of two feature sequences of different lengths (already floored or scaled):
    the per-frame RMS along the DTW path, averaged over path cells on reference speech frames."""
    a, b = reference.double(), test.double()
    cost = torch.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist").numpy() / math.sqrt(a.shape[1])
    cells = [(i, j) for i, j in dtw_path(cost) if bool(speech[i])]
    return Partial(float(sum(cost[i, j] for i, j in cells)), len(cells))
