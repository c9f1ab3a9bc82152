"""Feature extraction on a synthetic rendering (no espeak-ng needed)."""

import numpy as np

from compress.audio.config import FeatureConfig
from compress.audio.trim import speech_span
from compress.audio.spectral import mel_basis
from compress.demo_voice.features import CorpusStats, extract, normalized_targets
from compress.audio.normalize import MeanStd
from compress.demo_voice.plan import SpeechPlan
from compress.demo_voice.render import Rendering

LINE = (
    "{h_c$tone3$s_begin$word_begin$emotion_neutral$F7} {ao_c$tone3$s_end$word_end$emotion_neutral$F7} "
    "{#3$tone_none$s_none$word_none$emotion_none$F7} "
    "{m_c$tone1$s_begin$word_begin$emotion_neutral$F7} {a_c$tone1$s_end$word_end$emotion_neutral$F7} "
    "{#4$tone_none$s_none$word_none$emotion_none$F7}"
)


def _tone(f0, n, rate=16000):
    t = np.arange(n) / rate
    return 0.3 * sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, 6))


def _rendering():
    silence = np.zeros(3000)
    wav = np.concatenate([silence, _tone(200, 8000), np.zeros(4000), _tone(180, 9000), silence])
    bounds = np.array([0, 4000, 11000, 15000, 16000, 24000, 24000])  # h ao #3 m a #4
    return Rendering(wav.astype(np.float32), 16000, bounds, 0)


def test_extract_trims_and_keeps_lengths_consistent():
    config, plan = FeatureConfig(), SpeechPlan.from_symbols(LINE)
    feats = extract(_rendering(), plan, config, gain=0.5, basis=mel_basis(config))
    # Trimming keeps whole hops around the sound: frames whose 1000-sample window touches it.
    assert speech_span(_rendering().wav * 0.5, config) == (2600, 24600)
    assert feats.frames == 1 + (24600 - 2600) // 200
    assert feats.durations.sum() == feats.frames and len(feats.wav) == feats.frames * 200
    # Boundaries at ceil((sample - 2600) / 200); the #4 gets 0 and the last final the tail.
    assert feats.durations.tolist() == [7, 35, 20, 5, 44, 0]
    assert np.abs(feats.wav).max() <= 0.999


def test_targets_are_normalized_and_phone_level():
    config, plan = FeatureConfig(), SpeechPlan.from_symbols(LINE)
    feats = extract(_rendering(), plan, config, gain=0.5, basis=mel_basis(config))
    stats = CorpusStats(
        mel=MeanStd(feats.mel.mean(0), feats.mel.std(0) + 1e-3),
        f0=MeanStd(np.array([150.0]), np.array([50.0])),
        energy=MeanStd(np.array([feats.energy.mean()]), np.array([feats.energy.std()])),
    )
    targets = normalized_targets(feats, stats)
    assert targets["mel"].shape == feats.mel.shape and abs(targets["mel"].mean()) < 1e-3
    assert targets["pitch"].shape == targets["energy"].shape == (len(plan.tokens),)
    assert abs(targets["pitch"][1] - 1.0) < 0.1  # 200 Hz -> (200 - 150) / 50
    assert targets["pitch"][-1] == 0.0 and targets["frame_uv"].max() == 1.0
