"""`sambert-compress qat`: INT8 quantization-aware training into a reversible stage dir."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from compress.commands.common import OutOption, VoiceNameOption, VoiceOption, note
from compress.commands.stage_command import run_registered_stage


def qat(
    out: OutOption,
    overrides: Annotated[Optional[list[str]], typer.Argument(help="Recipe overrides, e.g. qat.steps=200")] = None,
    voice: VoiceOption = None,
    voice_name: VoiceNameOption = None,
) -> None:
    """Fake-quantize convs and linears to INT8 (EMA-calibrated ranges, float islands); fine-tune by distillation."""
    path, _, made = run_registered_stage("qat", voice, voice_name, out, overrides)
    counts = next((m["mode"].get("layers") for m in made.modes if m["stage"] == "qat"), None) or []
    int8 = sum(layer.get("precision") == "int8" for layer in counts)
    note(f"wrote {path}: {int8} of {len(counts)} layers INT8; see {Path(path) / 'report.md'}")


def register(app: typer.Typer) -> None:
    app.command()(qat)
