"""`sambert-compress export`: a voice's graphs as ONNX files, an export dir ONNX Runtime runs."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from compress.commands.common import OutOption, VoiceNameOption, VoiceOption, note
from compress.commands.stage_command import run_registered_stage


def export(
    out: OutOption,
    overrides: Annotated[Optional[list[str]], typer.Argument(
        help="Recipe overrides, e.g. export.polyphase=false export.threads=2")] = None,
    voice: VoiceOption = None,
    voice_name: VoiceNameOption = None,
    target: Annotated[Optional[str], typer.Option(
        "--target", help="cpu (ONNX Runtime), tensorrt or both; shortcut for export.target=...")] = None,
) -> None:
    """Export a stage's acoustic model and vocoder as ONNX graphs for ONNX Runtime."""
    from compress.errors import InputError

    overrides = list(overrides or [])
    if target is not None:
        if any(o.startswith("export.target=") for o in overrides):
            raise InputError("give the target once: --target or export.target=, not both")
        overrides.append(f"export.target={target}")
    path, _, made = run_registered_stage("export", voice, voice_name, out, overrides)
    mode = made.modes[-1]["mode"]
    chosen = mode.get("int8", {}).get("graphs", {})
    int8 = sum(row.get("precision") == "int8" for row in chosen.values())
    kinds = f"{int8} of them INT8" if chosen else mode["precision"]
    note(f"wrote {path}: {len(mode['graphs'])} graphs ({kinds}) for {mode['runtime']} "
         f"({mode['target']}); see {path / 'report.md'}")


def register(app: typer.Typer) -> None:
    app.command()(export)
