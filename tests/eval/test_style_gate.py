"""Style checks (eval-voice --check): per-style limits, emotion and speaker contrasts."""

from __future__ import annotations

import pytest

from eval.gate import ThresholdsError
from eval.style_gate import check_styles, load_style_checks

DEFAULT = load_style_checks(__import__("eval").__path__[0] + "/thresholds/styles.yaml")


def row(speaker, emotion, f0, rate, mos=3.5):
    return {"speaker": speaker, "emotion": emotion, "f0_median_hz": f0, "syllables_per_s": rate,
            "dnsmos_p808": mos}


def test_a_voice_that_meets_the_targets_passes():
    rows = [row("zhiyan", "neutral", 220, 4.5), row("zhiyan", "happy", 260, 4.8), row("zhiyan", "sad", 200, 3.8),
            row("zhibei", "neutral", 120, 4.4), row("zhibei", "happy", 150, 4.7), row("zhibei", "sad", 110, 3.6)]
    assert check_styles(rows, DEFAULT) == []


def test_every_failure_is_named():
    rows = [row("a", "neutral", 200, 4.0, mos=2.5), row("a", "happy", 210, 4.0), row("a", "sad", 200, 3.9),
            row("b", "neutral", 180, 4.0), row("b", "happy", 250, 4.0)]
    failures = check_styles(rows, DEFAULT)
    assert "a/neutral: dnsmos_p808 = 2.5 crosses min 3" in failures
    assert "a: f0_median_hz happy/sad = 1.050 is below 1.15" in failures
    assert "a: syllables_per_s neutral/sad = 1.026 is below 1.15" in failures
    assert "b: f0_median_hz happy/sad was not measured" in failures
    assert "neutral: f0_median_hz a/b = 1.111 is below 1.3" in failures


@pytest.mark.parametrize("text, message", [
    ("version: 1\nmood: {}\n", "unknown section 'mood'"),
    ("version: 1\neach_style: {pitch: {min: 1}}\n", "unknown style metric 'pitch'"),
    ("version: 1\neach_style: {dnsmos_p808: {least: 1}}\n", "takes min and/or max"),
    ("version: 1\nemotion_ratios: [{metric: f0_median_hz, a: happy, min: 1.1}]\n", "needs exactly metric, a, b, min"),
    ("version: 1\nspeaker_ratios: [{metric: f0_median_hz, emotion: x, min: big}]\n", "must be a number"),
    ("version: 1\nemotion_ratios: {metric: f0_median_hz}\n", "ratio sections are lists"),
    ("checks: {}\n", "expected `version: 1`"),
])
def test_bad_files(tmp_path, text, message):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ThresholdsError, match=message):
        load_style_checks(path)
