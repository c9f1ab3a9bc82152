"""The sensitivity report: report.json (schema-versioned), importance.json, report.md, plots.

The output folder is written whole or not at all (compress.audio_io.atomic_directory: a
temporary folder beside it, renamed at the end).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import torch

import compress
from compress.files import atomic_directory
from compress.checkpoint import voice_tensors, weights_sha256
from compress.errors import InputError
from compress.models.voice import Voice
from compress.units.groups import unit_cost
from sensitivity import curves, measure, mel_gain, probes, spectra, taylor
from sensitivity.analysis import Analysis
from sensitivity.markdown import render_markdown

SCHEMA = "sambert-compress/sensitivity-report"
IMPORTANCE_SCHEMA = "sambert-compress/importance"
VERSION = 1
# The seed's figures (issue 6), reported beside ours.
SEED = {"heads_under_threshold_last_two_encoder_layers": 0.37, "lstm_gates_active_decoder_side": 0.41,
        "vocoder_weights_within_threshold": 0.62}


def _doc(module) -> str:
    return " ".join((module.__doc__ or "").split())


def definitions() -> dict:
    return {"taylor_importance": _doc(taylor), "distance_db": _doc(spectra), "measurement": _doc(measure),
            "mel_gain": _doc(mel_gain), "curves": _doc(curves), "probes": _doc(probes)}


def _importance_summary(analysis: Analysis, shapes) -> dict:
    out = {}
    for group in analysis.groups:
        values = np.asarray(analysis.importance[group.name], dtype=np.float64).reshape(-1)
        top = np.sort(values)[::-1][: max(1, len(values) // 10)]
        total = float(values.sum())
        out[group.name] = {
            "kind": group.kind, "blocks": group.blocks, "block_size": group.block_size,
            "params_per_unit": unit_cost(group, shapes) // group.blocks,
            "total": total, "mean": float(values.mean()), "median": float(np.median(values)),
            "min": float(values.min()), "max": float(values.max()),
            "zero_units": int((values == 0).sum()),
            "top_decile_share": float(top.sum() / total) if total > 0 else None,
        }
    return out


def _curves(analysis: Analysis, voice: Voice) -> dict | None:
    if analysis.curves is None:
        return None
    out = {}
    for group in analysis.groups:
        start = measure.start_of(group, voice)
        if start.part == "voc":
            how = f"waveform; vocoder rerun from stage {start.stage}" + (
                f" block {start.block}" if start.block is not None else "")
        elif start.stage == "duration":
            how = "own durations; vocoded, DTW-aligned"
        else:
            how = f"{analysis.config.am_distance}; rerun from {start.stage}"
        out[group.name] = {"kind": group.kind, "measured": how,
                           "points": [[round(f, 6), d] for f, d in analysis.curves[group.name]]}
    return out


def _summary(analysis: Analysis) -> dict:
    cfg = analysis.config
    heads = (probes.head_summary(analysis.heads, cfg.head_threshold_db)
             if analysis.heads is not None else None)
    return {
        "heads_under_threshold_last_two_encoder_layers": {
            "seed": SEED["heads_under_threshold_last_two_encoder_layers"],
            "measured": None if heads is None else heads["last_encoder_share"],
            "threshold_db": cfg.head_threshold_db,
            "layers": None if heads is None else heads["last_encoder_layers"]},
        "lstm_gates_active_decoder_side": {
            "seed": SEED["lstm_gates_active_decoder_side"],
            "measured": None if analysis.gates is None else analysis.gates["decoder_side"],
            "lstm": probes.DECODER_SIDE_LSTM,
            "all_lstms": None if analysis.gates is None else analysis.gates["all_lstms"]},
        "vocoder_weights_within_threshold": {
            "seed": SEED["vocoder_weights_within_threshold"],
            "measured": None if analysis.weights is None else analysis.weights["share"],
            "threshold": cfg.weight_threshold},
    }


def build_report(analysis: Analysis, voice: Voice, recipe: dict | None = None,
                 overrides: list[str] | None = None) -> dict:
    shapes = {k: t.shape for k, t in voice_tensors(voice).items()}
    heads = None
    if analysis.heads is not None:
        heads = {"db": analysis.heads,
                 "summary": probes.head_summary(analysis.heads, analysis.config.head_threshold_db)}
    return {
        "schema": SCHEMA, "version": VERSION,
        "tool_version": compress.__version__, "torch_version": torch.__version__,
        "voice": {"source": str(voice.source), "weights_sha256": weights_sha256(voice),
                  "parameters": voice.parameter_count(), "sample_rate": voice.sample_rate,
                  "speakers": list(voice.tables.speakers), "groups": len(analysis.groups)},
        "config": analysis.config.to_dict(), "recipe": recipe or {}, "overrides": list(overrides or []),
        "calibration": analysis.calibration,
        "summary": _summary(analysis),
        "importance": _importance_summary(analysis, shapes),
        "curves": _curves(analysis, voice),
        "probes": {"heads": heads, "lstm_gates": analysis.gates, "vocoder_weights": analysis.weights},
        "mel_gain": analysis.am_gain,
        "seconds": analysis.seconds,
        "definitions": definitions(),
    }


def importance_document(analysis: Analysis, report: dict) -> dict:
    """Every unit's score, so that pruning can reuse them without recomputing."""
    return {"schema": IMPORTANCE_SCHEMA, "version": VERSION,
            "weights_sha256": report["voice"]["weights_sha256"],
            "passes": analysis.config.passes, "seed": analysis.config.seed,
            "sentences": analysis.calibration["sentences"],
            "groups": analysis.importance}


def _finite(data):
    """JSON has no NaN or infinity: such values are written as null."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(v) for v in data]
    return data


_NUMBER_LIST = re.compile(r"\[\s*(-?[0-9][-0-9.eE+]*(?:,\s*(?:-?[0-9][-0-9.eE+]*|null))*)\s*\]")


def read_importance(path: Path, voice: Voice | None = None) -> dict[str, list[list[float]]]:
    """The per-unit scores of an importance.json; with `voice`, checked to be of its weights."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"importance file not found: {path}") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError(f"{path} is not valid JSON: {err}") from None
    if doc.get("schema") != IMPORTANCE_SCHEMA or doc.get("version") != VERSION:
        raise InputError(f"{path} is not a version-{VERSION} {IMPORTANCE_SCHEMA} file")
    if voice is not None and doc["weights_sha256"] != weights_sha256(voice):
        raise InputError(f"{path} was measured on other weights than this voice's")
    return doc["groups"]


def _json(data, compact: bool = False) -> str:
    """Indented JSON whose lists of numbers stay on one line (or all on one line)."""
    text = json.dumps(_finite(data), indent=None if compact else 1, ensure_ascii=False, allow_nan=False)
    if not compact:
        text = _NUMBER_LIST.sub(lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]", text)
    return text + "\n"


def write_report(out: Path, analysis: Analysis, report: dict, plots: bool = True) -> Path:
    """Write report.json, importance.json, report.md and the plots into `out`, atomically."""
    with atomic_directory(out, make_parents=True) as tmp:
        images = []
        if plots:
            from sensitivity.plots import write_plots

            images = write_plots(report, tmp)
        (tmp / "report.json").write_text(_json(report), encoding="utf-8")
        (tmp / "importance.json").write_text(_json(importance_document(analysis, report), compact=True),
                                             encoding="utf-8")
        (tmp / "report.md").write_text(render_markdown(report, images), encoding="utf-8")
    return out
