"""Corpus mean/std normalization and phone-level averaging, as KAN-TTS does them.

Facts (docs/features.md): the mean and the (population) standard deviation are taken over every
frame of every utterance — per mel bin for the mel, one scalar each for F0 and energy, and for F0
the unvoiced frames (value 0) count too. Mel frames become `(x - mean) / std`; F0 and energy frames
do too, except that frames equal to 0 stay 0. Phone-level values are the mean of a phone's non-zero
(normalized) frames, 0 when it has none. The stats are saved as `<name>_mean.txt` / `<name>_std.txt`
with numpy's savetxt, one row, "%.6f".

The values used to normalize are the rounded ones written to disk, so that denormalizing with the
text files inverts the stored features exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compress.errors import DataError

_DECIMALS = 6


@dataclass(frozen=True)
class MeanStd:
    """Per-dimension mean and std (1-D arrays of the same length)."""

    mean: np.ndarray
    std: np.ndarray

    def rounded(self) -> "MeanStd":
        return MeanStd(np.round(self.mean, _DECIMALS), np.round(self.std, _DECIMALS))

    def to_json(self) -> dict:
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_json(cls, data: dict) -> "MeanStd":
        return cls(np.asarray(data["mean"], np.float64), np.asarray(data["std"], np.float64))


class MeanStdAccumulator:
    """Streams frames (N, dims) in, gives the corpus mean and population std (float64 sums)."""

    def __init__(self, dims: int):
        self.dims = dims
        self.count = 0
        self._sum = np.zeros(dims, dtype=np.float64)
        self._sum_sq = np.zeros(dims, dtype=np.float64)

    def add(self, frames: np.ndarray) -> None:
        values = np.asarray(frames, dtype=np.float64).reshape(-1, self.dims)
        self.count += len(values)
        self._sum += values.sum(axis=0)
        self._sum_sq += np.square(values).sum(axis=0)

    def result(self) -> MeanStd:
        if self.count == 0:
            raise DataError("no frames to compute normalization statistics from")
        mean = self._sum / self.count
        var = np.maximum(self._sum_sq / self.count - np.square(mean), 0.0)
        std = np.sqrt(var)
        if np.any(std == 0):
            raise DataError("a feature dimension is constant over the corpus (std 0)")
        return MeanStd(mean, std).rounded()


def normalize(x: np.ndarray, stats: MeanStd) -> np.ndarray:
    """Mel: (x - mean) / std over the last axis."""
    return ((x - stats.mean) / stats.std).astype(np.float32)


def normalize_keep_zeros(x: np.ndarray, stats: MeanStd) -> np.ndarray:
    """F0 and energy: like `normalize`, but frames equal to 0 (unvoiced, silent) stay 0."""
    out = (np.asarray(x, np.float64) - stats.mean[0]) / stats.std[0]
    out[np.asarray(x) == 0] = 0.0
    return out.astype(np.float32)


def denormalize(x: np.ndarray, stats: MeanStd) -> np.ndarray:
    return (x * stats.std + stats.mean).astype(np.float32)


def average_by_duration(frames: np.ndarray, durations: np.ndarray) -> np.ndarray:
    """Per token: mean of its non-zero frames (0 if none, including 0-frame tokens)."""
    durations = np.asarray(durations, dtype=np.int64)
    frames = np.asarray(frames, dtype=np.float64)
    if durations.sum() != len(frames) or np.any(durations < 0):
        raise DataError(f"durations {durations.tolist()} do not split {len(frames)} frames")
    edges = np.concatenate([[0], np.cumsum(durations)])
    nonzero = frames != 0
    sums = np.concatenate([[0.0], np.cumsum(np.where(nonzero, frames, 0.0))])
    counts = np.concatenate([[0], np.cumsum(nonzero)])
    total = sums[edges[1:]] - sums[edges[:-1]]
    count = counts[edges[1:]] - counts[edges[:-1]]
    return np.where(count > 0, total / np.maximum(count, 1), 0.0).astype(np.float32)


def save_kantts_stats(stats: MeanStd, directory: Path, name: str) -> None:
    """`<name>_mean.txt` and `<name>_std.txt`, one row each, as KAN-TTS writes them."""
    directory = Path(directory)
    np.savetxt(directory / f"{name}_mean.txt", stats.mean.reshape(1, -1), fmt="%.6f")
    np.savetxt(directory / f"{name}_std.txt", stats.std.reshape(1, -1), fmt="%.6f")


def load_kantts_stats(directory: Path, name: str) -> MeanStd:
    directory = Path(directory)
    try:
        mean = np.loadtxt(directory / f"{name}_mean.txt", ndmin=1)
        std = np.loadtxt(directory / f"{name}_std.txt", ndmin=1)
    except OSError as err:
        raise DataError(f"missing normalization stats {name!r} in {directory}: {err}") from None
    return MeanStd(mean.reshape(-1), std.reshape(-1))
