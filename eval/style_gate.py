"""Checks on a voice's styles (eval.styles rows): quality per style, emotions and speakers apart.

A style thresholds file (YAML):

    version: 1
    each_style:                 # every speaker x emotion row
      dnsmos_p808: {min: 3.0}
    emotion_ratios:             # for every speaker: metric(a) / metric(b) >= min
      - {metric: f0_median_hz, a: happy, b: sad, min: 1.15}
      - {metric: syllables_per_s, a: neutral, b: sad, min: 1.15}
    speaker_ratios:             # every pair of speakers, same emotion: higher / lower >= min
      - {metric: f0_median_hz, emotion: neutral, min: 1.30}

Metrics: STYLE_METRICS. A figure that was not measured (an emotion or speaker not in the
rows, or null) fails its check. Every failing check is reported.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

from eval.gate import ThresholdsError

STYLE_METRICS = ("dnsmos_p808", "dnsmos_ovrl", "dnsmos_sig", "dnsmos_bak", "f0_median_hz", "syllables_per_s")
SECTIONS = ("each_style", "emotion_ratios", "speaker_ratios")


def load_style_checks(path: str | Path) -> dict:
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ThresholdsError(f"style thresholds file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        raise ThresholdsError(f"{path} is not valid YAML") from None
    if not isinstance(data, dict) or data.get("version") != 1:
        raise ThresholdsError(f"{path}: expected `version: 1` and sections {', '.join(SECTIONS)}")
    extra = sorted(set(data) - {"version", *SECTIONS})
    if extra:
        raise ThresholdsError(f"{path}: unknown section {extra[0]!r}; valid: {', '.join(SECTIONS)}")
    checks = {"each_style": _each(path, data.get("each_style") or {}),
              "emotion_ratios": _ratios(path, data.get("emotion_ratios") or [], ("metric", "a", "b", "min")),
              "speaker_ratios": _ratios(path, data.get("speaker_ratios") or [], ("metric", "emotion", "min"))}
    return checks


def _metric(path, name) -> str:
    if name not in STYLE_METRICS:
        raise ThresholdsError(f"{path}: unknown style metric {name!r}; valid: {', '.join(STYLE_METRICS)}")
    return name


def _number(path, where, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ThresholdsError(f"{path}: {where} must be a number, got {value!r}")
    return float(value)


def _each(path, section) -> list[tuple[str, str, float]]:
    if not isinstance(section, dict):
        raise ThresholdsError(f"{path}: each_style must map metric -> {{min: x}} / {{max: x}}")
    rules = []
    for metric, spec in section.items():
        _metric(path, metric)
        if not isinstance(spec, dict) or not spec or set(spec) - {"min", "max"}:
            raise ThresholdsError(f"{path}: each_style.{metric} takes min and/or max")
        rules += [(metric, kind, _number(path, f"each_style.{metric}.{kind}", v)) for kind, v in spec.items()]
    return rules


def _ratios(path, section, keys) -> list[dict]:
    if not isinstance(section, list):
        raise ThresholdsError(f"{path}: ratio sections are lists of {{{', '.join(keys)}}}")
    for entry in section:
        if not isinstance(entry, dict) or set(entry) != set(keys):
            raise ThresholdsError(f"{path}: each ratio check needs exactly {', '.join(keys)}; got {entry!r}")
        _metric(path, entry["metric"])
        _number(path, f"{entry['metric']} min", entry["min"])
    return section


def check_styles(rows: list[dict], checks: dict) -> list[str]:
    """Messages for every failing check (empty when all pass)."""
    failures = []
    for row in rows:
        style = f"{row['speaker']}/{row['emotion']}"
        for metric, kind, limit in checks["each_style"]:
            value = row.get(metric)
            if value is None:
                failures.append(f"{style}: {metric} was not measured")
            elif (value < limit) if kind == "min" else (value > limit):
                failures.append(f"{style}: {metric} = {value:.3g} crosses {kind} {limit:g}")
    table = {(r["speaker"], r["emotion"]): r for r in rows}
    speakers = sorted({r["speaker"] for r in rows})
    for entry in checks["emotion_ratios"]:
        for speaker in speakers:
            failures += _ratio_failure(f"{speaker}: {entry['metric']} {entry['a']}/{entry['b']}",
                                       table.get((speaker, entry["a"])), table.get((speaker, entry["b"])),
                                       entry["metric"], entry["min"])
    for entry in checks["speaker_ratios"]:
        for s1, s2 in combinations(speakers, 2):
            a, b = table.get((s1, entry["emotion"])), table.get((s2, entry["emotion"]))
            if a and b and a.get(entry["metric"]) is not None and b.get(entry["metric"]) is not None \
                    and a[entry["metric"]] < b[entry["metric"]]:
                a, b, s1, s2 = b, a, s2, s1
            failures += _ratio_failure(f"{entry['emotion']}: {entry['metric']} {s1}/{s2}", a, b,
                                       entry["metric"], entry["min"])
    return failures


def _ratio_failure(label, a, b, metric, minimum) -> list[str]:
    va, vb = (a or {}).get(metric), (b or {}).get(metric)
    if va is None or vb is None or vb == 0:
        return [f"{label} was not measured"]
    if va / vb < minimum:
        return [f"{label} = {va / vb:.3f} is below {minimum:g}"]
    return []
