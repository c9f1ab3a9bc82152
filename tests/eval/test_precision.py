"""The bench's precision section: rows read from a voice's qat mode, side by side with float runs."""

from __future__ import annotations

from types import SimpleNamespace

from eval import precision
from eval.report import precision_section

ROWS = [
    {"name": "am.encoder.fc", "kind": "Linear", "precision": "int8", "weight_axis": 0, "reason": ""},
    {"name": "am.duration_lstm", "kind": "LSTM", "precision": "float", "weight_axis": None, "reason": "LSTM"},
    {"name": "voc.conv_post.conv1d", "kind": "Conv1d", "precision": precision.ISLAND, "weight_axis": None,
     "reason": "precision island (qat.islands)"},
]


def _voice(*modes):
    return SimpleNamespace(modes=list(modes))


def test_the_island_name_is_the_qat_stages():
    from compress.quant.policy import ISLAND

    assert precision.ISLAND == ISLAND


def test_rows_come_from_the_newest_qat_mode():
    old = {"stage": "qat", "mode": {"layers": ROWS[:1]}}
    new = {"stage": "qat", "mode": {"layers": ROWS}}
    prune = {"stage": "prune", "mode": {"widths": {}}}
    assert precision.layer_rows(_voice(prune, old, new, prune)) == ROWS
    assert precision.layer_rows(_voice(prune)) is None
    assert precision.layer_rows(SimpleNamespace()) is None
    assert precision.layer_rows(_voice({"stage": "qat", "mode": {"layers": ROWS, "stripped": True}})) is None


def test_counts_and_cells_side_by_side():
    assert precision.counts(ROWS) == {"int8": 1, "float": 1, precision.ISLAND: 1}
    runs = [{"name": "orig", "precision": "fp32", "layers": None},
            {"name": "q", "precision": "fp32", "layers": ROWS},
            {"name": "q-no-islands", "precision": "fp32", "layers": ROWS[:2]}]
    names, cells = precision.side_by_side(runs)
    assert names == [r["name"] for r in ROWS]
    assert cells[0] == ["fp32", "int8", "int8"]
    assert cells[2] == ["fp32", precision.ISLAND, "—"]


def test_report_section_lists_islands_and_every_layer():
    doc = {"runs": [{"name": "orig", "precision": "fp32", "layers": None},
                    {"name": "02-qat", "precision": "fp32", "layers": ROWS}]}
    text = "\n".join(precision_section(doc))
    assert "| 02-qat | int8 1, float 1, fp16-on-gpu/fp32-on-cpu 1 | voc.conv_post.conv1d |" in text
    assert "| orig | all fp32 | — |" in text
    assert "| voc.conv_post.conv1d | fp32 | fp16-on-gpu/fp32-on-cpu |" in text
    assert precision_section({"runs": [{"name": "orig", "layers": None}]}) == []
