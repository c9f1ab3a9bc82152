"""Thresholds files: format errors are one clear line; rules read as documented."""

from __future__ import annotations

import pytest

from eval import gate
from eval.gate import Rule, ThresholdsError


def write(tmp_path, text: str):
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, message", [
    ("version: 1\nchecks: [\n", r"not valid YAML \(line"),
    ("checks: {}\n", "expected `version: 1`"),
    ("version: 2\nchecks: {quality.mcd_db: {max: 1}}\n", "expected `version: 1`"),
    ("version: 1\nchecks: {}\nextra: 1\n", "unknown top-level key 'extra'"),
    ("version: 1\nchecks: {quality.mcd: {max: 1}}\n", "unknown metric 'quality.mcd'; valid: size.params"),
    ("version: 1\nchecks: {quality.mcd_db: {maximum: 1}}\n", "unknown rule 'maximum' for quality.mcd_db"),
    ("version: 1\nchecks: {quality.mcd_db: {max: high}}\n", "quality.mcd_db.max must be a number"),
    ("version: 1\nchecks: {quality.mcd_db: 1.5}\n", "needs a mapping of rules"),
    ("version: 1\nchecks: {quality.mcd_db: {required: false}}\n", "has no rule"),
    ("version: 1\nchecks: {quality.mcd_db: {max: 1, required: maybe}}\n", "required must be true or false"),
])
def test_bad_files(tmp_path, text, message):
    with pytest.raises(ThresholdsError, match=message):
        gate.load_thresholds(write(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(ThresholdsError, match="thresholds file not found"):
        gate.load_thresholds(tmp_path / "none.yaml")


def test_default_thresholds_load():
    rules = gate.load_thresholds(gate.__file__.replace("gate.py", "thresholds/default.yaml"))
    assert Rule("quality.mcd_db", "max", 1.5) in rules
    assert {r.kind for r in rules if r.metric == "durations.total_ratio"} == {"min", "max"}


def document(values: dict, reference: dict) -> dict:
    def run(name, is_ref, quality):
        return {"name": name, "is_reference": is_ref, "quality": quality, "speed": {}}
    return {"runs": [run("ref", True, reference), run("a", False, values)]}


def test_every_crossing_is_reported(tmp_path):
    rules = gate.load_thresholds(write(tmp_path, """
version: 1
checks:
  quality.mcd_db: {max: 1.5}
  quality.pesq_wb: {min: 3.5, max_drop: 0.2}
  quality.stoi: {min_ratio: 0.95}
  quality.dnsmos_p808: {max_drop: 0.1}
  quality.f0_rmse_cents: {max: 40}
  quality.vuv_error: {max: 0.1, required: false}
"""))
    doc = document({"mcd_db": 2.0, "pesq_wb": 3.0, "stoi": 0.9, "dnsmos_p808": 3.05, "f0_rmse_cents": None,
                    "vuv_error": None},
                   {"mcd_db": 0.0, "pesq_wb": 4.6, "stoi": 1.0, "dnsmos_p808": 3.1})
    crossings = gate.check(doc, rules)
    got = {(c.rule.metric, c.rule.kind) for c in crossings}
    assert got == {("quality.mcd_db", "max"), ("quality.pesq_wb", "min"), ("quality.pesq_wb", "max_drop"),
                   ("quality.stoi", "min_ratio"), ("quality.f0_rmse_cents", "max")}
    messages = [c.message() for c in crossings]
    assert "a: quality.mcd_db = 2 crosses max 1.5" in messages
    assert "a: quality.f0_rmse_cents was not measured (max 40 required)" in messages
    assert "a: quality.stoi = 0.9 (reference 1) crosses min_ratio 0.95" in messages


@pytest.mark.parametrize("kind, limit, value, reference, crossed", [
    ("max_rise", 0.1, 1.2, 1.0, True), ("max_rise", 0.3, 1.2, 1.0, False),
    ("max_ratio", 1.1, 1.2, 1.0, True), ("min_ratio", 0.9, 0.95, 1.0, False),
    ("max_drop", 0.1, 0.85, 1.0, True), ("max_ratio", 1.1, 1.0, None, True),
])
def test_relative_rules(kind, limit, value, reference, crossed):
    assert gate.crosses(Rule("m", kind, limit), value, reference) is crossed
