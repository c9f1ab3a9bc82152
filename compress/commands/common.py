"""Options and helpers shared by the commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

VoiceOption = Annotated[
    Optional[Path],
    typer.Option("--voice", help="Voice dir, voices/ root, or stage dir (default: the embedded demo voice)."),
]
OutOption = Annotated[Path, typer.Option("--out", help="The new dir to write (must not exist).")]
VoiceNameOption = Annotated[
    Optional[str],
    typer.Option("--voice-name", help="Which voice of a voices/ root with several."),
]


def note(message: str) -> None:
    """Human-facing remarks go to stderr so stdout stays machine-readable."""
    print(message, file=sys.stderr)


def load_voice_for_cli(voice: Optional[Path], name: Optional[str]):
    from compress.loading import load_voice
    from compress.models.voice_dir import is_default_random, resolve_voice_dir

    path = resolve_voice_dir(voice, name)
    if voice is None and is_default_random(path):
        note("note: using the tiny test-fixture voice; its weights are random, so its audio is noise")
    return load_voice(path)


def console():
    """A rich console; when output is not a terminal, wide enough that tables keep whole names."""
    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=200)



def run_registered_stage(name: str, voice: Optional[Path], voice_name: Optional[str], out: Path,
                         overrides: Optional[list[str]]):
    """Any registered stage from the command line: compose its recipe group, validate the
    config, check --out, load the voice, run the stage with progress bars. Returns
    (stage dir, parent voice, new voice)."""
    from compress import registry
    from compress.commands.progress import progress_bars
    from compress.files import check_new_directory
    from compress.recipe import build, compose, overrides_only
    from compress.stage import StageContext, run_stage

    entry = registry.get(name)
    recipe_args = overrides_only(overrides, f"{entry.group}.key=value")
    recipe = compose(recipe_args)
    config = build(entry.config_class, recipe.get(entry.group), entry.group)
    check_new_directory(out)
    loaded = load_voice_for_cli(voice, voice_name)
    with progress_bars() as report:
        ctx = StageContext(recipe=recipe, overrides=recipe_args, seed=getattr(config, "seed", 0), progress=report)
        path, made = run_stage(entry, loaded, config, ctx, out)
    return path, loaded, made
