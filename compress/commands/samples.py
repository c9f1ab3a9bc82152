"""`sambert-compress samples`: WAVs of a few sentences in every speaker and emotion of a voice."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from compress.commands.common import VoiceNameOption, VoiceOption, load_voice_for_cli, note
from compress.emotions import STYLES

SENTENCES = (
    "欢迎使用语音合成压缩工具。",
    "今天天气很好，我们一起去公园散步吧。",
    "订单已经发货，预计三天内送达，请注意查收。",
)


def samples(
    out: Annotated[Path, typer.Option("--out", help="A new folder for the results.")] = Path("out/samples"),
    voice: VoiceOption = None,
    voice_name: VoiceNameOption = None,
) -> None:
    """Synthesize a few sentences with every speaker and emotion of the voice."""
    from compress.audio_io import write_wav
    from compress.files import atomic_directory, check_new_directory
    from compress.models.symbols import parse_tokens
    from compress.frontend import text_to_symbol_lines
    from compress.synthesis import encode_lines, synthesize

    out.parent.mkdir(parents=True, exist_ok=True)
    check_new_directory(out)  # before the voice loads: fail fast
    loaded = load_voice_for_cli(voice, voice_name)
    speakers = list(loaded.tables.speakers)
    rows = []
    with atomic_directory(out) as tmp:
        for speaker in speakers:
            for emotion in STYLES:
                for number, text in enumerate(SENTENCES, start=1):
                    lines, _ = text_to_symbol_lines(text, emotion, speaker=speaker, speakers=speakers)
                    result = synthesize(loaded, encode_lines(loaded, [parse_tokens(l) for l in lines]))
                    name = f"{speaker}_{emotion}_{number}.wav"
                    write_wav(tmp / name, result.wav, result.sample_rate)
                    rows.append(f"| {name} | {speaker} | {emotion} | {text} | {len(result.wav) / result.sample_rate:.2f} s |")
        header = ["# sambert-compress samples", "", f"Voice: `{loaded.source}`", "",
                  "| file | speaker | emotion | text | length |", "|---|---|---|---|---|"]
        (tmp / "index.md").write_text("\n".join(header + rows) + "\n", encoding="utf-8")
    note(f"wrote {len(rows)} WAVs and index.md to {out}")


def register(app: typer.Typer) -> None:
    app.command()(samples)
    app.command("demo", hidden=True)(samples)  # the old name, for one release
