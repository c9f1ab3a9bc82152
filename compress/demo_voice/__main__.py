"""`python -m compress.demo_voice build|report|plot`: a thin CLI over the data pipeline.

The project CLI's `demo-voice build` is meant to call `build.build_dataset` the same way.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from compress.errors import CompressError

app = typer.Typer(help="Build and inspect the demo voice's training data.", add_completion=False,
                  no_args_is_help=True, pretty_exceptions_enable=False)


def _progress(stage: str, done: int, total: int) -> None:
    if done == total or done % 250 == 0:
        print(f"{stage} {done}/{total}", file=sys.stderr, flush=True)


@app.command()
def build(
    out: Path = typer.Argument(..., help="Dataset directory to create."),
    seed: int = typer.Option(1234, help="Seed for generated sentences and the render schedule."),
    generated: int = typer.Option(700, help="Sentences composed from jieba's word list."),
    max_jobs: Optional[int] = typer.Option(None, help="Render at most this many (sentence, style) jobs."),
    overwrite: bool = typer.Option(False, help="Replace an existing dataset."),
    install_espeak: bool = typer.Option(True, help="apt-get install espeak-ng when it is missing."),
) -> None:
    """Render the corpus with espeak-ng and write features (see docs/features.md)."""
    from compress.demo_voice.build import BuildConfig, build_dataset

    config = BuildConfig(seed=seed, generated=generated, max_jobs=max_jobs)
    report = build_dataset(out, config, progress=_progress, install_espeak=install_espeak, overwrite=overwrite)
    print("\n".join(report.summary_lines()))


@app.command()
def report(data: Path = typer.Argument(..., help="A built dataset directory.")) -> None:
    """Re-measure a dataset from its metadata."""
    from compress.demo_voice.dataset import load_index
    from compress.demo_voice.report import DataReport

    rows = load_index(data)
    print("\n".join(DataReport.measure(rows, {}, len(rows), {}, 1.0).summary_lines()))


@app.command()
def plot(
    data: Path = typer.Argument(..., help="A built dataset directory."),
    utt_id: str = typer.Argument(..., help="Utterance id (see metadata.jsonl)."),
    out: Path = typer.Argument(..., help="PNG to write."),
) -> None:
    """Draw one utterance: mel, token boundaries, F0 and energy."""
    from compress.demo_voice import dataset
    from compress.demo_voice.figures import plot_utterance

    config = dataset.load_config(data)
    utt = dataset.load_utterance(data, utt_id)
    print(plot_utterance(utt, dataset.load_stats(data), out, config.frame_seconds))


def main() -> None:
    try:
        app()
    except CompressError as err:
        if os.environ.get("SAMBERT_COMPRESS_DEBUG"):
            raise
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
