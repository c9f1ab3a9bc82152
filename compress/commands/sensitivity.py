"""`sambert-compress sensitivity`: where a voice is redundant, with the evidence.

Writes report.json, importance.json, report.md and PNG plots into --out (all or nothing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from compress.commands.common import VoiceNameOption, VoiceOption, load_voice_for_cli, note
from compress.errors import InputError


def sensitivity(
    overrides: Annotated[Optional[list[str]], typer.Argument(
        help="Recipe overrides, e.g. sensitivity.sentences=4 or sensitivity=quick.", show_default=False)] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder (must not exist).")] = Path("out/sensitivity"),
    calibration: Annotated[Optional[Path], typer.Option(
        "--calibration", help="Chinese calibration sentences, one per line (default: the built-in set).")] = None,
    symbols_file: Annotated[Optional[Path], typer.Option(
        "--symbols-file", help="Calibration as ttsfrd-format lines, one sentence per line.")] = None,
    threads: Annotated[Optional[int], typer.Option(
        "--threads", help="CPU threads for torch (default: torch's own choice; 1 is fastest on a busy machine).")] = None,
    voice: VoiceOption = None,
    voice_name: VoiceNameOption = None,
) -> None:
    """Measure Taylor importance, sensitivity curves and the three probes of a voice."""
    from compress.recipe import build, compose, overrides_only
    from sensitivity.calibration import DEFAULT_TEXT, read_lines
    from sensitivity.config import SensitivityConfig
    from compress.files import check_new_directory

    given = overrides_only(overrides, "sensitivity.key=value")
    if calibration is not None and symbols_file is not None:
        raise InputError("give at most one of --calibration and --symbols-file")
    if threads is not None and threads < 1:
        raise InputError(f"--threads must be >= 1, got {threads}")
    recipe = compose(given)
    config = build(SensitivityConfig, recipe.get("sensitivity"), "sensitivity")
    check_new_directory(out, make_parents=True)
    lines = read_lines(symbols_file if symbols_file is not None else calibration or DEFAULT_TEXT)
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    loaded = load_voice_for_cli(voice, voice_name)
    _run(loaded, lines, symbols_file is not None, config, recipe, given, out)


def _run(voice, lines, symbols, config, recipe, overrides, out: Path) -> None:
    from compress.commands.progress import progress_bars
    from sensitivity.step import analyse_into

    with progress_bars() as progress:
        report = analyse_into(out, voice, lines, symbols, config, recipe, overrides, progress)
    _print_summary(report, out)


def _print_summary(report: dict, out: Path) -> None:
    def pct(value):
        return "n/a" if value is None else f"{100 * value:.1f}%"

    s = report["summary"]
    heads, gates, weights = (s["heads_under_threshold_last_two_encoder_layers"],
                             s["lstm_gates_active_decoder_side"], s["vocoder_weights_within_threshold"])
    print(f"heads under {heads['threshold_db']} dB (last two encoder layers): {pct(heads['measured'])} (seed 37%)")
    print(f"LSTM gates active (decoder side, post-net LSTM): {pct(gates['measured'])} (seed 41%)")
    print(f"vocoder conv weights within ±{weights['threshold']}: {pct(weights['measured'])} (seed 62%)")
    note(f"wrote {out} in {report['seconds']['total']:.0f} s")


def register(app: typer.Typer) -> None:
    app.command()(sensitivity)
