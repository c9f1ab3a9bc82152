"""The `bench` recipe group (recipes/bench/*.yaml) as typed, validated config."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from eval.features import F0_METHODS
from eval.workers import MODES

MAX_BURST = 500


def _at_least(name: str, value, low: int) -> None:
    if value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")


@dataclass
class SpeedConfig:
    repeats: int = 3  # timed rounds over the sentences
    warmup: int = 1  # untimed rounds before them
    first_audio: bool = True  # time the first streamed chunk where compress.streaming exists
    threads: int | None = None  # torch intra-op threads while timing; null = torch's default (all cores)
    # "reference": every run on the reference's durations; "own": predicted; N: N frames per token
    durations: int | str = "reference"

    def __post_init__(self):
        if self.durations not in ("reference", "own") and not (
                isinstance(self.durations, int) and not isinstance(self.durations, bool) and self.durations >= 1):
            raise ValueError(f"durations must be 'reference', 'own' or frames per token (>= 1), "
                             f"got {self.durations!r}")
        _at_least("repeats", self.repeats, 1)
        _at_least("warmup", self.warmup, 0)
        if self.threads is not None:
            _at_least("threads", self.threads, 1)


@dataclass
class ThroughputConfig:
    concurrency: int = 2  # concurrent requests; 0 skips throughput
    mode: str = "process"  # "process" (one voice per worker process) or "thread"
    requests: int = 0  # requests per burst; 0 = enough for about burst_s seconds (see burst())
    burst_s: float = 2.0  # target length of a burst when requests = 0
    rounds: int = 2  # interleaved bursts per run

    def __post_init__(self):
        _at_least("concurrency", self.concurrency, 0)
        _at_least("requests", self.requests, 0)
        _at_least("rounds", self.rounds, 1)
        if self.burst_s <= 0:
            raise ValueError(f"burst_s must be positive, got {self.burst_s}")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")

    def burst(self, sentences: int, latency_s: float | None) -> int:
        """Requests per burst: as set, or enough that a burst lasts about burst_s seconds
        (from the reference's median latency), at least every sentence and 2 per worker."""
        if self.requests:
            return self.requests
        floor = max(sentences, 2 * self.concurrency)
        if not latency_s:
            return floor
        return min(max(floor, math.ceil(self.burst_s * self.concurrency / latency_s)), MAX_BURST)


@dataclass
class QualityConfig:
    f0_method: str = "dio"  # WORLD F0: "dio" (+StoneMask) or "harvest"
    pesq: bool = True
    stoi: bool = True
    dnsmos: bool = True

    def __post_init__(self):
        if self.f0_method not in F0_METHODS:
            raise ValueError(f"f0_method must be one of {', '.join(F0_METHODS)}, got {self.f0_method!r}")


@dataclass
class StylesConfig:
    emotions: list[str] = field(default_factory=list)  # per-emotion F0 and rate; [] skips
    sentences: int = 3

    def __post_init__(self):
        _at_least("sentences", self.sentences, 1)


@dataclass
class BenchConfig:
    enabled: bool = True
    input: str = "corpus"  # "corpus", a .symbols file (ttsfrd lines) or a text file
    sentences: int | None = 10  # subset size (balanced across domains); null = all
    long_texts: int = 0  # long corpus texts synthesized for the stability check
    speaker: str | None = None  # null = the reference voice's first speaker
    emotion: str | None = None  # null = the input's own (text: neutral)
    samples: int = 3  # WAV samples written per run
    memory: bool = True  # peak RSS of a fresh process per run
    macs_sentences: int = 1  # sentences whose MACs are counted (0 skips)
    speed: SpeedConfig = field(default_factory=SpeedConfig)
    throughput: ThroughputConfig = field(default_factory=ThroughputConfig)
    quality: QualityConfig = field(default_factory=QualityConfig)
    styles: StylesConfig = field(default_factory=StylesConfig)

    def __post_init__(self):
        if self.sentences is not None:
            _at_least("sentences", self.sentences, 1)
        _at_least("long_texts", self.long_texts, 0)
        _at_least("samples", self.samples, 0)
        _at_least("macs_sentences", self.macs_sentences, 0)

    def to_dict(self) -> dict:
        return asdict(self)


def load_config(overrides: list[str]) -> BenchConfig:
    """Compose recipes/config.yaml with `bench.key=value` overrides into a BenchConfig."""
    from compress.recipe import build, compose

    for override in overrides:
        _check_key(override)
    return build(BenchConfig, compose(overrides).get("bench"), "bench")


def _check_key(override: str) -> None:
    """Name the valid keys for `bench.<unknown>=...` (Hydra only says it cannot override)."""
    import dataclasses

    from compress.recipe import RecipeError

    key = override.split("=", 1)[0]
    if not key.startswith("bench.") or "=" not in override:
        return
    cls, where = BenchConfig, "bench"
    for part in key.split(".")[1:]:
        fields = {f.name: f for f in dataclasses.fields(cls)}
        if part not in fields:
            raise RecipeError(f"unknown recipe key {where}.{part}; valid keys: {', '.join(sorted(fields))}")
        where = f"{where}.{part}"
        default = fields[part].default_factory() if fields[part].default_factory is not dataclasses.MISSING else None
        if not dataclasses.is_dataclass(default):
            return
        cls = type(default)
