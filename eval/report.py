"""Writing a bench: bench.json, bench.md, PNG plots and WAV samples, all or nothing.

Everything is written into a temporary folder beside `out` and renamed to `out` at the end,
so a failed or interrupted bench leaves no half-written output folder.
"""

from __future__ import annotations

import json
from pathlib import Path

from compress.audio_io import wav_bytes
from compress.files import atomic_directory
from eval import plots, precision
from eval.bench import BenchResult


def write_report(result: BenchResult, out: Path, samples: int) -> Path:
    with atomic_directory(out) as tmp:
        doc = result.document
        for run in doc["runs"]:
            run["samples"] = _write_samples(tmp, run["name"], result, samples)
        figures = plots.write_plots(tmp, result)
        (tmp / "bench.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (tmp / "bench.md").write_text(markdown(doc, figures), encoding="utf-8")
    return Path(out)


def _write_samples(tmp: Path, name: str, result: BenchResult, count: int) -> list[str]:
    folder = tmp / "samples" / name
    written = []
    for item, rendered in list(zip(result.items, result.audio[name].free))[:count]:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{item.id}.wav").write_bytes(wav_bytes(rendered.wav, rendered.sample_rate))
        written.append(f"samples/{name}/{item.id}.wav")
    return written


# ---- bench.md -------------------------------------------------------------------------------

def _num(value, fmt: str, unit: str = "") -> str:
    return "—" if value is None else f"{value:{fmt}}{unit}"


def _mb(value) -> str:
    return "—" if value is None else f"{value / 1e6:.1f} MB"


def _count(value) -> str:
    if value is None:
        return "—"
    return f"{value / 1e6:.2f} M" if value >= 1e6 else f"{value / 1e3:.1f} k"


def _latency(stats) -> str:
    return "—" if not stats else f"{stats['median']:.3f} / {stats['p90']:.3f} s"


def _change(run: dict) -> str:
    if run["is_reference"]:
        return "reference"
    s = run["speed"]
    parts = []
    for label, value, spread in (("latency", s.get("latency_ratio"), s.get("latency_ratio_iqr")),
                                 ("first audio", s.get("first_audio_ratio"), s.get("first_audio_ratio_iqr")),
                                 ("throughput", s.get("throughput_ratio"), None),
                                 ("memory", run["memory"].get("peak_rss_ratio"), None),
                                 ("size", run["size"].get("disk_ratio"), None)):
        if value is not None:
            parts.append(f"{label} ×{value:.2f}" + (f" ({spread[0]:.2f}-{spread[1]:.2f})" if spread else ""))
    delta = run["quality"].get("dnsmos_p808_delta")
    if delta is not None:
        parts.append(f"DNSMOS {delta:+.2f}")
    return ", ".join(parts) or "—"


def main_table(doc: dict) -> list[str]:
    concurrency = next((r["speed"].get("concurrency") for r in doc["runs"] if r["speed"].get("concurrency")), 0)
    lines = [
        f"| run | first audio | full sentence (median / p90) | RTF | throughput ({concurrency} concurrent) "
        "| peak memory | size | params | MCD | F0 RMSE | PESQ | STOI | DNSMOS | backend | change vs reference |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in doc["runs"]:
        s, m, q, z = run["speed"], run["memory"], run["quality"], run["size"]
        name = f"**{run['name']}** (reference)" if run["is_reference"] else run["name"]
        first = s.get("first_audio_s")
        lines.append(" | ".join([
            f"| {name}", "—" if not first else f"{first['median']:.3f} s", _latency(s.get("full_latency_s")),
            _num(s.get("rtf"), ".3f"), _num(s.get("throughput_sps"), ".2f", " sent/s"),
            _mb(m.get("peak_rss_bytes")), _mb(z["disk_bytes"]), _count(z["params"]),
            _num(q.get("mcd_db"), ".2f", " dB"), _num(q.get("f0_rmse_cents"), ".1f", " cents"),
            _num(q.get("pesq_wb"), ".2f"), _num(q.get("stoi"), ".3f"), _num(q.get("dnsmos_p808"), ".2f"),
            f"{run.get('backend', 'torch')} {run.get('precision', 'fp32')}", _change(run) + " |",
        ]))
    return lines


def detail_table(doc: dict) -> list[str]:
    lines = [
        "| run | voicing error | duration drift | length vs reference | MACs per audio second (AM + vocoder) "
        "| median F0 | speaking rate | DNSMOS OVRL / SIG / BAK | LSD above 4 kHz |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in doc["runs"]:
        q, d, m, p = run["quality"], run["durations"], run["memory"], run["prosody"]
        macs = "—" if m.get("macs_per_audio_s") is None else (
            f"{m['macs_per_audio_s'] / 1e9:.2f} G ({m['am_macs_per_audio_s'] / 1e9:.2f} + "
            f"{m['voc_macs_per_audio_s'] / 1e9:.2f})")
        lines.append(" | ".join([
            f"| {run['name']}", _num(q.get("vuv_error"), ".3f"),
            _num(d.get("mean_abs_error_frames"), ".2f", " frames/token"), _num(d.get("total_ratio"), ".3f", "×"),
            macs, _num(p.get("f0_median_hz"), ".1f", " Hz"), _num(p.get("syllables_per_s"), ".2f", " syll/s"),
            f"{_num(q.get('dnsmos_ovrl'), '.2f')} / {_num(q.get('dnsmos_sig'), '.2f')} / "
            f"{_num(q.get('dnsmos_bak'), '.2f')}", _num(q.get("lsd_hf_db"), ".2f", " dB") + " |",
        ]))
    return lines


def precision_section(doc: dict) -> list[str]:
    """Layers per precision for every run, then the per-layer table (folded)."""
    runs = doc["runs"]
    if not any(r.get("layers") for r in runs):
        return []
    lines = ["", "## Precision", "", "| run | layers per precision | islands |", "|---|---|---|"]
    for run in runs:
        rows = run.get("layers")
        spread = ", ".join(f"{k} {v}" for k, v in precision.counts(rows).items()) if rows else \
            f"all {run.get('precision', 'fp32')}"
        islands = ", ".join(r["name"] for r in rows or [] if r["precision"] == precision.ISLAND) or "—"
        lines.append(f"| {run['name']} | {spread} | {islands} |")
    names, cells = precision.side_by_side(runs)
    lines += ["", "<details><summary>Per-layer precision</summary>", "",
              "| layer | " + " | ".join(r["name"] for r in runs) + " |", "|---|" + "---|" * len(runs)]
    lines += [f"| {name} | " + " | ".join(row) + " |" for name, row in zip(names, cells)]
    return lines + ["", "</details>"]


def emotion_table(doc: dict) -> list[str]:
    emotions = sorted({e for r in doc["runs"] for e in r["prosody"].get("by_emotion", {})})
    if not emotions:
        return []
    lines = ["", "## Emotions (median F0 / speaking rate)", "",
             "| run | " + " | ".join(emotions) + " |", "|---|" + "---|" * len(emotions)]
    for run in doc["runs"]:
        cells = []
        for emotion in emotions:
            row = run["prosody"]["by_emotion"].get(emotion, {})
            cells.append(f"{_num(row.get('f0_median_hz'), '.0f', ' Hz')} / {_num(row.get('syllables_per_s'), '.2f')}")
        lines.append(f"| {run['name']} | " + " | ".join(cells) + " |")
    return lines


def stability_table(doc: dict) -> list[str]:
    runs = [r for r in doc["runs"] if r.get("stability")]
    if not runs:
        return []
    lines = ["", "## Long texts", "", "| run | texts | audio | seconds per character | finite | peak | clipped |",
             "|---|---|---|---|---|---|---|"]
    for run in runs:
        st = run["stability"]
        lines.append(f"| {run['name']} | {st['texts']} | {st['audio_s']:.1f} s | {_num(st['seconds_per_char'], '.3f')} "
                     f"| {st['finite']} | {_num(st['max_abs'], '.3f')} | {_num(st['clipped_fraction'], '.4f')} |")
    return lines


def gate_section(doc: dict) -> list[str]:
    gate = doc.get("gate")
    if not gate:
        return []
    head = "passed" if gate["passed"] else f"FAILED: {len(gate['crossings'])} crossing(s)"
    lines = ["", f"## Gate ({gate['thresholds']}): {head}"]
    if gate["crossings"]:
        lines += [""] + [f"- {c['message']}" for c in gate["crossings"]]
    return lines


def _durations_note(choice) -> str:
    if choice == "own":
        return "each run on its own predicted durations. "
    held = "the reference's phone durations" if choice == "reference" else f"{choice} frames per token"
    return (f"every run on {held}, so that the runs do the same work (the duration predictor runs "
            "teacher-forced; `bench.speed.durations=own` times predicted durations). ")


def markdown(doc: dict, figures: list[str]) -> str:
    env, inp, cfg = doc["environment"], doc["inputs"], doc["config"]
    streaming = any(r["speed"].get("first_audio_mode") for r in doc["runs"])
    lines = [
        f"# Benchmark: {', '.join(r['name'] for r in doc['runs'])}", "",
        f"{doc['created']} · {env['processor']} ({env['cpu_count']} CPUs, torch {env['torch']}) · "
        f"{len(inp['sentences'])} sentences from `{inp['source']}`, speaker {inp['speaker']} · "
        f"{cfg['speed']['repeats']} timed rounds after {cfg['speed']['warmup']} warm-up, interleaved across "
        f"runs, {doc['runs'][0]['speed'].get('torch_threads')} torch threads · reference: {doc['reference']}", "",
        *main_table(doc), "",
        "Full sentence: symbols in hand to the whole waveform (the text frontend is not timed), "
        + _durations_note(cfg["speed"].get("durations", "own"))
        + "First audio: " + ("to the first streamed chunk." if streaming else
                             "— (no run has a causal vocoder, so it is not measured).") +
        " Ratios are medians of side-by-side ratios per sentence and round (in brackets: their interquartile "
        "range, the noise of the machine). MCD, F0 RMSE, PESQ and STOI compare "
        "each run with the reference on the reference's phone durations; DNSMOS is P.808 of the run's own "
        "free-running output. Definitions: eval/README.md.", "",
        "## Details", "", *detail_table(doc),
        *emotion_table(doc), *precision_section(doc), *stability_table(doc), *gate_section(doc),
    ]
    if figures:
        lines += ["", "## Plots", ""] + [f"![{Path(f).stem}]({f})" for f in figures]
    if inp["warnings"]:
        lines += ["", "## Frontend warnings", ""] + [f"- {w}" for w in inp["warnings"]]
    return "\n".join(lines) + "\n"
