"""`sambert-compress pipeline`: every step of one recipe into a run dir, resumable."""

from __future__ import annotations

import json
import os
import sys
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
    nproc: Annotated[int, typer.Option(
        "--nproc", help="Processes for the fine-tuning (torchrun, DistributedDataParallel: gloo on CPU, "
                        "NCCL on GPU); 1: this process.")] = 1,
) -> None:
    """Sensitivity, prune, qat, export and bench from one recipe; unchanged steps are reused."""
    from compress.commands.progress import progress_bars
    from compress.models.voice_dir import resolve_voice_dir
    from compress.pipeline import Pipeline, PipelineConfig, plan
    from compress.errors import InputError
    from compress.recipe import RecipeError, build, compose, overrides_only

    if nproc < 1:
        raise InputError(f"--nproc must be at least 1, got {nproc}")
    given = overrides_only(overrides, "pipeline=quick or prune.target_params=0.6")
    recipe = compose(given)
    config = build(PipelineConfig, recipe.get("pipeline"), "pipeline")
    if not config.steps:
        raise RecipeError("the recipe has no steps; choose a preset: pipeline=light (or quick, speed, "
                          "pruned-only, int8-only)")
    steps = plan(config, recipe)
    if Path(out).exists() and not Path(out).is_dir():
        raise InputError(f"--out {out} is a file; the run dir is a folder")
    if nproc > 1 and "WORLD_SIZE" not in os.environ:
        raise typer.Exit(_launch(nproc))
    from compress.train import distributed

    run = Pipeline(resolve_voice_dir(voice, voice_name), Path(out), recipe, given, say=note)
    with distributed.launched(), progress_bars() as progress:
        run.progress = progress
        document = run.run(steps, from_stage)
    if distributed.is_writer():
        _summary(document, Path(out))


def _launch(nproc: int) -> int:
    """This command again under torchrun with `nproc` processes on this machine (for several
    machines, call torchrun yourself: `torchrun --nnodes ... -m compress.cli pipeline ...`).
    The processes print their own errors; a failed one ends this command with its exit code,
    not with the launcher's traceback."""
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import parse_args, run

    args = _without_nproc(sys.argv[1:])
    note(f"launching {nproc} processes: torchrun --standalone --nproc_per_node={nproc} -m compress.cli "
         + " ".join(args))
    try:
        run(parse_args(["--standalone", f"--nproc_per_node={nproc}", "-m", "compress.cli", *args]))
    except ChildFailedError as failed:
        codes = [f.exitcode for f in failed.failures.values() if f.exitcode]
        return codes[0] if codes else 1
    return 0


def _summary(document: dict, out: Path) -> None:
    from eval.report import main_table

    for step in document["steps"]:
        state = step["status"] if step["status"] != "skipped" else f"skipped ({step['reason']})"
        note(f"{step['dir']}: {state}")
    for step in document["steps"]:  # the table of whichever step wrote a bench
        bench = out / step["dir"] / "bench.json"
        if step["status"] == "done" and bench.is_file():
            print("\n".join(main_table(_labelled(json.loads(bench.read_text(encoding="utf-8"))))))
            note(f"before/after samples: {bench.parent / 'samples'}/<run>/")
    note(f"wrote {out / 'run.json'}")


def _labelled(doc: dict) -> dict:
    """The bench's runs named by the stages each went through ("Pruned+INT8 (02-qat)")."""
    from compress import registry
    from compress.checkpoint import load_manifest

    for run in doc["runs"]:
        path = Path(run["path"])
        stages = [e["stage"] for e in load_manifest(path)["history"][1:]] if (path / "manifest.json").is_file() else []
        run["name"] = f"{registry.chain_label(stages)} ({run['name']})"
    return doc


def _without_nproc(argv: list[str]) -> list[str]:
    kept, skip = [], False
    for arg in argv:
        if skip or arg.startswith("--nproc="):
            skip = False
            continue
        skip = arg == "--nproc"
        if not skip:
            kept.append(arg)
    return kept


def register(app: typer.Typer) -> None:
    app.command()(pipeline)
