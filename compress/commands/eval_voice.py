"""`sambert-compress eval-voice`: DNSMOS, median F0 and speaking rate per speaker x emotion."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from compress.commands.common import VoiceNameOption, VoiceOption, load_voice_for_cli, note
from compress.emotions import STYLES
from compress.errors import InputError


def eval_voice(
    voice: VoiceOption = None,
    legacy_voice: Annotated[Optional[Path], typer.Argument(hidden=True, show_default=False)] = None,
    texts: Annotated[Optional[Path], typer.Option(
        "--texts", help="Sentences: a text file (one per line), a corpus-style .tsv, or a .symbols file "
                        "(default: the 50 sentences of the benchmark corpus).")] = None,
    sentences: Annotated[Optional[int], typer.Option("--sentences", help="Use only the first N sentences.")] = None,
    speakers: Annotated[Optional[str], typer.Option("--speakers", help="Comma-separated (default: all).")] = None,
    emotions: Annotated[str, typer.Option("--emotions", help="Comma-separated emotions.")] = ",".join(STYLES),
    f0_method: Annotated[str, typer.Option("--f0-method", help="dio or harvest.")] = "dio",
    out: Annotated[Optional[Path], typer.Option("--out", help="Write styles.json and styles.md here.")] = None,
    check: Annotated[Optional[Path], typer.Option(
        "--check", help="Style thresholds YAML: exit 1 naming every failing check.")] = None,
    voice_name: VoiceNameOption = None,
) -> None:
    """Measure one voice's styles: does every style sound clean, and do they stay apart?"""
    from compress.commands.progress import progress_bars
    from eval import inputs
    from eval.features import F0_METHODS
    from compress.files import check_new_directory
    from eval.style_gate import check_styles, load_style_checks
    from eval.styles import measure_styles

    if sentences is not None and sentences < 1:
        raise InputError(f"--sentences must be at least 1, got {sentences}")
    if f0_method not in F0_METHODS:
        raise InputError(f"--f0-method must be one of {', '.join(F0_METHODS)}, got {f0_method!r}")
    checks = load_style_checks(check) if check is not None else None
    if out is not None:
        check_new_directory(out)
    if voice is not None and legacy_voice is not None:
        raise InputError("give the voice once, as --voice")
    loaded = load_voice_for_cli(voice or legacy_voice, voice_name)
    speaker_list = _names(speakers) or list(loaded.tables.speakers)
    emotion_list = _names(emotions)
    if not emotion_list:
        raise InputError("--emotions needs at least one emotion")
    source = "corpus" if texts is None else str(texts)
    items, _ = inputs.load_items(source, sentences, None, speaker_list[0])
    with progress_bars({"styles": "styles"}) as progress:
        rows = measure_styles(loaded, items, speaker_list, emotion_list, f0_method, True, progress)
    failures = check_styles(rows, checks) if checks is not None else []
    table = style_table(rows)
    print(table)
    if out is not None:
        _write(out, {"voice": str(loaded.source), "sentences": [i.id for i in items], "f0_method": f0_method,
                     "rows": rows, "check": None if checks is None else {"file": str(check), "failures": failures}},
               table, failures)
        note(f"wrote {out}/styles.md and styles.json")
    for failure in failures:
        note(f"check: {failure}")
    if failures:
        raise typer.Exit(1)
    if checks is not None:
        note(f"check: passed ({check})")


def _names(text: Optional[str]) -> list[str]:
    return [n.strip() for n in (text or "").split(",") if n.strip()]


def _cell(value, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def style_table(rows: list[dict]) -> str:
    lines = ["| speaker | emotion | sentences | DNSMOS P.808 | OVRL | median F0 | syllables/s |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['speaker']} | {r['emotion']} | {r['sentences']} | {_cell(r['dnsmos_p808'], '.2f')} | "
                     f"{_cell(r['dnsmos_ovrl'], '.2f')} | {_cell(r['f0_median_hz'], '.1f')} Hz | "
                     f"{_cell(r['syllables_per_s'], '.2f')} |")
    return "\n".join(lines)


def _write(out: Path, document: dict, table: str, failures: list[str]) -> None:
    from compress.files import atomic_directory

    with atomic_directory(out) as tmp:
        (tmp / "styles.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        body = f"# Styles of {document['voice']}\n\n{table}\n"
        if document["check"] is not None:
            body += "\n## Check\n\n" + ("\n".join(f"- {f}" for f in failures) if failures else "passed") + "\n"
        (tmp / "styles.md").write_text(body, encoding="utf-8")


def register(app: typer.Typer) -> None:
    app.command("eval-voice")(eval_voice)
