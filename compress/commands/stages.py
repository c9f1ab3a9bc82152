"""`revert` and `diff`: undoing a stage and seeing what it changed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from compress.commands.common import console as make_console
from compress.commands.common import note


def revert(
    stage_dir: Annotated[Path, typer.Argument(help="A stage dir written by this tool.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the parent (a new dir).")],
) -> None:
    """Rebuild a stage's parent bit for bit from the stage dir alone (checked by sha256)."""
    from compress.errors import VoiceLoadError
    from compress.models.voice_dir import is_project_checkpoint
    from compress.stage import revert as revert_stage

    if not is_project_checkpoint(stage_dir):
        raise VoiceLoadError(f"{stage_dir} is not a stage dir (no arch.json)")
    path = revert_stage(stage_dir, out)
    note(f"wrote the parent of {stage_dir} to {path} (sha256 verified)")


def diff(
    a: Annotated[Path, typer.Argument(help="A stage dir, or any voice to compare.")],
    b: Annotated[Optional[Path], typer.Argument(help="A second voice; without it, A's changes vs its parent.")] = None,
) -> None:
    """What changed, per layer, as a table."""
    from rich.table import Table

    from compress import diff as differ
    from compress.checkpoint import load_manifest
    from compress.errors import VoiceLoadError
    from compress.models.voice import load_voice
    from compress.models.voice_dir import is_project_checkpoint

    console = make_console()
    if b is None:
        if not is_project_checkpoint(a):
            raise VoiceLoadError(f"{a} is not a stage dir; give two voices to compare them")
        manifest = load_manifest(a)
        rows = differ.manifest_rows(manifest)
        table = Table(title=f"{a}: stage {manifest['stage']!r} vs its parent {manifest['parent']['path'] if manifest['parent'] else '-'}")
        columns = sorted({k for row in rows for k in row if k not in ("removed", "shapes")}, key=_column_order)
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*[_cell(row.get(c)) for c in columns])
        console.print(table)
        t = manifest["totals"]
        console.print(f"parameters {t['params_before']:,} -> {t['params_after']:,} (kept {t['params_kept']:.3f}); "
                      f"bytes {t['bytes_before']:,} -> {t['bytes_after']:,}")
        return
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


def register(app: typer.Typer) -> None:
    app.command()(revert)
    app.command()(diff)
