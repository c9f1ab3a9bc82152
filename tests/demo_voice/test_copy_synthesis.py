"""Copy-synthesis: the F0 error of a copy against its recording, and the per-speaker report."""

from __future__ import annotations

import numpy as np
import pytest

from compress.audio.config import FeatureConfig
from compress.demo_voice.copy_synthesis import copy_synthesis, f0_errors
from tests.demo_voice.standin import sine_at, write_dataset

FRAMES = 60


@pytest.mark.parametrize("copy_hz, expected", [(200.0, 0.0), (210.0, 0.05), (180.0, 0.10)])
def test_f0_error_is_the_relative_pitch_difference(copy_hz, expected):
    voiced = np.ones(FRAMES, dtype=np.float32)
    recording = sine_at(np.full(FRAMES, 200.0), voiced)
    copy = sine_at(np.full(FRAMES, copy_hz), voiced)
    errors = f0_errors(recording, copy, FeatureConfig())
    assert len(errors) > FRAMES // 2
    assert float(np.median(errors)) == pytest.approx(expected, abs=0.01)


def test_no_voiced_frame_gives_no_error():
    silence = np.zeros(FRAMES * 200, dtype=np.float32)
    assert f0_errors(silence, silence, FeatureConfig()).size == 0


@pytest.fixture
def standin(tmp_path, ref_lines):
    write_dataset(tmp_path / "data", ref_lines)
    return tmp_path / "data"


def test_report_per_speaker(nsf_voice, standin):
    report = copy_synthesis(nsf_voice, standin, split="train")
    assert set(report) == {"zhiyan", "zhibei"}
    for row in report.values():
        assert row["utterances"] == 1 and row["frames_voiced_in_both"] >= 0
        assert row["median_f0_error"] is None or row["median_f0_error"] >= 0.0
        assert row["steady_windows"] >= 0  # an NSF voice: its periodicity is measured where windows allow
    assert set(copy_synthesis(nsf_voice, standin, split="train", limit=1)) == {"zhiyan"}


def test_cli_names_a_missing_split(cli, standin):
    from tests.conftest import NSF_TINY

    res = cli("demo-voice", "copy-synthesis", standin, "--voice", NSF_TINY / "voices")
    assert res.code == 2 and "has no 'valid' utterances" in res.stderr
    res = cli("demo-voice", "copy-synthesis", standin, "--voice", NSF_TINY / "voices", "--split", "train")
    assert res.code == 0 and "zhiyan:" in res.stdout and "zhibei:" in res.stdout


def test_periodicity_tells_the_pitch_period_from_the_hop():
    from compress.demo_voice.copy_synthesis import periodicity

    frames, hop, rate = FRAMES, 200, 16000
    voc_in = np.zeros((frames, 82), dtype=np.float32)
    voc_in[:, 80], voc_in[:, 81] = 113.0, 1.0
    at_pitch = sine_at(np.full(frames, 113.0), np.ones(frames, dtype=np.float32))
    pitch, hop_rate = np.array(periodicity(at_pitch, voc_in, hop, rate)).mean(axis=0)
    assert pitch > 0.9 and hop_rate < 0.5
    buzz = np.zeros(frames * hop, dtype=np.float32)
    buzz[::hop] = 1.0  # a click every hop
    pitch, hop_rate = np.array(periodicity(buzz, voc_in, hop, rate)).mean(axis=0)
    assert hop_rate > 0.9 and pitch < 0.1
    voc_in[:, 81] = 0.0
    assert periodicity(at_pitch, voc_in, hop, rate) == []  # unvoiced: no window
