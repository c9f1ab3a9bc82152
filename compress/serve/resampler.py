"""Resampling a stream chunk by chunk, with the same result as resampling it whole.

`scipy.signal.resample_poly` pads every call's edges with zeros, so resampling chunks one by
one would click at every chunk boundary. Here the polyphase filter keeps its state between
chunks (the zero-stuffed signal goes through `lfilter` with its `zi`), the filter's delay is
skipped at the start and flushed with zeros at the end.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import firwin, lfilter

TAPS_PER_RATIO = 20  # filter length per max(up, down): resample_poly's default (half length 10)


class StreamResampler:
    def __init__(self, rate: int, target: int):
        if rate <= 0 or target <= 0:
            raise ValueError(f"sample rates must be positive, got {rate} -> {target}")
        g = math.gcd(rate, target)
        self.up, self.down = target // g, rate // g
        self.identity = rate == target
        taps = TAPS_PER_RATIO * max(self.up, self.down) + 1 if not self.identity else 1
        self.h = (np.ones(1) if self.identity
                  else firwin(taps, 1.0 / max(self.up, self.down), window=("kaiser", 5.0)) * self.up)
        self.delay = (taps - 1) // 2  # in samples of the zero-stuffed signal
        self.zi = np.zeros(taps - 1)
        self.position = 0  # zero-stuffed samples filtered so far
        self.inputs = self.outputs = 0

    def push(self, chunk: np.ndarray) -> np.ndarray:
        """Resampled float32 samples that are final now (may be empty)."""
        if self.identity:
            return np.asarray(chunk, dtype=np.float32)
        self.inputs += len(chunk)
        return self._emit(self._filter(chunk))

    def finish(self) -> np.ndarray:
        """The samples still inside the filter: the stream's tail."""
        if self.identity:
            return np.zeros(0, dtype=np.float32)
        tail = self._filter(np.zeros(self.delay // self.up + 1))
        expected = math.ceil(self.inputs * self.up / self.down)
        return self._emit(tail[: max(0, expected - self.outputs)])

    def _filter(self, chunk: np.ndarray) -> np.ndarray:
        stuffed = np.zeros(len(chunk) * self.up)
        stuffed[:: self.up] = chunk
        filtered, self.zi = lfilter(self.h, 1.0, stuffed, zi=self.zi)
        index = np.arange(self.position, self.position + len(stuffed))
        self.position += len(stuffed)
        keep = (index >= self.delay) & ((index - self.delay) % self.down == 0)
        return filtered[keep]

    def _emit(self, samples: np.ndarray) -> np.ndarray:
        self.outputs += len(samples)
        return samples.astype(np.float32)
