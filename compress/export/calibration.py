"""Feeds of every graph of an export, recorded while the float graphs synthesize sentences.

ONNX Runtime's static quantizer needs example inputs of each graph to range the tensors
that QAT did not range (the outputs of convs, which an INT8 kernel writes as integers) and
to time a graph. The driver (driver.py) runs the float graphs over calibration sentences
with every session wrapped, so each graph is fed exactly what synthesis feeds it. The
per-step graphs run hundreds of times a sentence: every `every`-th call is kept.
"""

from __future__ import annotations

import numpy as np

from compress.export import driver
from compress.export.runtime import OnnxVoice

# Vocoder feeds are cut to this many frames: the calibrator keeps every intermediate tensor
# of every feed, and a long mel at the sample rate is hundreds of MB of them.
VOCODER_FRAMES = 96


class _Recording:
    """A session stand-in that keeps copies of (some of) its feeds."""

    def __init__(self, session, kept: list[dict], every: int, limit: int):
        self.session, self.kept, self.every, self.limit = session, kept, every, limit
        self.calls = 0

    def get_inputs(self):
        return self.session.get_inputs()

    def run(self, outputs, feeds):
        if self.calls % self.every == 0 and len(self.kept) < self.limit:
            self.kept.append({k: np.array(v, copy=True) for k, v in feeds.items()})
        self.calls += 1
        return self.session.run(outputs, feeds)


def _vocoder_window(feed: dict) -> dict:
    mel = feed["mel"]
    if mel.shape[-1] <= VOCODER_FRAMES:
        return feed
    start = (mel.shape[-1] - VOCODER_FRAMES) // 2
    return {**feed, "mel": np.ascontiguousarray(mel[..., start : start + VOCODER_FRAMES])}


def record_feeds(voice: OnnxVoice, encoded: list, step_every: int = 7, limit: int = 48) -> dict[str, list[dict]]:
    """{graph name: [feeds, ...]} from synthesizing `encoded` (EncodedSymbols) sentences."""
    kept: dict[str, list[dict]] = {name: [] for name in voice.sessions}
    sessions = dict(voice.sessions)
    try:
        for name, session in sessions.items():
            every = step_every if name in ("duration_step", "decoder_step") else 1
            voice.sessions[name] = _Recording(session, kept[name], every, limit)
        for symbols in encoded:
            driver.synthesize(voice, [symbols])
    finally:
        voice.sessions.update(sessions)
    kept["vocoder"] = [_vocoder_window(feed) for feed in kept.get("vocoder", [])]
    return kept
