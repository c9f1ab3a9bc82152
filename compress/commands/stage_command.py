"""Running any registered stage from the command line (prune, qat, export, ...)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from compress.commands.common import load_voice_for_cli


def run_registered_stage(name: str, voice: Optional[Path], voice_name: Optional[str], out: Path,
                         overrides: Optional[list[str]]):
    """Any registered stage from the command line: compose its recipe group, validate the
    config, check --out, load the voice, run the stage with progress bars. Under torchrun
    every rank trains its share and rank 0 alone writes and reports. Returns
    (stage dir, parent voice, new voice)."""
    from compress import registry
    from compress.commands.progress import progress_bars
    from compress.files import check_new_directory
    from compress.recipe import build, compose, overrides_only
    from compress.stage import StageContext, run_stage
    from compress.train import distributed

    entry = registry.get(name)
    recipe_args = overrides_only(overrides, f"{entry.group}.key=value")
    recipe = compose(recipe_args)
    config = build(entry.config_class, recipe.get(entry.group), entry.group)
    check_new_directory(out)
    loaded = load_voice_for_cli(voice, voice_name)
    with distributed.launched(), progress_bars() as report:
        ctx = StageContext(recipe=recipe, overrides=recipe_args, seed=getattr(config, "seed", 0),
                           progress=report if distributed.is_writer() else None)
        path, made = run_stage(entry, loaded, config, ctx, out, save=distributed.is_writer())
        distributed.barrier()  # the dir is written before any rank returns
    return path, loaded, made
