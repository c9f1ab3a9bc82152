"""`sambert-compress prune`: structured pruning with recovery, into a reversible stage dir."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from compress.commands.common import VoiceNameOption, VoiceOption, load_voice_for_cli, note


def prune(
    out: Annotated[Path, typer.Option("--out", help="The stage dir to write (must not exist).")],
    overrides: Annotated[Optional[list[str]], typer.Argument(help="Recipe overrides, e.g. prune.target_params=0.6")] = None,
    voice: VoiceOption = None,
    voice_name: VoiceNameOption = None,
    from_stage: Annotated[Optional[Path], typer.Option("--from", help="Prune a stage dir (same as --voice).")] = None,
) -> None:
    """Remove conv/FFN channels, head dimensions and LSTM units; recover by distillation."""
    from compress.files import check_new_directory
    from compress.errors import InputError
    from compress.prune.config import PruneConfig
    from compress.prune.stage import PruneStage
    from compress.recipe import build, compose, overrides_only
    from compress.stage import StageContext, run_stage

    recipe_args = overrides_only(overrides, "prune.key=value")
    if voice is not None and from_stage is not None:
        raise InputError("give --voice or --from, not both")
    recipe = compose(recipe_args)
    config = build(PruneConfig, recipe.get("prune"), "prune")
    check_new_directory(out)
    loaded = load_voice_for_cli(from_stage or voice, voice_name)
    from compress.commands.progress import progress_bars

    with progress_bars() as report:
        ctx = StageContext(recipe=recipe, overrides=recipe_args, seed=config.seed, progress=report)
        path, pruned = run_stage(PruneStage(), loaded, config, ctx, out)
    note(f"wrote {path}: {pruned.parameter_count():,} parameters "
         f"({pruned.parameter_count() / loaded.parameter_count():.3f} of {loaded.parameter_count():,}); "
         f"see {path / 'report.md'}")


def register(app: typer.Typer) -> None:
    app.command()(prune)
