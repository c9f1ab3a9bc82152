"""report.md: the human summary of a sensitivity report (tables from report.json)."""

from __future__ import annotations

from collections import defaultdict


def _pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _num(value, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _summary(report: dict) -> list[str]:
    s = report["summary"]
    heads, gates, weights = (s["heads_under_threshold_last_two_encoder_layers"],
                             s["lstm_gates_active_decoder_side"], s["vocoder_weights_within_threshold"])
    rows = [
        [f"heads under {heads['threshold_db']} dB, last two encoder layers", _pct(heads["seed"]), _pct(heads["measured"])],
        [f"LSTM gates active, decoder side ({gates['lstm']})", _pct(gates["seed"]), _pct(gates["measured"])],
        ["LSTM gates active, all LSTMs", "", _pct(gates["all_lstms"])],
        [f"vocoder conv weights within ±{weights['threshold']}", _pct(weights["seed"]), _pct(weights["measured"])],
    ]
    return ["## The seed's three figures", ""] + _table(["probe", "seed", "this voice"], rows) + [""]


def _heads(report: dict) -> list[str]:
    heads = report["probes"]["heads"]
    if not heads:
        return []
    n = max(len(v) for v in heads["db"].values())
    per_layer = heads["summary"]["per_layer"]
    rows = [[name] + [_num(d) for d in dbs] + [""] * (n - len(dbs)) + [_pct(per_layer[name])]
            for name, dbs in heads["db"].items()]
    threshold = heads["summary"]["threshold_db"]
    return (["## Head masking (dB change when one head is silenced)", ""]
            + _table(["layer"] + [f"h{h}" for h in range(n)] + [f"< {threshold} dB"], rows)
            + ["", f"Share of all heads under {threshold} dB: {_pct(heads['summary']['all_layers'])} "
               f"(encoder {_pct(heads['summary']['encoder'])}, decoder {_pct(heads['summary']['decoder'])}).", ""])


def _gates(report: dict) -> list[str]:
    gates = report["probes"]["lstm_gates"]
    if not gates:
        return []
    rows = []
    for name, layers in gates["layers"].items():
        for suffix, values in layers.items():
            rows.append([name, suffix] + [_pct(values[g]) for g in ("input", "forget", "cell", "output")])
    d = gates["definition"]
    return (["## LSTM gate activity", "",
             f"Active: sigmoid gate > {d['sigmoid_active_above']}, cell candidate |g| > {d['tanh_active_abs_above']}; "
             "fraction of (time step, unit) values, free-running synthesis of the calibration sentences.", ""]
            + _table(["LSTM", "layer", "input", "forget", "cell", "output"], rows) + [""])


def _weights(report: dict) -> list[str]:
    weights = report["probes"]["vocoder_weights"]
    if not weights:
        return []
    by_stage = defaultdict(lambda: [0, 0])
    for name, layer in weights["layers"].items():
        by_stage[layer["stage"]][0] += layer["within"]
        by_stage[layer["stage"]][1] += layer["values"]
    rows = [[stage, str(total), _pct(within / total)] for stage, (within, total) in by_stage.items()]
    return ([f"## Vocoder conv weights (weight norm folded): {_pct(weights['share'])} within "
             f"±{weights['threshold']} of {weights['values']} values", ""]
            + _table(["layers", "values", f"within ±{weights['threshold']}"], rows)
            + ["", "Per layer: `report.json` → probes.vocoder_weights.layers.", ""])


def _curves(report: dict) -> list[str]:
    curves = report["curves"]
    if not curves:
        return []
    lines = ["## Sensitivity curves (dB change vs fraction of units pruned, least important first)", ""]
    by_kind = defaultdict(list)
    for name, curve in curves.items():
        by_kind[curve["kind"]].append((name, curve))
    for kind, items in by_kind.items():
        rows = [[name, curve["measured"], " ".join(f"{f:.2f}:{d:.2f}" for f, d in curve["points"][1:])]
                for name, curve in items]
        lines += [f"### {kind}", ""] + _table(["group", "measured", "fraction:dB"], rows) + [""]
    return lines


def _importance(report: dict) -> list[str]:
    rows = [[name, s["kind"], f"{s['blocks']}×{s['block_size']}", str(s["params_per_unit"]),
             f"{s['mean']:.3g}", f"{s['max']:.3g}", str(s["zero_units"]), _pct(s["top_decile_share"])]
            for name, s in report["importance"].items()]
    return (["## Taylor importance per group", "",
             "Per unit: mean squared first-order Taylor score (acoustic model: normalised output units²; "
             "vocoder: dB²). Every unit's score is in `importance.json`.", ""]
            + _table(["group", "kind", "units", "params/unit", "mean", "max", "zero", "top 10% share"], rows) + [""])


def render_markdown(report: dict, images: list[str]) -> str:
    voice, cal = report["voice"], report["calibration"]
    seconds = ", ".join(f"{k} {v:.1f} s" for k, v in report["seconds"].items())
    lines = [
        "# Sensitivity report", "",
        f"Voice: `{voice['source']}` ({voice['parameters']:,} parameters, {voice['sample_rate']} Hz, "
        f"{voice['groups']} prunable groups; weights sha256 {voice['weights_sha256'][:12]}…).",
        f"Calibration: {cal['sentences']} sentences ({cal['sub_sentences']} sub-sentences, {cal['tokens']} tokens); "
        f"the first {cal['measure_sentences']} for curves and head masking. Speakers in rotation: "
        f"{', '.join(dict.fromkeys(cal['speakers']))}; emotions: "
        f"{', '.join(dict.fromkeys(e or 'as given' for e in cal['emotions']))}.",
        f"Time: {seconds}.", "",
    ]
    lines += _summary(report) + _heads(report) + _gates(report) + _weights(report) + _curves(report)
    lines += _importance(report)
    if images:
        lines += ["## Plots", ""] + [f"![{name}]({name})" for name in images] + [""]
    defs = report["definitions"]
    lines += ["## Definitions", ""] + [f"**{key}.** {text}" + "\n" for key, text in defs.items()]
    return "\n".join(lines)
