"""Render one sub-sentence with espeak-ng in a speaker and emotion: waveform + token boundaries.

The waveform is resampled from espeak-ng's rate (22050 Hz) to the voice's rate with a polyphase
filter (scipy's resample_poly keeps the timing: no delay to correct), and the event positions are
scaled by the same ratio.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import scipy.signal

from compress.demo_voice.align import syllable_timings, token_boundaries
from compress.demo_voice.espeak import Espeak
from compress.demo_voice.plan import SpeechPlan
from compress.demo_voice.styles import Emotion, Speaker, plan_ssml


@dataclass(frozen=True)
class Rendering:
    wav: np.ndarray  # float32 in [-1, 1], at `sample_rate`
    sample_rate: int
    bounds: np.ndarray  # (tokens + 1,) int64 sample boundaries at `sample_rate`
    unexpected_pause: int  # samples of pauses espeak made where the plan has no break


def resample(wav: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    if source_rate == target_rate:
        return wav.astype(np.float32)
    ratio = Fraction(target_rate, source_rate)
    out = scipy.signal.resample_poly(wav.astype(np.float64), ratio.numerator, ratio.denominator)
    return out.astype(np.float32)


def render(
    plan: SpeechPlan,
    speaker: Speaker,
    emotion: Emotion,
    sample_rate: int,
    engine: Espeak | None = None,
) -> Rendering:
    """Synthesize `plan` and align its tokens; raises AlignmentError when the events do not fit."""
    engine = engine or Espeak.shared()
    result = engine.synthesize(plan_ssml(plan, emotion), speaker.voice, ssml=True, pitch=speaker.pitch)
    timings = syllable_timings(result.events, plan, len(result.audio))
    bounds, unexpected = token_boundaries(plan, timings)
    scale = sample_rate / result.sample_rate
    wav = resample(result.audio.astype(np.float32) / 32768.0, result.sample_rate, sample_rate)
    scaled = np.minimum(np.round(bounds * scale).astype(np.int64), len(wav))
    return Rendering(wav, sample_rate, scaled, int(round(unexpected * scale)))
