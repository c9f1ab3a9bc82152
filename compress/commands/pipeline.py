"""`sambert-compress pipeline`: every step of one recipe into a run dir, resumable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from compress.commands.common import VoiceNameOption, VoiceOption, note


def pipeline(
    out: Annotated[Path, typer.Option("--out", help="The run dir: new, or an earlier run of it to resume.")],
    overrides: Annotated[Optional[list[str]], typer.Argument(
        help="pipeline=PRESET (light, pruned-only, int8-only, speed, quick) and recipe overrides.",
        show_default=False)] = None,
    voice: VoiceOption = None,
    voice_name: VoiceNameOption = None,
    from_stage: Annotated[Optional[str], typer.Option(
        "--from-stage", help="Rerun from this step (a step name of the recipe), reusing the ones before.")] = None,
) -> None:
    """Sensitivity, prune, qat, export and bench from one recipe; unchanged steps are reused."""
    from compress.commands.progress import progress_bars
    from compress.models.voice_dir import resolve_voice_dir
    from compress.pipeline import Pipeline, PipelineConfig, plan
    from compress.errors import InputError
    from compress.recipe import RecipeError, build, compose, overrides_only

    given = overrides_only(overrides, "pipeline=quick or prune.target_params=0.6")
    recipe = compose(given)
    config = build(PipelineConfig, recipe.get("pipeline"), "pipeline")
    if not config.steps:
        raise RecipeError("the recipe has no steps; choose a preset: pipeline=light (or quick, speed, "
                          "pruned-only, int8-only)")
    steps = plan(config, recipe)
    if Path(out).exists() and not Path(out).is_dir():
        raise InputError(f"--out {out} is a file; the run dir is a folder")
    run = Pipeline(resolve_voice_dir(voice, voice_name), Path(out), recipe, given, say=note)
    with progress_bars() as progress:
        run.progress = progress
        document = run.run(steps, from_stage)
    _summary(document, Path(out))


def _summary(document: dict, out: Path) -> None:
    from eval.report import main_table

    for step in document["steps"]:
        state = step["status"] if step["status"] != "skipped" else f"skipped ({step['reason']})"
        note(f"{step['dir']}: {state}")
    bench = out / "bench" / "bench.json"
    if any(s["name"] == "bench" and s["status"] == "done" for s in document["steps"]) and bench.is_file():
        print("\n".join(main_table(json.loads(bench.read_text(encoding="utf-8")))))
    note(f"wrote {out / 'run.json'}")


def register(app: typer.Typer) -> None:
    app.command()(pipeline)
