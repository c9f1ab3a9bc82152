"""Timing machinery: interleaving, paired ratios, first audio, worker processes.
No assertion is made on how long anything takes."""

from __future__ import annotations

import numpy as np
import pytest

from eval import inputs, speed, workers
from tests.eval.conftest import SYMBOLS, VOICE


def test_paired_ratio_uses_matching_calls_only():
    run = {(0, 0): 2.0, (0, 1): 4.0, (1, 0): 3.0}
    ref = {(0, 0): 1.0, (0, 1): 4.0, (2, 2): 9.0}
    assert speed.paired_ratio(run, ref) == pytest.approx(1.5)  # median of 2.0 and 1.0
    assert speed.paired_ratio(run, {}) is None


def test_interleaving_order(monkeypatch):
    order = []

    def fake_full(voice, encoded, durations=None):
        order.append((voice, encoded))
        return 0.1, 1.0

    monkeypatch.setattr(speed, "time_full", fake_full)
    calls = speed.interleaved(["A", "B", "C"], [["a1", "a2"], ["b1", "b2"], ["c1", "c2"]],
                              repeats=2, warmup=1, first_audio=False)
    # warm-up round, then round 0 starting at A, round 1 starting at B
    assert [v for v, _ in order] == list("ABCABC" + "ABCABC" + "BCABCA")
    assert order[6:9] == [("A", "a1"), ("B", "b1"), ("C", "c1")]
    assert sorted(calls[0].full_s) == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_first_audio_is_timed_to_the_first_chunk(tiny_voice, monkeypatch):
    """A stand-in for compress.streaming.stream (whole-sentence synthesis in two chunks)."""
    from compress import synthesis

    drained = []

    def stand_in(voice, symbols, speed=1.0, durations=None):
        wav = synthesis.synthesize(voice, [symbols]).wav
        yield wav[: len(wav) // 2]
        drained.append(True)
        yield wav[len(wav) // 2:]

    monkeypatch.setattr(speed, "streaming_api", lambda: stand_in)
    item = inputs.read_symbols_file(SYMBOLS)[0]
    encoded = [[inputs.encode_item(tiny_voice, item, None, None)]]
    calls = speed.interleaved([tiny_voice], encoded, repeats=1, warmup=0, first_audio=True)
    assert drained == [True] and list(calls[0].first_s) == [(0, 0)]
    summary = speed.summarize(calls[0], calls[0], streaming=True)
    assert summary["first_audio_mode"] == "stream" and summary["first_audio_ratio"] == 1.0


def test_held_durations_make_every_run_render_the_same_frames(tiny_voice):
    """Timing on the reference's durations: the streamed and whole renders have exactly the
    frames those durations give, whatever the voice would have predicted."""
    from compress.streaming import stream
    from compress.synthesis import SENTENCE_GAP_S

    item = inputs.read_symbols_file(SYMBOLS)[0]
    encoded = inputs.encode_item(tiny_voice, item, None, None)
    held = [np.full(len(line.ling), 3, dtype=np.int64) for line in encoded]
    calls = speed.interleaved([tiny_voice, tiny_voice], [[encoded], [encoded]], repeats=1, warmup=0,
                              first_audio=True, durations=[held])
    hop, rate = tiny_voice.vocoder.arch.hop, tiny_voice.sample_rate
    frames = sum(int(d.sum()) for d in held)
    expected = (frames * hop + (len(encoded) - 1) * int(round(SENTENCE_GAP_S * rate))) / rate
    assert calls[0].audio_s[(0, 0)] == pytest.approx(expected) == calls[1].audio_s[(0, 0)]
    streamed = np.concatenate(list(stream(tiny_voice, encoded[0], durations=held[0])))
    assert len(streamed) == int(held[0].sum()) * hop


def test_without_streaming_first_audio_is_null_not_guessed(tiny_voice, monkeypatch):
    monkeypatch.setattr(tiny_voice.vocoder.arch, "causal", False)  # such a vocoder cannot stream
    item = inputs.read_symbols_file(SYMBOLS)[0]
    encoded = [[inputs.encode_item(tiny_voice, item, None, None)]]
    calls = speed.interleaved([tiny_voice], encoded, repeats=1, warmup=0, first_audio=True)
    summary = speed.summarize(calls[0], calls[0], streaming=False)
    assert summary["first_audio_s"] is None and summary["first_audio_ratio"] is None
    assert summary["first_audio_mode"] is None
    assert summary["full_latency_s"]["n"] == 1 and summary["rtf"] > 0


def test_worker_processes_serve_a_burst():
    from eval.runs import load_runs

    runs, _ = load_runs([VOICE])
    lines = [item.lines for item in inputs.read_symbols_file(SYMBOLS)[:2]]
    rates = workers.throughput(runs, lines, None, "F7", None, concurrency=2, mode="process", requests=4, rounds=2)
    assert len(rates) == 1 and len(rates[0]) == 2 and all(np.isfinite(r) and r > 0 for r in rates[0])


def test_a_failing_worker_is_an_error_not_a_hang(tmp_path):
    with pytest.raises(workers.WorkerError, match="a throughput worker failed"):
        workers.ProcessWorkers(tmp_path / "missing", [[("a",)]], None, None, 1)
