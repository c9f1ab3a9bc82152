"""The regression gate: thresholds on bench.json metrics, relative to the reference run.

A thresholds file (YAML):

    version: 1
    checks:
      quality.mcd_db: {max: 1.5}              # the run's own value
      quality.pesq_wb: {min: 3.5}
      quality.dnsmos_p808: {max_drop: 0.1}    # reference - run <= 0.1
      speed.latency_ratio: {max: 1.25}
      memory.peak_rss_bytes: {max_ratio: 1.1} # run / reference <= 1.1
      speed.first_audio_ratio: {max: 1.25, required: false}

Keys are dotted paths into a run object of bench.json (METRICS lists them). Rules: `min`,
`max` (the value), `max_drop`, `max_rise` (difference to the reference run's value),
`min_ratio`, `max_ratio` (ratio to it). Several rules may share a key. A metric that was not
measured (null) crosses its rule unless `required: false`. Every run except the reference is
checked, and every crossing is reported, not only the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compress.errors import CompressError

RULES = ("min", "max", "max_drop", "max_rise", "min_ratio", "max_ratio")

METRICS = (
    "size.params", "size.disk_bytes", "size.weight_bytes", "size.params_ratio", "size.disk_ratio",
    "speed.full_latency_s.median", "speed.full_latency_s.p90", "speed.latency_ratio", "speed.rtf",
    "speed.rtf_ratio", "speed.first_audio_s.median", "speed.first_audio_s.p90", "speed.first_audio_ratio",
    "speed.throughput_sps", "speed.throughput_ratio",
    "memory.peak_rss_bytes", "memory.peak_rss_ratio", "memory.peak_gpu_bytes", "memory.macs_per_audio_s",
    "memory.macs_ratio",
    "quality.mcd_db", "quality.f0_rmse_cents", "quality.vuv_error", "quality.pesq_wb", "quality.stoi",
    "quality.lsd_hf_db", "quality.dnsmos_p808", "quality.dnsmos_ovrl", "quality.dnsmos_sig", "quality.dnsmos_bak",
    "quality.dnsmos_p808_delta",
    "durations.mean_abs_error_frames", "durations.exact_fraction", "durations.total_ratio",
    "prosody.f0_median_hz", "prosody.syllables_per_s",
    "stability.seconds_per_char", "stability.max_abs", "stability.clipped_fraction",
)


class ThresholdsError(CompressError):
    """A thresholds file is missing or malformed."""


@dataclass(frozen=True)
class Rule:
    metric: str
    kind: str
    limit: float
    required: bool = True

    def describe(self) -> str:
        return f"{self.kind} {self.limit:g}"


@dataclass(frozen=True)
class Crossing:
    run: str
    rule: Rule
    value: float | None
    reference: float | None

    def message(self) -> str:
        if self.value is None:
            return f"{self.run}: {self.rule.metric} was not measured ({self.rule.describe()} required)"
        shown = f"{self.rule.metric} = {self.value:.4g}"
        if self.rule.kind in ("max_drop", "max_rise", "min_ratio", "max_ratio") and self.reference is not None:
            shown += f" (reference {self.reference:.4g})"
        return f"{self.run}: {shown} crosses {self.rule.describe()}"

    def to_dict(self) -> dict:
        return {"run": self.run, "metric": self.rule.metric, "rule": self.rule.kind, "limit": self.rule.limit,
                "value": self.value, "reference": self.reference, "message": self.message()}


def load_thresholds(path: str | Path) -> list[Rule]:
    """Parse and validate a thresholds file; every problem is a one-line ThresholdsError."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ThresholdsError(f"thresholds file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        mark = getattr(err, "problem_mark", None)
        raise ThresholdsError(f"{path} is not valid YAML" + (f" (line {mark.line + 1})" if mark else "")) from None
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("checks"), dict):
        raise ThresholdsError(f"{path}: expected `version: 1` and a `checks:` mapping of metric -> rules")
    extra = sorted(set(data) - {"version", "checks"})
    if extra:
        raise ThresholdsError(f"{path}: unknown top-level key {extra[0]!r} (expected version, checks)")
    return [rule for metric, spec in data["checks"].items() for rule in _rules(path, metric, spec)]


def _rules(path: Path, metric, spec) -> list[Rule]:
    if metric not in METRICS:
        raise ThresholdsError(f"{path}: unknown metric {metric!r}; valid: {', '.join(METRICS)}")
    if not isinstance(spec, dict) or not spec:
        raise ThresholdsError(f"{path}: {metric} needs a mapping of rules, e.g. {{max: 1.5}}")
    required = spec.get("required", True)
    if not isinstance(required, bool):
        raise ThresholdsError(f"{path}: {metric}.required must be true or false")
    rules = []
    for kind, limit in spec.items():
        if kind == "required":
            continue
        if kind not in RULES:
            raise ThresholdsError(f"{path}: unknown rule {kind!r} for {metric}; valid: {', '.join(RULES)}, required")
        if isinstance(limit, bool) or not isinstance(limit, (int, float)):
            raise ThresholdsError(f"{path}: {metric}.{kind} must be a number, got {limit!r}")
        rules.append(Rule(metric, kind, float(limit), required))
    if not rules:
        raise ThresholdsError(f"{path}: {metric} has no rule; valid: {', '.join(RULES)}")
    return rules


def metric_value(run: dict, metric: str):
    value = run
    for part in metric.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def crosses(rule: Rule, value: float, reference: float | None) -> bool:
    if rule.kind == "min":
        return value < rule.limit
    if rule.kind == "max":
        return value > rule.limit
    if reference is None:
        return True
    if rule.kind == "max_drop":
        return reference - value > rule.limit
    if rule.kind == "max_rise":
        return value - reference > rule.limit
    if reference == 0:
        return True
    ratio = value / reference
    return ratio < rule.limit if rule.kind == "min_ratio" else ratio > rule.limit


def check(document: dict, rules: list[Rule]) -> list[Crossing]:
    """Every (run, rule) crossing of a bench.json document; the reference run is not checked."""
    runs = document["runs"]
    ref = next(r for r in runs if r["is_reference"])
    found = []
    for run in runs:
        if run is ref:
            continue
        for rule in rules:
            value, reference = metric_value(run, rule.metric), metric_value(ref, rule.metric)
            if value is None:
                if rule.required:
                    found.append(Crossing(run["name"], rule, None, reference))
            elif crosses(rule, float(value), None if reference is None else float(reference)):
                found.append(Crossing(run["name"], rule, float(value), reference))
    return found
