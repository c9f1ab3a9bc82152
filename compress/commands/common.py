"""Options and helpers shared by the commands."""

from __future__ import annotations

import os
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
    """Human-facing remarks go to stderr so stdout stays machine-readable (under torchrun,
    from rank 0 only)."""
    if os.environ.get("RANK", "0") == "0":
        print(message, file=sys.stderr)


def load_voice_for_cli(voice: Optional[Path], name: Optional[str]):
    from compress.loading import load_voice
    from compress.models.voice_dir import resolve_voice_dir

    return load_voice(resolve_voice_dir(voice, name))


def console():
    """A rich console; when output is not a terminal, wide enough that tables keep whole names."""
    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=200)


