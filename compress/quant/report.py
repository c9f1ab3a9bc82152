"""The qat stage's per-layer precision table and report.md."""

from __future__ import annotations

from compress.models.voice import Voice
from compress.quant import backend
from compress.quant.policy import INT8, LayerPlan
from compress.quant.swap import quantized_layers
from compress.stage import StageRecord


def layer_table(plans: list[LayerPlan], voice: Voice) -> list[dict]:
    """One row per layer: its precision, and for an INT8 layer its input range and the
    axis and shape of its per-channel weight ranges."""
    layers = quantized_layers(voice)
    rows = []
    for plan in plans:
        row = plan.to_dict()
        if plan.precision == INT8:
            layer = layers[plan.name]
            row["input_amax"] = round(float(backend.amax(layer.input_quantizer)), 6)
            row["weight_amax_shape"] = list(backend.amax(layer.weight_quantizer).shape)
            if layer.output_quantizer is not None:
                row["output_amax"] = round(float(backend.amax(layer.output_quantizer)), 6)
        rows.append(row)
    return rows


def markdown(record: StageRecord, config) -> str:
    m = record.metrics
    lines = ["# qat", "",
             f"Calibrator: {config.calibrator} (decay {config.ema_decay}), {config.calib_sentences} sentences; "
             f"QAT {config.steps} acoustic-model / {config.vocoder_steps} vocoder steps, ranges frozen after "
             f"{config.freeze_step}; transposed-conv weight scales per {config.transpose_axis} channel; "
             f"conv outputs quantized in: {', '.join(config.conv_outputs()) or 'none'}.", "",
             "| precision | layers |", "|---|---|"]
    lines += [f"| {name} | {count} |" for name, count in m["precision"].items()]
    lines += ["", f"Distance from the float parent (dB, durations held): after calibration "
              f"{m['db_after_calibration']:.3f}"
              + (f", after QAT {m['db_after_qat']:.3f}" if "db_after_qat" in m else ""), "",
              "| layer | kind | precision | weight axis | input amax | output amax | why |",
              "|---|---|---|---|---|---|---|"]
    for row in record.changes:
        amax, out = (f"{row[key]:.4g}" if key in row else "" for key in ("input_amax", "output_amax"))
        axis = "" if row["weight_axis"] is None else str(row["weight_axis"])
        lines.append(f"| {row['name']} | {row['kind']} | {row['precision']} | {axis} | {amax} | {out} | {row['reason']} |")
    return "\n".join(lines) + "\n"
