"""The `sensitivity` recipe group, checked on construction."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from compress.emotions import CALIBRATION_ROTATION
from sensitivity.measure import AM_DISTANCES

PROBES = ("heads", "lstm_gates", "vocoder_weights")


@dataclass
class SensitivityConfig:
    # Calibration sentences for Taylor importance and LSTM gates; the first
    # `measure_sentences` of them also serve the curves, head masking and the vocoder's
    # Taylor pass (the costly measurements).
    sentences: int = 8
    measure_sentences: int = 3
    # Sentence i is spoken by speakers[i % len] with emotions[i % len]. Empty speakers: every
    # speaker of the voice; empty emotions: the symbols' own (neutral for text).
    speakers: list[str] = field(default_factory=list)
    emotions: list[str] = field(default_factory=lambda: list(CALIBRATION_ROTATION))
    # Regular expressions (full match) of the group names to analyse; empty: every group.
    groups: list[str] = field(default_factory=list)
    passes: int = 4  # noise draws per sentence for Taylor importance
    seed: int = 0
    fractions: list[float] = field(default_factory=lambda: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    curves: bool = True
    am_distance: str = "mel"  # mel: mel change in dB through the vocoder's gain; wave: vocode every point
    probes: list[str] = field(default_factory=lambda: list(PROBES))
    head_threshold_db: float = 0.3
    weight_threshold: float = 0.015
    plots: bool = True

    def __post_init__(self):
        if self.sentences < 1:
            raise ValueError(f"sentences must be >= 1, got {self.sentences}")
        if not 1 <= self.measure_sentences <= self.sentences:
            raise ValueError(f"measure_sentences must be in [1, sentences={self.sentences}], "
                             f"got {self.measure_sentences}")
        if self.passes < 1:
            raise ValueError(f"passes must be >= 1, got {self.passes}")
        if not self.fractions or any(not 0 < f <= 1 for f in self.fractions):
            raise ValueError(f"fractions must be a non-empty list of numbers in (0, 1], got {self.fractions}")
        if self.am_distance not in AM_DISTANCES:
            raise ValueError(f"am_distance must be one of {', '.join(AM_DISTANCES)}, got {self.am_distance!r}")
        unknown = [p for p in self.probes if p not in PROBES]
        if unknown:
            raise ValueError(f"unknown probe {unknown[0]!r}; valid: {', '.join(PROBES)}")
        for pattern in self.groups:
            try:
                re.compile(pattern)
            except re.error as err:
                raise ValueError(f"groups: {pattern!r} is not a regular expression ({err})") from None
        if self.head_threshold_db <= 0 or self.weight_threshold <= 0:
            raise ValueError("head_threshold_db and weight_threshold must be positive")

    def select(self, names: list[str]) -> list[str]:
        """The names the `groups` patterns pick (all when there are none)."""
        if not self.groups:
            return list(names)
        return [n for n in names if any(re.fullmatch(p, n) for p in self.groups)]

    def to_dict(self) -> dict:
        return {"type": "SensitivityConfig", "version": 1, **asdict(self)}
