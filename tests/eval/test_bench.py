"""The measurement is sound: a voice against itself gives 0 dB and ratios of 1; a degraded
copy is caught by the gate, every crossing metric named. No timing assertions: latency and
throughput ratios are measured on a shared machine, so only their presence is checked."""

from __future__ import annotations

import json

import pytest

from eval import gate
from eval.gate import METRICS, metric_value

# the default gate without its timing rules (speed.*): tests make no timing assertions
DEFAULT_THRESHOLDS = [r for r in gate.load_thresholds(gate.__file__.replace("gate.py", "thresholds/default.yaml"))
                      if not r.metric.startswith("speed.")]


def runs(result):
    ref, same, degraded = result.document["runs"]
    return ref, same, degraded


def test_self_comparison_is_exact(bench_result):
    ref, same, _ = runs(bench_result)
    assert ref["is_reference"] and not same["is_reference"]
    for run in (ref, same):
        q = run["quality"]
        assert q["mcd_db"] == 0.0
        assert q["vuv_error"] == 0.0
        # the tiny voice's random weights make noise: no frame is voiced, so F0 RMSE is null
        # (F0 RMSE 0 on a voiced signal is tested in test_quality)
        assert q["f0_rmse_cents"] in (0.0, None)
        assert q["pesq_wb"] == pytest.approx(4.644, abs=1e-3)
        assert q["stoi"] is None or q["stoi"] == pytest.approx(1.0, abs=1e-6)
        assert q["dnsmos_p808_delta"] == pytest.approx(0.0, abs=1e-9)
        assert run["durations"]["mean_abs_error_frames"] == 0.0
        assert run["durations"]["total_ratio"] == 1.0


def test_self_comparison_ratios(bench_result):
    ref, same, _ = runs(bench_result)
    assert same["size"]["params_ratio"] == 1.0 and same["size"]["disk_ratio"] == 1.0
    assert same["memory"]["macs_ratio"] == 1.0
    # peak RSS of two fresh processes doing the same work: within 5 %
    assert same["memory"]["peak_rss_ratio"] == pytest.approx(1.0, abs=0.05)
    for key in ("latency_ratio", "rtf_ratio", "throughput_ratio"):
        assert same["speed"][key] > 0
    assert ref["speed"]["latency_ratio"] == 1.0


def test_gate_passes_the_copy_and_names_every_crossing_of_the_degraded_run(bench_result):
    crossings = gate.check(bench_result.document, DEFAULT_THRESHOLDS)
    names = {c.run for c in crossings}
    assert names == {"01-degrade"}, [c.message() for c in crossings]
    metrics = {c.rule.metric for c in crossings}
    assert {"quality.mcd_db", "quality.pesq_wb"} <= metrics
    for crossing in crossings:
        assert crossing.message().startswith("01-degrade: " + crossing.rule.metric)
    # every rule that the degraded run's values cross is reported, not only the first
    degraded = runs(bench_result)[2]
    ref = runs(bench_result)[0]
    expected = {(r.metric, r.kind) for r in DEFAULT_THRESHOLDS
                if metric_value(degraded, r.metric) is not None
                and gate.crosses(r, metric_value(degraded, r.metric), metric_value(ref, r.metric))}
    assert {(c.rule.metric, c.rule.kind) for c in crossings} == expected


def test_degraded_quality_is_worse(bench_result):
    _, _, degraded = runs(bench_result)
    assert degraded["quality"]["mcd_db"] > 1.5
    assert degraded["quality"]["pesq_wb"] < 3.5
    # the acoustic model is untouched: same durations, same MACs
    assert degraded["durations"]["mean_abs_error_frames"] == 0.0
    assert degraded["memory"]["macs_ratio"] == 1.0


def test_document_schema(bench_result):
    doc = bench_result.document
    assert doc["schema"] == "sambert-compress/bench" and doc["version"] == 1
    for key in ("created", "tool_version", "environment", "config", "overrides", "reference", "inputs", "runs", "gate"):
        assert key in doc
    json.dumps(doc)  # plain JSON values only
    for run in doc["runs"]:
        for key in ("name", "path", "kind", "is_reference", "size", "speed", "memory", "quality", "durations",
                    "prosody", "stability", "sentences"):
            assert key in run, key
        for metric in METRICS:
            parent, leaf = metric.rsplit(".", 1)
            holder = metric_value(run, parent)
            # null objects: stability without long texts, first_audio_s without streaming
            assert holder is None or leaf in holder, metric
        assert len(run["sentences"]) == 2
        assert set(run["prosody"]["by_emotion"]) == {"neutral", "sad"}
        assert run["memory"]["peak_gpu_bytes"] is None and run["memory"]["device"] == "cpu"
        assert run["speed"]["first_audio_mode"] in (None, "stream")


def test_readme_documents_every_metric():
    from pathlib import Path

    readme = (Path(gate.__file__).parent / "README.md").read_text(encoding="utf-8")
    for metric in METRICS:
        assert f"`{metric}`" in readme, metric


def test_nsf_voice_bench_smoke():
    """An NSF voice benches; its runs draw with a fixed seed, so against itself it is exact."""
    from eval.bench import run_bench
    from eval.config import load_config
    from tests.conftest import NSF_TINY
    from tests.eval.conftest import SYMBOLS

    quick = ["bench=quick", f"bench.input={SYMBOLS}", "bench.sentences=1", "bench.samples=0", "bench.memory=false",
             "bench.macs_sentences=0", "bench.throughput.concurrency=0", "bench.speed.warmup=0",
             "bench.speed.repeats=1", "bench.quality.dnsmos=false", "bench.quality.stoi=false"]
    voice = NSF_TINY / "voices"
    ref, same = run_bench([voice, voice], load_config(quick), overrides=quick).document["runs"]
    assert same["quality"]["mcd_db"] == 0.0 and same["quality"]["vuv_error"] == 0.0
    assert same["quality"]["pesq_wb"] == pytest.approx(ref["quality"]["pesq_wb"]) and ref["quality"]["pesq_wb"] > 4.5
