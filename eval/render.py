"""One sentence synthesized by one run, free-running or with given phone durations.

The bench renders every sentence twice per run: free-running (what a user hears: DNSMOS,
prosody, duration drift) and with the reference run's durations (time-aligned to the
reference, for MCD, F0, PESQ and STOI). The reference itself is rendered aligned too, through
the same fixed-duration path, so that a run compared with an identical copy gives exactly 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compress import synthesis


RENDER_SEED = 0


@dataclass
class Rendered:
    wav: np.ndarray  # float32, sub-sentences joined by synthesis.SENTENCE_GAP_S of silence
    sample_rate: int
    mel: np.ndarray  # (frames, channels): the vocoder's inputs, sub-sentences concatenated
    durations: list[np.ndarray]  # per sub-sentence: frames per token (int64)

    @property
    def seconds(self) -> float:
        return len(self.wav) / self.sample_rate


def render(voice, encoded: list, durations: list[np.ndarray] | None = None) -> Rendered:
    """Synthesize the sub-sentences of one item; `durations` (one array per line) fixes them.
    An NSF voice draws with RENDER_SEED for every line, so runs differ only by their models."""
    gap = np.zeros(int(round(synthesis.SENTENCE_GAP_S * voice.sample_rate)), dtype=np.float32)
    waves, mels, used = [], [], []
    for index, symbols in enumerate(encoded):
        fixed = None if durations is None else durations[index]
        out = synthesis.acoustic(voice, symbols, durations=fixed)
        if index:
            waves.append(gap)
        waves.append(synthesis.vocode(voice, out.vocoder_input, RENDER_SEED))
        mels.append(out.vocoder_input.numpy())
        used.append(out.durations.numpy().astype(np.int64))
    return Rendered(np.concatenate(waves), voice.sample_rate, np.concatenate(mels), used)


def duration_drift(run: list[np.ndarray], reference: list[np.ndarray]) -> dict:
    """How far a run's predicted durations moved from the reference's (same tokens)."""
    a, b = np.concatenate(run).astype(np.float64), np.concatenate(reference).astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"token counts differ: {a.shape[0]} vs {b.shape[0]}")
    return {
        "tokens": int(a.size),
        "abs_error_frames": float(np.abs(a - b).sum()),
        "frames": float(a.sum()),
        "reference_frames": float(b.sum()),
        "exact": int((a == b).sum()),
    }
