"""`sambert-compress bench`: several runs of a voice side by side, with an optional gate."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Annotated, Optional

import typer

from compress.commands.common import note
from compress.errors import InputError

PHASES = {"load": "loading", "quality": "quality", "macs": "MACs", "speed": "latency", "throughput": "throughput",
          "memory": "memory", "styles": "emotions", "stability": "long texts", "report": "report"}


def bench(
    runs: Annotated[Optional[list[str]], typer.Argument(
        help="Recipe overrides such as bench.sentences=5 or bench=quick (and, the old spelling, RUN paths).",
        show_default=False)] = None,
    voice: Annotated[Optional[list[str]], typer.Option(
        "--voice", help="A run: voice dir, voices/ root or stage dir; repeat it (the first is the reference).",
        show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", help="Output folder, must not exist (default: out/bench-<date>-<time>).")] = None,
    reference: Annotated[Optional[str], typer.Option(
        "--reference", help="The reference run: a RUN's name or path, or another path.")] = None,
    sentences: Annotated[Optional[int], typer.Option(
        "--sentences", help="Benchmark only the first N sentences (balanced across domains).")] = None,
    check: Annotated[Optional[Path], typer.Option(
        "--check", help="THRESHOLDS.yaml: exit 1 naming every metric that crosses its threshold.")] = None,
) -> None:
    """Benchmark runs side by side: speed, memory, size and speech quality."""
    from compress.commands.progress import progress_bars
    from compress.recipe import split_overrides
    from eval import gate
    from eval.bench import run_bench
    from eval.config import load_config
    from compress.files import check_new_directory
    from eval.report import main_table, write_report

    overrides, paths = split_overrides(list(runs or []))
    paths = list(voice or []) + paths
    if not paths:
        raise InputError("give the runs to compare: --voice RUN [--voice RUN ...]")
    if sentences is not None:
        if sentences < 1:
            raise InputError(f"--sentences must be at least 1, got {sentences}")
        overrides = [o for o in overrides if not o.startswith("bench.sentences=")] + [f"bench.sentences={sentences}"]
    config = load_config(overrides)
    rules = gate.load_thresholds(check) if check is not None else None
    out = check_new_directory(out if out is not None else _default_out())
    crossings = []
    with progress_bars(PHASES) as progress:
        result = run_bench(paths, config, reference, overrides, progress)
        if rules is not None:
            crossings = gate.check(result.document, rules)
            result.document["gate"] = {"thresholds": str(check), "passed": not crossings,
                                       "crossings": [c.to_dict() for c in crossings]}
        progress("report", 0, 1)
        write_report(result, out, config.samples)
        progress("report", 1, 1)
    print("\n".join(main_table(result.document)))
    note(f"wrote {out}/bench.md, bench.json, plots and samples")
    if crossings:
        for crossing in crossings:
            note(f"gate: {crossing.message()}")
        note(f"gate: {len(crossings)} threshold(s) crossed ({check})")
        raise typer.Exit(1)
    if rules is not None:
        note(f"gate: passed ({check})")


def _default_out() -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    Path("out").mkdir(exist_ok=True)
    return Path("out") / f"bench-{stamp}"


def register(app: typer.Typer) -> None:
    app.command()(bench)
