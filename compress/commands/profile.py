"""`sambert-compress profile`: where one sentence's synthesis time goes, part by part."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from compress.commands.common import VoiceNameOption, VoiceOption, load_voice_for_cli, note

# The benchmark corpus's customer-service greeting (svc-01): 55 tokens in one sub-sentence.
DEFAULT_TEXT = "您好，很高兴为您服务，请问今天有什么可以帮到您的吗？"


def profile(
    text: Annotated[str, typer.Option("--text", help="Chinese text of the sentence to profile.")] = DEFAULT_TEXT,
    audio_seconds: Annotated[Optional[float], typer.Option(
        "--audio-seconds", help="Hold the sentence to this much audio (frames spread evenly over "
        "its tokens); default: the voice's own durations.")] = None,
    repeats: Annotated[int, typer.Option("--repeats", help="Timed runs after one warm-up; the median is reported.")] = 5,
    speaker: Annotated[Optional[str], typer.Option("--speaker", help="Default: the voice's first speaker.")] = None,
    emotion: Annotated[Optional[str], typer.Option("--emotion", help="Default: neutral.")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--out", "--json", help="Also write the figures as JSON.")] = None,
    voice: VoiceOption = None,
    voice_name: VoiceNameOption = None,
) -> None:
    """Time each part of one synthesis (frontend, encoder, variance adaptor, decoder, post-net,
    vocoder) and set its FLOP rate against this CPU's fp32 matmul ceiling."""
    from compress.errors import InputError
    from compress.files import atomic_write_bytes, check_output_path

    if repeats < 1:
        raise InputError(f"--repeats must be at least 1, got {repeats}")
    if json_out is not None:
        check_output_path(json_out)
    loaded = load_voice_for_cli(voice, voice_name)
    from eval.profile import format_table, profile_sentence

    result = profile_sentence(loaded, text, speaker or loaded.tables.speakers[0], emotion, audio_seconds, repeats,
                              progress=lambda message: note(f"profile: {message}"))
    print(format_table(result), end="")
    if json_out is not None:
        atomic_write_bytes(json_out, (json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n").encode())


def register(app: typer.Typer) -> None:
    app.command()(profile)
