"""The precision table and report of the qat stage."""

import copy

from compress.quant.backend import CalibratorSpec
from compress.quant.config import QatConfig
from compress.quant.policy import INT8, plan_layers, precision_counts
from compress.quant.report import layer_table, markdown
from compress.quant.swap import swap
from compress.stage import StageRecord


def test_int8_rows_carry_their_ranges_and_the_report_lists_every_layer(tiny_voice):
    plans = plan_layers(tiny_voice, [r"voc\.conv_post"], "output")
    quant = copy.deepcopy(tiny_voice)
    swap(quant, plans, CalibratorSpec())
    rows = layer_table(plans, quant)
    conv = next(r for r in rows if r["name"] == "voc.conv_pre.conv1d")
    assert conv["precision"] == INT8 and conv["input_amax"] == 1.0 and conv["weight_amax_shape"][1:] == [1, 1]
    assert all("input_amax" not in r for r in rows if r["precision"] != INT8)
    record = StageRecord(changes=rows, metrics={"precision": precision_counts(plans), "db_after_calibration": 0.5})
    text = markdown(record, QatConfig())
    assert all(f"| {r['name']} |" in text for r in rows) and "after calibration 0.500" in text
