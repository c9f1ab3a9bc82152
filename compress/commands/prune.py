"""`sambert-compress prune`: structured pruning with recovery, into a reversible stage dir."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from compress.commands.common import OutOption, VoiceNameOption, VoiceOption, note
from compress.commands.stage_command import run_registered_stage


def prune(
    out: OutOption,
    overrides: Annotated[Optional[list[str]], typer.Argument(help="Recipe overrides, e.g. prune.target_params=0.6")] = None,
    voice: VoiceOption = None,
    voice_name: VoiceNameOption = None,
    from_stage: Annotated[Optional[Path], typer.Option("--from", hidden=True, help="Old spelling of --voice.")] = None,
) -> None:
    """Remove conv/FFN channels, head dimensions and LSTM units; recover by distillation."""
    from compress.errors import InputError

    if voice is not None and from_stage is not None:
        raise InputError("give --voice or --from, not both")
    path, parent, pruned = run_registered_stage("prune", from_stage or voice, voice_name, out, overrides)
    note(f"wrote {path}: {pruned.parameter_count():,} parameters "
         f"({pruned.parameter_count() / parent.parameter_count():.3f} of {parent.parameter_count():,}); "
         f"see {path / 'report.md'}")


def register(app: typer.Typer) -> None:
    app.command()(prune)
