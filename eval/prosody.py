"""Prosody of a run's free-running output: median F0 and speaking rate.

- Median F0 (Hz): the median over every voiced 5 ms frame of the sentences (WORLD F0 at 16 kHz,
  eval.features), pooled across sentences.
- Speaking rate (syllables per second): syllables / seconds of phones. A syllable is a phone
  token whose syllable flag is s_end or s_both; phone time is the model's own durations of the
  phone tokens (breaks #1-#4, `pau` and the special symbols excluded), so pauses do not count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from eval.features import f0_track

SYLLABLE_ENDS = ("s_end", "s_both")
NOT_PHONES = ("#1", "#2", "#3", "#4", "pau", "_", "~", "@[MASK]")


def syllables_and_phone_frames(tables, encoded: list, durations: list[np.ndarray]) -> tuple[int, int]:
    syllables = frames = 0
    for symbols, dur in zip(encoded, durations):
        sy = [_phone_name(tables.sy[i]) for i in symbols.ling[:, 0]]
        flags = [tables.syllable_flag[i] for i in symbols.ling[:, 2]]
        phone = np.array([s not in NOT_PHONES for s in sy])
        syllables += sum(1 for p, f in zip(phone, flags) if p and f in SYLLABLE_ENDS)
        frames += int(np.asarray(dur)[phone].sum())
    return syllables, frames


def _phone_name(entry: str) -> str:
    """Table entries are "@phone", "@#1", or the specials "_", "~", "@[MASK]"."""
    return entry[1:] if entry.startswith("@") and entry != "@[MASK]" else entry


@dataclass
class ProsodyAccumulator:
    """Pools F0 frames, syllables and phone time over sentences of one style."""

    f0_method: str = "dio"
    voiced_f0: list[np.ndarray] = field(default_factory=list)
    syllables: int = 0
    phone_seconds: float = 0.0
    sentences: int = 0

    def add(self, wav16: np.ndarray, tables, encoded, durations, hop_s: float) -> None:
        f0, _ = f0_track(wav16, self.f0_method)
        self.voiced_f0.append(f0[f0 > 0])
        syllables, frames = syllables_and_phone_frames(tables, encoded, durations)
        self.syllables += syllables
        self.phone_seconds += frames * hop_s
        self.sentences += 1

    def result(self) -> dict:
        voiced = np.concatenate(self.voiced_f0) if self.voiced_f0 else np.zeros(0)
        return {
            "f0_median_hz": float(np.median(voiced)) if voiced.size else None,
            "voiced_frames": int(voiced.size),
            "syllables_per_s": self.syllables / self.phone_seconds if self.phone_seconds else None,
            "syllables": self.syllables,
            "phone_seconds": self.phone_seconds,
            "sentences": self.sentences,
        }
