"""Latency, first audio and real-time factor, measured interleaved across runs.

Every timed call synthesizes one benchmark sentence from symbols in hand (the text frontend
is not timed). Round r times sentence 1 on every run, then sentence 2 on every run, and so
on, starting each round at a different run, so that machine noise and warm caches hit all
runs alike. Warm-up passes over all sentences are run first and discarded. A run's ratio to
the reference is the median over calls of (run time / reference time) for the same sentence
in the same round: it is measured side by side, not from two summaries.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from compress import synthesis


@dataclass
class Calls:
    """Timed calls of one run, keyed (round, item index)."""

    full_s: dict[tuple[int, int], float] = field(default_factory=dict)
    first_s: dict[tuple[int, int], float] = field(default_factory=dict)
    audio_s: dict[tuple[int, int], float] = field(default_factory=dict)


def streaming_api():
    """The streaming synthesizer whose first chunk times first audio (a seam for tests)."""
    from compress.streaming import stream

    return stream


def can_stream(voice) -> bool:
    """Streaming needs a causal vocoder (compress.streaming refuses the others)."""
    return bool(getattr(getattr(voice.vocoder, "arch", None), "causal", True))


def time_full(voice, encoded: list, durations: list | None = None) -> tuple[float, float]:
    """(seconds to synthesize the whole sentence, seconds of audio); `durations` fixes them."""
    start = time.perf_counter()
    result = synthesis.synthesize(voice, encoded, durations=durations)
    return time.perf_counter() - start, len(result.wav) / result.sample_rate


def time_first_audio(stream, voice, encoded: list, durations: list | None = None) -> float:
    """Seconds from the request to the first streamed chunk; the stream is then drained."""
    fixed = durations or [None] * len(encoded)
    start = time.perf_counter()
    chunks = stream(voice, encoded[0], durations=fixed[0])
    next(iter(chunks))
    first = time.perf_counter() - start
    for _ in chunks:
        pass
    for symbols, line_durations in zip(encoded[1:], fixed[1:]):
        for _ in stream(voice, symbols, durations=line_durations):
            pass
    return first


@contextmanager
def torch_threads(count: int | None):
    """Run the block with `count` intra-op threads (None: leave torch's setting alone)."""
    import torch

    before = torch.get_num_threads()
    if count is not None:
        torch.set_num_threads(count)
    try:
        yield torch.get_num_threads()
    finally:
        torch.set_num_threads(before)


def interleaved(voices: list, encoded: list[list[list]], repeats: int, warmup: int,
                first_audio: bool, progress=None, durations: list[list] | None = None) -> list[Calls]:
    """Time every run on every item; encoded[run][item] is that item's encoded lines.

    `durations[item]` (one array per line) makes every run render the same frames, so that
    the ratios compare the same work; None lets each run predict its own."""
    stream = streaming_api() if first_audio else None
    streams = [stream if stream is not None and can_stream(v) else None for v in voices]
    n_runs, n_items = len(voices), len(encoded[0])
    calls = [Calls() for _ in voices]
    total = (warmup + repeats) * n_items * n_runs
    done = 0
    for rnd in range(-warmup, repeats):
        for item in range(n_items):
            for k in range(n_runs):
                run = (k + max(rnd, 0)) % n_runs
                fixed = None if durations is None else durations[item]
                full, audio = time_full(voices[run], encoded[run][item], fixed)
                if rnd >= 0:
                    calls[run].full_s[(rnd, item)] = full
                    calls[run].audio_s[(rnd, item)] = audio
                if streams[run] is not None:
                    first = time_first_audio(streams[run], voices[run], encoded[run][item], fixed)
                    if rnd >= 0:
                        calls[run].first_s[(rnd, item)] = first
                done += 1
                if progress:
                    progress("speed", done, total)
    return calls


def _stats(values: list[float]) -> dict | None:
    if not values:
        return None
    return {"median": float(np.median(values)), "p90": float(np.percentile(values, 90)), "n": len(values)}


def paired_ratio(run: dict, ref: dict) -> float | None:
    """Median over matching calls (same round, same sentence) of run time / reference time."""
    keys = sorted(set(run) & set(ref))
    return float(np.median([run[k] / ref[k] for k in keys])) if keys else None


def paired_spread(run: dict, ref: dict) -> list[float] | None:
    """[25th, 75th] percentile of the same paired ratios: how noisy the median is."""
    keys = sorted(set(run) & set(ref))
    if not keys:
        return None
    ratios = [run[k] / ref[k] for k in keys]
    return [float(np.percentile(ratios, 25)), float(np.percentile(ratios, 75))]


def summarize(calls: Calls, reference: Calls, streaming: bool) -> dict:
    """Latency, RTF and first-audio figures of one run; `streaming` says whether it was streamed."""
    full = list(calls.full_s.values())
    raw = [[rnd, item, calls.full_s[(rnd, item)], calls.first_s.get((rnd, item)), calls.audio_s[(rnd, item)]]
           for rnd, item in sorted(calls.full_s)]
    rtf = sum(full) / sum(calls.audio_s.values()) if full else None
    ref_rtf = sum(reference.full_s.values()) / sum(reference.audio_s.values()) if reference.full_s else None
    return {
        "full_latency_s": _stats(full),
        "latency_ratio": paired_ratio(calls.full_s, reference.full_s),
        "latency_ratio_iqr": paired_spread(calls.full_s, reference.full_s),
        "rtf": rtf,
        "rtf_ratio": rtf / ref_rtf if rtf is not None and ref_rtf else None,
        "first_audio_s": _stats(list(calls.first_s.values())),
        "first_audio_ratio": paired_ratio(calls.first_s, reference.first_s),
        "first_audio_ratio_iqr": paired_spread(calls.first_s, reference.first_s),
        "first_audio_mode": "stream" if streaming and calls.first_s else None,
        "calls": raw,
    }
