"""The bench as a pipeline analysis: every voice of the chain side by side, the input first.

A qat stage followed by its INT8 export is benched through the export alone: the engine
computes what QAT trained (within the export's stated tolerance), and torch's fake
quantization is a training form, slower than float, that nobody deploys.
"""

from __future__ import annotations

from pathlib import Path

from compress.registry import AnalysisEntry
from eval.config import BenchConfig


def _stages(voice: Path) -> list[str]:
    from compress.files import read_json

    arch = Path(voice) / "arch.json"
    return [m.get("stage") for m in read_json(arch).get("modes", [])] if arch.is_file() else []


def benched(voices: list[Path]) -> list[Path]:
    """The chain less every qat stage whose next voice is its export."""
    kept = []
    for voice, after in zip(voices, [*voices[1:], None]):
        stages = _stages(voice)
        if after is not None and stages and stages[-1] == "qat" and _stages(after)[-2:] == ["qat", "export"]:
            continue
        kept.append(voice)
    return kept


def run(voices: list[Path], out: Path, recipe: dict, overrides: list[str], progress=None) -> str:
    from compress.recipe import build
    from eval.bench import run_bench
    from eval.report import write_report

    config = build(BenchConfig, recipe.get("bench"), "bench")
    result = run_bench(benched(list(voices)), config, None, [o for o in overrides if o.startswith("bench")], progress)
    write_report(result, out, config.samples)
    return f"bench of {len(benched(list(voices)))} runs"


ANALYSIS = AnalysisEntry(name="bench", config_class=BenchConfig, group="bench", run=run, reads="all")
