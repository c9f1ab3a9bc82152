"""The NSF math without torch (NSF.md): the constants, F0 de-normalisation and the sine
source in numpy, for the ONNX Runtime driver of an exported NSF voice.

compress/models/nsf.py is the torch side and takes its constants from here. The numpy
source computes what `SourceModule.excitation` computes, in the same dtypes and order; its
random draws come from any object with numpy's `uniform(low, high, size)` and
`normal(loc, scale, size)` (a `numpy.random.Generator`, or an adapter that draws with torch
as the original does, which is how parity with the torch voice is checked).
"""

from __future__ import annotations

import numpy as np

VOICED_THRESHOLD = 0.6  # voicing values >= this are voiced
MIN_F0_HZ = 30.0  # F0 below this is raised to it
SINE_AMPLITUDE = 0.1  # alpha of the original
NOISE_STD = 0.003  # sigma of the original


def binarize_voicing(voc_in: np.ndarray) -> np.ndarray:
    """(frames, C) with voicing in the last column -> a copy with it set to 0 or 1."""
    out = np.array(voc_in, dtype=np.float32, copy=True)
    out[:, -1] = (out[:, -1] >= np.float32(VOICED_THRESHOLD)).astype(np.float32)
    return out


def vocoder_input(mel: np.ndarray, f0_norm: dict | None) -> np.ndarray:
    """The acoustic model's output (frames, C) -> the vocoder's input (KAN-TTS denorm_f0): F0
    in Hz (at least MIN_F0_HZ), voicing 0/1, mels untouched. `f0_norm` is the arch's F0Norm
    as a dict; None (a plain voice) passes the mel through."""
    if f0_norm is None:
        return mel
    out = binarize_voicing(mel)
    if f0_norm["norm_type"] == "mean_std":
        f0 = mel[:, -2] * np.float32(f0_norm["std"]) + np.float32(f0_norm["mean"])
    else:
        span = np.float32(f0_norm["maximum"] - f0_norm["minimum"])
        f0 = mel[:, -2] * span + np.float32(f0_norm["minimum"])
    out[:, -2] = np.maximum(f0, np.float32(MIN_F0_HZ))
    return out


class SineSource:
    """The harmonic/noise mixture of one run or one stream (1, harmonics, samples), before the
    source's ffn: drawn once for `samples` in all (phases, then noise, as the original), its
    phase carried across calls so that a stream equals one whole run."""

    def __init__(self, harmonics: int, sample_rate: int, hop: int, samples: int, rng):
        self.harmonics, self.sample_rate, self.hop = harmonics, sample_rate, hop
        self.phases = np.asarray(rng.uniform(-np.pi, np.pi, (1, harmonics, 1)), dtype=np.float32).copy()
        self.phases[:, 0] = 0.0
        self.noise = np.asarray(rng.normal(0.0, NOISE_STD, (1, harmonics, samples)), dtype=np.float32)
        self.offset = 0
        self.cycles = np.zeros((1, harmonics, 1), dtype=np.float64)  # phase so far, in cycles

    def __call__(self, f0: np.ndarray, voicing: np.ndarray) -> np.ndarray:
        """F0 (frames,) in Hz and voicing (frames,) 0/1 -> (1, harmonics, frames * hop) float32."""
        f0 = np.repeat(np.asarray(f0, dtype=np.float32), self.hop)[None, None]
        voicing = np.repeat(np.asarray(voicing, dtype=np.float32), self.hop)[None, None]
        end = self.offset + f0.shape[-1]
        if end > self.noise.shape[-1]:
            raise ValueError(f"the NSF source was drawn for {self.noise.shape[-1]} samples, not {end}")
        k = np.arange(1, self.harmonics + 1, dtype=np.float32).reshape(1, -1, 1)
        increments = f0 * k / np.float32(self.sample_rate)
        cycles = np.cumsum(np.concatenate([self.cycles, increments.astype(np.float64)], axis=-1), axis=-1)[..., 1:]
        self.cycles = cycles[..., -1:]
        theta = np.float32(2 * np.pi) * np.mod(cycles.astype(np.float32), np.float32(1.0))
        noise = self.noise[..., self.offset : end]
        self.offset = end
        voiced = np.float32(SINE_AMPLITUDE) * np.sin(theta + self.phases) + noise
        unvoiced = np.float32(SINE_AMPLITUDE / 3 / NOISE_STD) * noise
        return (voiced * voicing + unvoiced * (np.float32(1.0) - voicing)).astype(np.float32)
