"""The bench as a pipeline analysis: every voice of the chain side by side, the input first."""

from __future__ import annotations

from pathlib import Path

from compress.registry import AnalysisEntry
from eval.config import BenchConfig


def run(voices: list[Path], out: Path, recipe: dict, overrides: list[str], progress=None) -> str:
    from compress.recipe import build
    from eval.bench import run_bench
    from eval.report import write_report

    config = build(BenchConfig, recipe.get("bench"), "bench")
    result = run_bench(list(voices), config, None, [o for o in overrides if o.startswith("bench")], progress)
    write_report(result, out, config.samples)
    return f"bench of {len(voices)} runs"


ANALYSIS = AnalysisEntry(name="bench", config_class=BenchConfig, group="bench", run=run, reads="all")
