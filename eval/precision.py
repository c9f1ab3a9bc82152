"""The per-layer precision of a run, read from the modes its stage dirs recorded.

A qat stage records one row per layer (int8, a precision island, or float by policy, with
the reason); a run with no qat mode in its history computes every layer in its backend's
float precision. The bench puts the rows side by side so that islands can be judged next to
the high-frequency error (eval.quality's LSD above 4 kHz).
"""

from __future__ import annotations

QAT_STAGE = "qat"
INT8 = "int8"
ISLAND = "fp16-on-gpu/fp32-on-cpu"  # the qat stage's name for a precision island


def qat_rows(modes: list[dict]) -> list[dict] | None:
    """The newest qat mode's rows ({name, kind, precision, weight_axis, reason}) of a list of
    recorded modes (a voice's, or arch.json's); None when there is no qat mode or its QAT was
    stripped back to float weights."""
    for record in reversed(modes or []):
        if record.get("stage") == QAT_STAGE:
            mode = record.get("mode") or {}
            return None if mode.get("stripped") else [dict(row) for row in mode.get("layers", [])]
    return None


def layer_rows(voice) -> list[dict] | None:
    """qat_rows of a loaded voice."""
    return qat_rows(getattr(voice, "modes", None))


def fake_quantized(rows: list[dict] | None) -> bool:
    """Some layer computes INT8 numbers (in torch: in float, on the INT8 grid)."""
    return any(row["precision"] == INT8 for row in rows or [])


def counts(rows: list[dict] | None) -> dict[str, int]:
    """Layers per precision, in the order first seen."""
    result: dict[str, int] = {}
    for row in rows or []:
        result[row["precision"]] = result.get(row["precision"], 0) + 1
    return result


def side_by_side(runs: list[dict]) -> tuple[list[str], list[list[str]]]:
    """(layer names, one precision cell per run for each layer) over every layer that some
    quantized run records; a run without rows shows its own precision (fp32, say)."""
    names: list[str] = []
    by_run = []
    for run in runs:
        table = {row["name"]: row["precision"] for row in run.get("layers") or []}
        names += [n for n in table if n not in names]
        by_run.append(table)
    cells = [[_cell(run, table, name) for run, table in zip(runs, by_run)] for name in names]
    return names, cells


def _cell(run: dict, table: dict, name: str) -> str:
    if not table:  # a float run: every layer in the backend's precision
        return run.get("precision", "fp32")
    return table.get(name, "—")  # a layer this quantized run does not have
