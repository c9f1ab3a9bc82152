"""One real sentence through espeak-ng: the alignment must fit the audio."""

import numpy as np
import pytest

from compress.audio.config import FeatureConfig
from compress.audio.spectral import mel_basis
from compress.demo_voice.features import extract
from compress.demo_voice.plan import Break, SpeechPlan
from compress.demo_voice.styles import EMOTIONS, SPEAKERS

from .conftest import needs_espeak

pytestmark = needs_espeak


@pytest.fixture(scope="module")
def rendered(ref_lines):
    from compress.demo_voice.render import render

    config = FeatureConfig()
    plan = SpeechPlan.from_symbols(ref_lines[1])  # 我们#1一起#1去#3北京#4
    rendering = render(plan, SPEAKERS["zhiyan"], EMOTIONS["neutral"], config.sampling_rate)
    feats = extract(rendering, plan, config, gain=0.5, basis=mel_basis(config))
    return plan, rendering, feats


def test_durations_cover_every_frame_and_match_the_waveform(rendered):
    plan, _, feats = rendered
    assert feats.durations.sum() == feats.frames == len(feats.mel) == len(feats.f0) == len(feats.energy)
    assert len(feats.wav) == feats.frames * 200
    assert len(feats.durations) == len(plan.tokens) and feats.durations.min() >= 0


def test_syllable_boundaries_are_monotonic_and_plausible(rendered):
    plan, rendering, feats = rendered
    assert np.all(np.diff(rendering.bounds) >= 0)
    edges = np.concatenate([[0], np.cumsum(feats.durations)])
    seconds_per_frame = 200 / 16000
    loud = feats.energy > 0.1 * np.median(feats.energy)
    position = 0
    for item in plan.items:
        count = len(item.tokens)
        start, end = edges[position], edges[position + count]
        if isinstance(item, Break):
            if item.level == 3:  # the comma pause: mostly silent, 0.1..0.5 s
                assert 0.1 <= (end - start) * seconds_per_frame <= 0.5
                assert loud[start:end].mean() < 0.5
        else:  # a syllable: 0.1..0.6 s, and its final is sounding
            final = slice(edges[position + 1], end)
            assert 0.1 <= (end - start) * seconds_per_frame <= 0.6, item.pinyin
            assert loud[final].mean() > 0.8, item.pinyin
            assert feats.uv[final].mean() > 0.5, item.pinyin  # Mandarin finals are voiced
        position += count


def test_speakers_differ_in_pitch(ref_lines):
    from compress.demo_voice.render import render

    plan = SpeechPlan.from_symbols(ref_lines[0])
    config = FeatureConfig()
    medians = {}
    for name in ("zhiyan", "zhibei"):
        rendering = render(plan, SPEAKERS[name], EMOTIONS["neutral"], config.sampling_rate)
        feats = extract(rendering, plan, config, gain=0.5, basis=mel_basis(config))
        medians[name] = np.median(feats.f0[feats.uv > 0])
    assert medians["zhiyan"] > 1.5 * medians["zhibei"]


def test_render_text_gives_one_trimmed_waveform_per_sub_sentence():
    from compress.demo_voice.build import render_text

    wavs = render_text("今天天气很好。我们走吧！", "zhibei", "happy", gain=0.5)
    assert len(wavs) == 2 and all(w.dtype == np.float32 and 0.3 * 16000 < len(w) < 3 * 16000 for w in wavs)
    assert all(abs(w[0]) < 0.05 for w in wavs)  # starts at the trimmed onset, not mid-word
