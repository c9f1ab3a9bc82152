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
    assert set(copy_synthesis(nsf_voice, standin, split="train", limit=1)) == {"zhiyan"}


def test_cli_names_a_missing_split(cli, standin):
    from tests.conftest import NSF_TINY

    res = cli("demo-voice", "copy-synthesis", standin, "--voice", NSF_TINY / "voices")
    assert res.code == 2 and "has no 'valid' utterances" in res.stderr
    res = cli("demo-voice", "copy-synthesis", standin, "--voice", NSF_TINY / "voices", "--split", "train")
    assert res.code == 0 and "zhiyan:" in res.stdout and "zhibei:" in res.stdout
