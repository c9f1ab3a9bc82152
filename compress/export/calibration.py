"""Feeds of every graph of an export, recorded while the float graphs synthesize sentences.

ONNX Runtime's static quantizer needs example inputs of each graph to range the tensors
that QAT did not range (the outputs of convs, which an INT8 kernel writes as integers) and
to time a graph. The driver (driver.py) runs the float graphs over calibration sentences
with every session wrapped, so each graph is fed exactly what synthesis feeds it. The
per-step graphs run hundreds of times a sentence: every `step_every`-th call is kept.
"""

from __future__ import annotations

import numpy as np

from compress.emotions import CALIBRATION_ROTATION
from compress.export import driver
from compress.export.runtime import OnnxVoice, hooked_sessions
from compress.prune.recovery import RecoveryConfig
from sensitivity import calibration as calib

# Vocoder feeds are cut to this many frames: the calibrator keeps every intermediate tensor
# of every feed, and a long mel at the sample rate is hundreds of MB of them.
VOCODER_FRAMES = 96
# Graphs run once per phone or per decoder step: every `step_every`-th call is kept.
PER_STEP = ("duration_step", "decoder_step")


def _vocoder_window(feed: dict) -> dict:
    """The middle VOCODER_FRAMES frames of a vocoder feed (and the samples of an NSF source)."""
    mel = feed["mel"]
    frames = mel.shape[-1]
    if frames <= VOCODER_FRAMES:
        return feed
    start = (frames - VOCODER_FRAMES) // 2
    window = {**feed, "mel": np.ascontiguousarray(mel[..., start : start + VOCODER_FRAMES])}
    if "source" in feed:
        hop = feed["source"].shape[-1] // frames
        window["source"] = np.ascontiguousarray(feed["source"][..., start * hop : (start + VOCODER_FRAMES) * hop])
    return window


def record_feeds(voice: OnnxVoice, encoded: list, step_every: int = 7, limit: int = 48) -> dict[str, list[dict]]:
    """{graph name: [feeds, ...]} from synthesizing `encoded` (EncodedSymbols) sentences."""
    kept: dict[str, list[dict]] = {name: [] for name in voice.sessions}
    calls = dict.fromkeys(voice.sessions, 0)

    def record(name: str, feeds: dict, run):
        every = step_every if name in PER_STEP else 1
        if calls[name] % every == 0 and len(kept[name]) < limit:
            kept[name].append({k: np.array(v, copy=True) for k, v in feeds.items()})
        calls[name] += 1
        return run()

    with hooked_sessions(voice, record):
        for symbols in encoded:
            driver.synthesize(voice, [symbols])
    kept["vocoder"] = [_vocoder_window(feed) for feed in kept.get("vocoder", [])]
    return kept


def calibration_sentences(voice, count: int, texts: str | None = None) -> list:
    """Sub-sentences of the first `count` distillation sentences (or of `texts`), speakers and
    emotions in rotation, less those longer than the encoder takes (a voice with a short
    `max_len`)."""
    lines = RecoveryConfig(texts=texts).text_lines()
    encoded = calib.from_text(voice, lines, count, list(voice.tables.speakers), list(CALIBRATION_ROTATION)).encoded()
    return [symbols for symbols in encoded if len(symbols) <= voice.am.arch.max_len]
