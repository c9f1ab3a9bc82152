"""`revert` and `diff`: undoing a stage and seeing what it changed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from compress.commands.common import console as make_console
from compress.commands.common import note


def revert(
    out: Annotated[Path, typer.Option("--out", help="Where to write the reverted voice (a new dir).")],
    voice: Annotated[Optional[Path], typer.Option("--voice", help="A stage dir written by this tool.")] = None,
    to: Annotated[Optional[int], typer.Option(
        "--to", help="History entry to go back to: 0 is the imported voice (default: the parent).")] = None,
    fmt: Annotated[str, typer.Option(
        "--format", help="auto: the root of a KAN-TTS import as a KAN-TTS dir, else a stage dir; "
                         "project: always a stage dir; kantts: the KAN-TTS dir.")] = "auto",
    stage_dir: Annotated[Optional[Path], typer.Argument(hidden=True)] = None,
) -> None:
    """Rebuild an earlier voice of a stage dir's history, bit for bit (checked by sha256)."""
    from compress.errors import InputError, VoiceLoadError
    from compress.models.voice_dir import is_project_checkpoint
    from compress.stage import revert as revert_stage

    stage_dir = _one_voice(voice, stage_dir)
    if not is_project_checkpoint(stage_dir):
        raise VoiceLoadError(f"{stage_dir} is not a stage dir (no arch.json)")
    if to is not None and to < 0:
        raise InputError(f"--to must be 0 or more, got {to}")
    path = revert_stage(stage_dir, out, to, fmt)
    note(f"wrote {path} from the history of {stage_dir} (sha256 verified)")


def diff(
    voice: Annotated[Optional[list[Path]], typer.Option(
        "--voice", help="A stage dir (its changes vs its parent), or --voice A --voice B to compare two voices.")] = None,
    legacy: Annotated[Optional[list[Path]], typer.Argument(hidden=True)] = None,
) -> None:
    """What changed, per layer, as a table."""
    from compress.errors import InputError

    voices = list(voice or []) + list(legacy or [])
    if not 1 <= len(voices) <= 2:
        raise InputError("give one stage dir, or two voices to compare (--voice A --voice B)")
    if len(voices) == 1:
        _diff_stage(voices[0])
    else:
        _diff_voices(*voices)


def _one_voice(option: Optional[Path], positional: Optional[Path]) -> Path:
    from compress.errors import InputError

    if (option is None) == (positional is None):
        raise InputError("give the stage dir as --voice DIR")
    return option or positional


def _diff_stage(a: Path) -> None:
    from rich.table import Table

    from compress import diff as differ
    from compress.checkpoint import load_manifest
    from compress.errors import VoiceLoadError
    from compress.manifest import current
    from compress.models.voice_dir import is_project_checkpoint

    if not is_project_checkpoint(a):
        raise VoiceLoadError(f"{a} is not a stage dir; give two voices to compare them")
    manifest = load_manifest(a)
    history, entry = manifest["history"], current(manifest)
    console = make_console()
    console.print("history: " + " -> ".join(f"{i}:{e['stage']}" for i, e in enumerate(history)))
    if len(history) == 1:
        console.print(f"{a} is an imported voice ({history[0]['source']}); it has no stage to diff")
        return
    rows = differ.manifest_rows(manifest)
    parent = history[-2].get("dir") or history[-2].get("source") or "-"
    table = Table(title=f"{a}: stage {entry['stage']!r} vs its parent {parent}")
    columns = sorted({k for row in rows for k in row if k not in ("removed", "shapes")}, key=_column_order)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*[_cell(row.get(c)) for c in columns])
    console.print(table)
    t = entry["totals"]
    console.print(f"parameters {t['params_before']:,} -> {t['params_after']:,} (kept {t['params_kept']:.3f}); "
                  f"bytes {t['bytes_before']:,} -> {t['bytes_after']:,}")


def _diff_voices(a: Path, b: Path) -> None:
    from rich.table import Table

    from compress import diff as differ
    from compress.loading import load_voice

    console = make_console()
    between = differ.stages_between(a, b)
    if between:
        console.print(f"{b} descends from {a} through: " + " -> ".join(between))
    va, vb = load_voice(a), load_voice(b)
    rows = differ.compare(va, vb)
    table = Table(title=f"{a} vs {b}: {len(rows)} layers differ")
    for column in ("layer", "params A", "params B", "shape A -> B", "max |change|"):
        table.add_column(column)
    for row in rows:
        table.add_row(row.layer, f"{row.params_a:,}", f"{row.params_b:,}", row.shapes,
                      "" if row.max_abs_change is None else f"{row.max_abs_change:.3g}")
    console.print(table)
    console.print(f"parameters {differ.total_params(va):,} -> {differ.total_params(vb):,}")


_ORDER = ["group", "kind", "blocks", "before", "after", "kept"]


def _column_order(name: str) -> tuple[int, str]:
    return (_ORDER.index(name) if name in _ORDER else len(_ORDER), name)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)




def export_kantts(
    out: Annotated[Path, typer.Option("--out", help="The KAN-TTS voice dir to write (a new dir).")],
    voice: Annotated[Path, typer.Option("--voice", help="A float stage dir (or any voice).")],
) -> None:
    """Write a float stage as a KAN-TTS voice dir (pruned units zero-padded back)."""
    from compress.kantts_export import export_kantts as write

    path = write(voice, out)
    note(f"wrote the KAN-TTS voice {path}")


def register(app: typer.Typer) -> None:
    app.command()(revert)
    app.command()(diff)
    app.command("export-kantts")(export_kantts)
