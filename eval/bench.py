"""The whole side-by-side measurement of several runs, returned as plain values.

`run_bench` loads the runs, renders every sentence (free-running and aligned to the
reference's durations), scores quality, counts MACs, times the runs interleaved, measures
throughput and peak memory, and returns the bench.json document plus the audio that the
report writes as samples and plots. Nothing is printed; `progress(phase, done, total)` is
called as work advances.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
from dataclasses import dataclass, field

import numpy as np

import compress
from compress.errors import InputError
from compress.synthesis import uniform_durations
from eval import dnsmos, inputs, macs, memory, precision, prosody, quality, render, speed, workers
from eval.config import BenchConfig
from eval.features import at_analysis_rate
from eval.runs import Run, backend, load_runs

SCHEMA = "sambert-compress/bench"
VERSION = 1


@dataclass
class RunAudio:
    """What one run produced in the quality pass (kept for samples and plots)."""

    free: list[render.Rendered] = field(default_factory=list)
    aligned: list[render.Rendered] = field(default_factory=list)


@dataclass
class BenchResult:
    document: dict  # bench.json
    items: list[inputs.BenchItem]
    audio: dict[str, RunAudio]  # by run name


def _noop(*_args) -> None:
    return None


def run_bench(paths: list, config: BenchConfig, reference: str | None = None,
              overrides: list[str] | None = None, progress=None) -> BenchResult:
    if not config.enabled:
        raise InputError("the bench recipe is disabled (bench=none); choose bench=default")
    progress = progress or _noop
    runs, ref_index = load_runs(paths, reference, progress)
    ref = runs[ref_index]
    speaker = config.speaker or ref.voice.tables.speakers[0]
    items, long_items = inputs.load_items(config.input, config.sentences, config.emotion, speaker,
                                          config.long_texts)
    encoded = [[inputs.encode_item(run.voice, item, speaker, config.emotion) for item in items] for run in runs]
    records = [_new_record(run, run is ref) for run in runs]
    audio = _quality_pass(runs, ref_index, encoded, config, records, progress)
    _count_macs(runs, encoded, config, records, progress)
    _time_runs(runs, ref_index, items, encoded, speaker, config, records, progress,
               _timing_durations(config.speed.durations, audio[ref_index], encoded[ref_index]))
    _probe_memory(runs, items, speaker, config, records, progress)
    _styles(runs, items, speaker, config, records, progress)
    _stability(runs, long_items, speaker, config, records, progress)
    _ratios(records, ref_index)
    document = {
        "schema": SCHEMA, "version": VERSION,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "tool_version": compress.__version__, "environment": environment(),
        "config": config.to_dict(), "overrides": list(overrides or []),
        "reference": ref.name, "inputs": _inputs_doc(config, items, long_items, speaker),
        "runs": records, "gate": None,
    }
    return BenchResult(document, items, {run.name: a for run, a in zip(runs, audio)})


def environment() -> dict:
    import torch

    return {
        "python": platform.python_version(), "torch": torch.__version__,
        "machine": platform.machine(), "processor": _cpu_name(), "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(), "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "device": "cpu",
    }


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _inputs_doc(config, items, long_items, speaker) -> dict:
    return {
        "source": config.input, "frontend": any(i.text is not None for i in items),
        "speaker": speaker, "emotion": config.emotion,
        "sentences": [{"id": i.id, "domain": i.domain, "text": i.text, "tokens": i.tokens} for i in items],
        "long_texts": [i.id for i in long_items],
        "warnings": [f"{i.id}: {w}" for i in items + long_items for w in i.warnings],
    }


def _new_record(run: Run, is_reference: bool) -> dict:
    runtime, computes_in = backend(run.voice)
    return {
        "name": run.name, "path": str(run.path), "kind": run.kind, "is_reference": is_reference,
        "backend": runtime, "precision": computes_in,
        "size": {"params": run.voice.parameter_count(), "disk_bytes": run.disk_bytes,
                 "weight_bytes": run.weight_bytes(), "files": [str(f) for f in run.weight_files]},
        "layers": precision.layer_rows(run.voice),
        "speed": {}, "memory": {}, "quality": {}, "durations": {}, "prosody": {},
        "stability": None, "sentences": [],
    }


def _quality_pass(runs, ref_index, encoded, config, records, progress) -> list[RunAudio]:
    """Free-running and aligned renders of every sentence; pairwise and no-reference scores."""
    qc, ref = config.quality, runs[ref_index]
    audio = [RunAudio() for _ in runs]
    scores = [_RunScores(prosody.ProsodyAccumulator(qc.f0_method)) for _ in runs]
    total, done = len(encoded[0]) * len(runs), 0
    for item in range(len(encoded[0])):
        ref_free = render.render(ref.voice, encoded[ref_index][item])
        ref_aligned = render.render(ref.voice, encoded[ref_index][item], ref_free.durations)
        ref16 = at_analysis_rate(ref_aligned.wav, ref_aligned.sample_rate)
        for k, run in enumerate(runs):
            own = encoded[k][item]
            free = ref_free if k == ref_index else render.render(run.voice, own)
            aligned = ref_aligned if k == ref_index else render.render(run.voice, own, ref_free.durations)
            scores[k].add(run.voice, own, free, aligned, ref16, ref_free.durations, qc)
            audio[k].free.append(free)
            audio[k].aligned.append(aligned)
            done += 1
            progress("quality", done, total)
    for record, run_scores in zip(records, scores):
        record.update(run_scores.document())
    return audio


@dataclass
class _RunScores:
    """One run's quality-pass results, sentence by sentence."""

    prosody: prosody.ProsodyAccumulator
    pairs: list = field(default_factory=list)
    mos: list = field(default_factory=list)
    drift: list = field(default_factory=list)
    rows: list = field(default_factory=list)

    def add(self, voice, encoded, free, aligned, ref16, ref_durations, qc) -> None:
        free16 = at_analysis_rate(free.wav, free.sample_rate)
        pair = quality.compare(ref16, at_analysis_rate(aligned.wav, aligned.sample_rate),
                               qc.f0_method, qc.pesq, qc.stoi)
        score = dnsmos.score(free16) if qc.dnsmos else None
        hop_s = voice.audio.hop_length / voice.sample_rate
        self.prosody.add(free16, voice.tables, encoded, free.durations, hop_s)
        self.pairs.append(pair)
        self.mos.append(score)
        self.drift.append(render.duration_drift(free.durations, ref_durations))
        self.rows.append(_sentence_row(free, aligned, pair, score))

    def document(self) -> dict:
        return {"quality": _quality_doc(self.pairs, self.mos), "durations": _drift_doc(self.drift),
                "prosody": {**_prosody_doc(self.prosody.result()), "by_emotion": {}}, "sentences": self.rows}


def _sentence_row(free, aligned, pair, score) -> dict:
    return {
        "audio_s": free.seconds, "aligned_audio_s": aligned.seconds,
        "mcd_db": pair.mcd_sum / pair.frames if pair.frames else None,
        "pesq_wb": pair.pesq_wb, "stoi": pair.stoi,
        "lsd_hf_db": pair.lsd_hf_sum / pair.lsd_hf_frames if pair.lsd_hf_frames else None,
        "dnsmos_p808": score["p808"] if score else None,
    }


def _quality_doc(pairs, scores) -> dict:
    doc = quality.summarize(pairs)
    kept = [s for s in scores if s is not None]
    means = dnsmos.mean_scores(kept) if kept else {name: None for name in dnsmos.FIELDS}
    doc.update({f"dnsmos_{name}": value for name, value in means.items()})
    doc["dnsmos_p808_delta"] = None
    return doc


def _drift_doc(drifts: list[dict]) -> dict:
    tokens = sum(d["tokens"] for d in drifts)
    frames, ref_frames = sum(d["frames"] for d in drifts), sum(d["reference_frames"] for d in drifts)
    return {
        "tokens": tokens,
        "mean_abs_error_frames": sum(d["abs_error_frames"] for d in drifts) / tokens if tokens else None,
        "exact_fraction": sum(d["exact"] for d in drifts) / tokens if tokens else None,
        "total_ratio": frames / ref_frames if ref_frames else None,
    }


def _prosody_doc(result: dict) -> dict:
    keys = ("f0_median_hz", "syllables_per_s", "voiced_frames", "syllables", "phone_seconds")
    return {key: result[key] for key in keys}


def _count_macs(runs, encoded, config, records, progress) -> None:
    count = min(config.macs_sentences, len(encoded[0]))
    for k, run in enumerate(runs):
        doc = {"macs_per_audio_s": None, "am_macs_per_audio_s": None, "voc_macs_per_audio_s": None,
               "macs_sentences": count}
        if count:
            found = [macs.synthesis_macs(run.voice, encoded[k][i]) for i in range(count)]
            seconds = sum(f["audio_s"] for f in found)
            am, voc = sum(f["am"] for f in found), sum(f["voc"] for f in found)
            doc.update({"macs_per_audio_s": (am + voc) / seconds, "am_macs_per_audio_s": am / seconds,
                        "voc_macs_per_audio_s": voc / seconds})
        records[k]["memory"].update(doc)
        progress("macs", k + 1, len(runs))


def _timing_durations(choice, ref_audio: RunAudio, ref_encoded: list) -> list | None:
    """Durations every run is timed on (per item, per line), or None for their own."""
    if choice == "own":
        return None
    if choice == "reference":
        return [rendered.durations for rendered in ref_audio.free]
    return [uniform_durations(item, choice) for item in ref_encoded]


def _time_runs(runs, ref_index, items, encoded, speaker, config, records, progress, durations) -> None:
    sc, tc = config.speed, config.throughput
    voices = [run.voice for run in runs]
    with speed.torch_threads(sc.threads) as threads:
        calls = speed.interleaved(voices, encoded, sc.repeats, sc.warmup, sc.first_audio, progress, durations)
    streaming = sc.first_audio
    for k in range(len(runs)):
        records[k]["speed"] = {**speed.summarize(calls[k], calls[ref_index], streaming), "torch_threads": threads,
                               "durations": sc.durations}
    rates = None
    if tc.concurrency:
        lines = [item.lines for item in items]
        rates = workers.throughput(runs, lines, encoded, speaker, config.emotion, tc.concurrency, tc.mode,
                                   tc.burst(len(items), _median_latency(records[ref_index])), tc.rounds, progress)
    for k in range(len(runs)):
        records[k]["speed"].update(_throughput_doc(rates, k, ref_index, tc))


def _median_latency(record: dict) -> float | None:
    stats = record["speed"].get("full_latency_s")
    return stats["median"] if stats else None


def _throughput_doc(rates, k, ref_index, tc) -> dict:
    if rates is None:
        return {"throughput_sps": None, "throughput_ratio": None, "throughput_rounds": [],
                "concurrency": 0, "throughput_mode": None}
    ratios = [a / b for a, b in zip(rates[k], rates[ref_index])]
    return {
        "throughput_sps": float(np.median(rates[k])), "throughput_ratio": float(np.median(ratios)),
        "throughput_rounds": rates[k], "concurrency": tc.concurrency, "throughput_mode": tc.mode,
    }


def _probe_memory(runs, items, speaker, config, records, progress) -> None:
    for k, run in enumerate(runs):
        found = {"peak_rss_bytes": None, "baseline_rss_bytes": None, "loaded_rss_bytes": None,
                 "peak_gpu_bytes": None, "device": "cpu"}
        if config.memory:
            found = memory.probe(run.path, items[0].lines, speaker, config.emotion)
        records[k]["memory"].update(found)
        progress("memory", k + 1, len(runs))


def _styles(runs, items, speaker, config, records, progress) -> None:
    emotions = config.styles.emotions
    if not emotions:
        return
    from eval.styles import measure_styles

    subset = items[: config.styles.sentences]
    for k, run in enumerate(runs):
        rows = measure_styles(run.voice, subset, [speaker], emotions, config.quality.f0_method,
                              with_dnsmos=False)
        records[k]["prosody"]["by_emotion"] = {
            row["emotion"]: {"f0_median_hz": row["f0_median_hz"], "syllables_per_s": row["syllables_per_s"]}
            for row in rows}
        progress("styles", k + 1, len(runs))


def _stability(runs, long_items, speaker, config, records, progress) -> None:
    if not long_items:
        return
    for k, run in enumerate(runs):
        waves, chars = [], 0
        for item in long_items:
            encoded = inputs.encode_item(run.voice, item, speaker, config.emotion)
            waves.append(render.render(run.voice, encoded).wav)
            chars += len(item.text or "")
        wav = np.concatenate(waves)
        finite = bool(np.all(np.isfinite(wav)))
        seconds = len(wav) / run.voice.sample_rate
        records[k]["stability"] = {
            "texts": len(long_items), "characters": chars, "audio_s": seconds,
            "seconds_per_char": seconds / chars if chars else None,
            "finite": finite, "max_abs": float(np.max(np.abs(wav))) if finite else None,
            "clipped_fraction": float(np.mean(np.abs(wav) >= 1.0)) if finite else None,
        }
        progress("stability", k + 1, len(runs))


def _ratio(value, reference):
    if value is None or reference in (None, 0):
        return None
    return value / reference


def _ratios(records, ref_index) -> None:
    ref = records[ref_index]
    for rec in records:
        rec["size"]["params_ratio"] = _ratio(rec["size"]["params"], ref["size"]["params"])
        rec["size"]["disk_ratio"] = _ratio(rec["size"]["disk_bytes"], ref["size"]["disk_bytes"])
        mem, ref_mem = rec["memory"], ref["memory"]
        mem["peak_rss_ratio"] = _ratio(mem["peak_rss_bytes"], ref_mem["peak_rss_bytes"])
        mem["macs_ratio"] = _ratio(mem["macs_per_audio_s"], ref_mem["macs_per_audio_s"])
        q, ref_q = rec["quality"], ref["quality"]
        if q["dnsmos_p808"] is not None and ref_q["dnsmos_p808"] is not None:
            q["dnsmos_p808_delta"] = q["dnsmos_p808"] - ref_q["dnsmos_p808"]
