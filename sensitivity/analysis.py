"""The whole sensitivity analysis of a voice: importance, curves and probes, with timings."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from compress.errors import InputError
from compress.models.voice import Voice
from compress.units.groups import UnitGroup
from compress.units.voice_groups import voice_groups
from sensitivity.calibration import Calibration
from sensitivity.config import SensitivityConfig
from sensitivity.curves import Curves, sensitivity_curves
from sensitivity.measure import Measurer
from sensitivity.probes import gate_activity, head_probe, vocoder_weights
from sensitivity.taylor import Importance, taylor_importance

Progress = Callable[[str, int, int], None]


@dataclass
class Analysis:
    config: SensitivityConfig
    calibration: dict
    groups: list[UnitGroup]
    importance: Importance
    curves: Curves | None = None
    heads: dict[str, list[float]] | None = None
    gates: dict | None = None
    weights: dict | None = None
    am_gain: dict | None = None  # the mel-to-dB conversion (am_distance "mel"): mel_gain.MelGain
    seconds: dict[str, float] = field(default_factory=dict)


@contextmanager
def _timed(seconds: dict, step: str):
    start = time.perf_counter()
    yield
    seconds[step] = round(time.perf_counter() - start, 2)


def analyze(voice: Voice, calibration: Calibration, config: SensitivityConfig,
            progress: Progress | None = None) -> Analysis:
    """Run every part the config asks for. The voice is read, never changed."""
    every_group = voice_groups(voice.am.arch, voice.vocoder.arch)
    chosen = set(config.select([g.name for g in every_group]))
    groups = [g for g in every_group if g.name in chosen]
    if not groups:
        raise InputError(f"sensitivity.groups {config.groups} match no group of this voice")
    every, measured = calibration.encoded(), calibration.encoded(config.measure_sentences)
    seconds: dict[str, float] = {}
    with _timed(seconds, "taylor_importance"):
        importance = taylor_importance(voice, groups, every, config.passes, config.seed,
                                       vocoder_sentences=len(measured), progress=progress)
    result = Analysis(config, calibration.describe(config.measure_sentences), groups, importance, seconds=seconds)
    if config.curves or "heads" in config.probes:
        with _timed(seconds, "reference_outputs"):
            measurer = Measurer(voice, measured, config.am_distance, progress)
        result.am_gain = None if measurer.gain is None else measurer.gain.to_dict()
        if config.curves:
            with _timed(seconds, "sensitivity_curves"):
                result.curves = sensitivity_curves(voice, groups, importance, measured, config.fractions,
                                                   measurer=measurer, progress=progress)
        if "heads" in config.probes:
            with _timed(seconds, "head_masking"):
                result.heads = head_probe(measurer, groups, progress)
    if "lstm_gates" in config.probes:
        with _timed(seconds, "lstm_gates"):
            result.gates = gate_activity(voice, every, progress)
    if "vocoder_weights" in config.probes:
        with _timed(seconds, "vocoder_weights"):
            result.weights = vocoder_weights(voice, config.weight_threshold)
    seconds["total"] = round(sum(seconds.values()), 2)
    return result
