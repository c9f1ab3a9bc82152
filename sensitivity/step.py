"""Sensitivity as a pipeline analysis: the report of the input voice, from the recipe alone."""

from __future__ import annotations

from pathlib import Path

from compress.registry import AnalysisEntry
from sensitivity.config import SensitivityConfig


def analyse_into(out: Path, voice, lines: list[str], symbols: bool, config: SensitivityConfig,
                 recipe: dict, overrides: list[str], progress=None) -> dict:
    """Calibrate, analyse and write report.json / importance.json / report.md / plots into
    `out` (atomically); returns the report."""
    from sensitivity import calibration as cal
    from sensitivity.analysis import analyze
    from sensitivity.report import build_report, write_report

    build_set = cal.from_symbols if symbols else cal.from_text
    calibration = build_set(voice, lines, config.sentences, config.speakers, config.emotions)
    analysis = analyze(voice, calibration, config, progress)
    report = build_report(analysis, voice, recipe, overrides)
    write_report(out, analysis, report, plots=config.plots)
    return report


def run(voices: list[Path], out: Path, recipe: dict, overrides: list[str], progress=None) -> str:
    from compress.loading import load_voice
    from compress.recipe import build
    from sensitivity.calibration import DEFAULT_TEXT, read_lines

    config = build(SensitivityConfig, recipe.get("sensitivity"), "sensitivity")
    report = analyse_into(out, load_voice(voices[0]), read_lines(DEFAULT_TEXT), False, config, recipe,
                          overrides, progress)
    return f"sensitivity of {voices[0]} in {report['seconds']['total']:.0f} s"


ANALYSIS = AnalysisEntry(name="sensitivity", config_class=SensitivityConfig, group="sensitivity", run=run)
