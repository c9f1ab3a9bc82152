"""The `prune` recipe group, checked on construction."""

from __future__ import annotations

from dataclasses import dataclass, field

from compress.prune.recovery import RecoveryConfig
from sensitivity.measure import AM_DISTANCES


@dataclass
class PruneConfig:
    target_params: float = 0.62  # fraction of the voice's parameters kept
    head_dim_keep: float = 0.6  # share of every head's dimension kept (all heads stay)
    # how much compute counts beside size when ranking steps: 0 = parameters only (cost.py)
    macs_weight: float = 1.0
    # one read of a weight from memory counted as this many MACs per element (cost.py); 0 = arithmetic only
    load_macs: float = 0.0
    rate_frames_per_token: int | None = None  # fixed durations when measuring compute; null = the voice's
    # kept channels / hidden units in multiples of this (SIMD-friendly widths); 1 = any count
    channel_multiple: int = 1
    protect: list[str] = field(default_factory=list)  # group names or regexes never pruned
    # least fraction pruned per group kind (ffn, lstm, fsmn_memory, prenet, conv), whatever the target
    min_fraction: dict[str, float] = field(default_factory=lambda: {"lstm": 0.25})
    calibration_sentences: int = 8  # Taylor importance
    measure_sentences: int = 3  # sensitivity curves and the quality figures
    passes: int = 2  # noise draws per sentence for Taylor importance
    fractions: list[float] = field(default_factory=lambda: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    am_distance: str = "mel"  # how curves measure acoustic-model groups (see sensitivity.measure)
    seed: int = 0
    recovery: RecoveryConfig = field(default_factory=RecoveryConfig)

    def __post_init__(self):
        if not 0 < self.target_params <= 1:
            raise ValueError(f"target_params must be in (0, 1], got {self.target_params}")
        if not 0 < self.head_dim_keep <= 1:
            raise ValueError(f"head_dim_keep must be in (0, 1], got {self.head_dim_keep}")
        if self.macs_weight < 0:
            raise ValueError(f"macs_weight must be >= 0, got {self.macs_weight}")
        if self.load_macs < 0:
            raise ValueError(f"load_macs must be >= 0, got {self.load_macs}")
        if self.rate_frames_per_token is not None and self.rate_frames_per_token < 1:
            raise ValueError(f"rate_frames_per_token must be >= 1, got {self.rate_frames_per_token}")
        if self.channel_multiple < 1:
            raise ValueError(f"channel_multiple must be >= 1, got {self.channel_multiple}")
        if self.calibration_sentences < 1 or not 1 <= self.measure_sentences <= self.calibration_sentences:
            raise ValueError("calibration_sentences >= 1 and 1 <= measure_sentences <= calibration_sentences")
        if self.passes < 1:
            raise ValueError(f"passes must be >= 1, got {self.passes}")
        if not self.fractions or sorted(self.fractions) != list(self.fractions) or any(
                not 0 < f < 1 for f in self.fractions):
            raise ValueError(f"fractions must be ascending numbers in (0, 1), got {self.fractions}")
        kinds = ("ffn", "lstm", "fsmn_memory", "prenet", "conv")
        for kind, fraction in self.min_fraction.items():
            if kind not in kinds:
                raise ValueError(f"min_fraction: unknown group kind {kind!r}; valid: {', '.join(kinds)}")
            if not isinstance(fraction, (int, float)) or not 0 <= fraction < 1:
                raise ValueError(f"min_fraction.{kind} must be in [0, 1), got {fraction!r}")
        if self.am_distance not in AM_DISTANCES:
            raise ValueError(f"am_distance must be one of {', '.join(AM_DISTANCES)}, got {self.am_distance!r}")
