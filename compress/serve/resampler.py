"""Resampling a stream chunk by chunk, with the same result as resampling it whole.

`scipy.signal.resample_poly` pads every call's edges with zeros, so resampling chunks one by
one would click at every chunk boundary. Here each output sample is computed from its own
polyphase branch of one low-pass filter: output n sits at position n*down + delay of the
signal upsampled by `up`, so it reads branch (n*down + delay) % up of the filter against the
input samples just before (n*down + delay) // up. An output is emitted once its newest input
has arrived; the last ones, at the end, read zeros past the signal. Cost per output is
taps / up multiplications, whatever the ratio (16 kHz -> 44.1 kHz included).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy.signal import firwin

TAPS_PER_RATIO = 20  # filter length per max(up, down): resample_poly's default (half length 10)


@functools.cache
def _branches(up: int, down: int) -> tuple[np.ndarray, int]:
    """(up, k) polyphase branches of the low-pass filter, and its delay in upsampled samples."""
    taps = TAPS_PER_RATIO * max(up, down) + 1
    h = firwin(taps, 1.0 / max(up, down), window=("kaiser", 5.0)) * up
    k = math.ceil(taps / up)
    padded = np.zeros(up * k)
    padded[:taps] = h
    return padded.reshape(k, up).T.copy(), (taps - 1) // 2


class StreamResampler:
    def __init__(self, rate: int, target: int):
        if rate <= 0 or target <= 0:
            raise ValueError(f"sample rates must be positive, got {rate} -> {target}")
        g = math.gcd(rate, target)
        self.up, self.down = target // g, rate // g
        self.identity = rate == target
        if not self.identity:
            self.branches, self.delay = _branches(self.up, self.down)
        self.history = np.zeros(0)  # the input samples from index `base` on
        self.base = self.inputs = self.outputs = 0

    def push(self, chunk: np.ndarray) -> np.ndarray:
        """Resampled float32 samples that are final now (may be empty)."""
        if self.identity:
            return np.asarray(chunk, dtype=np.float32)
        self.history = np.concatenate([self.history, np.asarray(chunk, dtype=np.float64)])
        self.inputs += len(chunk)
        # outputs whose newest input (n*down + delay) // up has arrived
        ready = (self.inputs * self.up - self.delay - 1) // self.down + 1
        return self._emit(max(ready, self.outputs))

    def finish(self) -> np.ndarray:
        """The stream's tail: the outputs that read past its end (zeros there)."""
        if self.identity:
            return np.zeros(0, dtype=np.float32)
        return self._emit(math.ceil(self.inputs * self.up / self.down))

    def _emit(self, until: int) -> np.ndarray:
        n = np.arange(self.outputs, until)
        position = n * self.down + self.delay
        newest, branch = position // self.up, position % self.up
        taps = self.branches.shape[1]
        index = newest[:, None] - np.arange(taps)[None, :] - self.base  # into history
        padded = np.concatenate([self.history, np.zeros(1)])  # index len(history): zero past the end
        valid = (index >= 0) & (index < len(self.history))
        values = padded[np.where(valid, index, len(self.history))]
        out = np.einsum("ij,ij->i", self.branches[branch], values) if len(n) else np.zeros(0)
        self.outputs = until
        self._trim(taps)
        return out.astype(np.float32)

    def _trim(self, taps: int) -> None:
        """Keep only the inputs a later output can still read."""
        oldest = (self.outputs * self.down + self.delay) // self.up - taps + 1
        drop = min(max(0, oldest - self.base), len(self.history))
        self.history = self.history[drop:]
        self.base += drop
