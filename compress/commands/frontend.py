"""`sambert-compress frontend`: Chinese text -> ttsfrd symbols, spoken pinyin, or JSON.

No torch on this path: the frontend and the voice's speaker list are read without it, so the
command answers in a fraction of a second.
"""

from __future__ import annotations

import enum
import json
import sys
from typing import Annotated, Optional

import typer

from compress.commands.common import VoiceNameOption, VoiceOption, note
from compress.errors import FrontendError


class Format(str, enum.Enum):
    symbols = "symbols"
    pinyin = "pinyin"
    json = "json"


def frontend(
    text: Annotated[str, typer.Argument(help="Chinese text; - reads UTF-8 text from stdin.")],
    format: Annotated[Format, typer.Option("--format", help="symbols: ttsfrd lines; pinyin: "
                                           "spoken syllables and breaks; json: both and the "
                                           "normalized text.")] = Format.symbols,
    emotion: Annotated[str, typer.Option("--emotion", help="happy, calm, sad, energetic, neutral, "
                                         "or any category of the model (angry, surprise, ...).")] = "neutral",
    speaker: Annotated[Optional[str], typer.Option("--speaker", help="A speaker of the voice "
                                                   "(default: its first).")] = None,
    voice: VoiceOption = None,
    voice_name: VoiceNameOption = None,
) -> None:
    """Turn Chinese text into the symbols the acoustic model reads (one line per sub-sentence)."""
    from compress.frontend import analyze
    from compress.models.voice_dir import resolve_voice_dir, speaker_list

    raw = read_stdin() if text == "-" else text
    speakers = speaker_list(resolve_voice_dir(voice, voice_name))
    result = analyze(raw, emotion, speaker or speakers[0], speakers)
    for warning in result.warnings:
        note(f"warning: {warning}")
    if format is Format.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    elif format is Format.pinyin:
        print("\n".join(result.pinyin_lines()))
    else:
        print("\n".join(result.symbol_lines()))


def read_stdin() -> str:
    """All of stdin as UTF-8; anything else is a one-line error, not a traceback."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        return sys.stdin.read()
    data = stream.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FrontendError(f"stdin is not UTF-8 text (invalid byte at offset {err.start}); "
                            "convert it, e.g. with iconv -t UTF-8") from None


def register(app: typer.Typer) -> None:
    app.command("frontend")(frontend)
