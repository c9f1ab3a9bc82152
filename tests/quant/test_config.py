"""The qat recipe group: presets build, every key is checked."""

from __future__ import annotations

import pytest

from compress.quant.config import QatConfig
from compress.recipe import RecipeError, build, compose


@pytest.mark.parametrize("preset, check", [
    ("default", lambda c: c == QatConfig()),
    ("none", lambda c: c.trained_parts() == frozenset() and c.islands == QatConfig().islands),
])
def test_presets_build(preset, check):
    assert check(build(QatConfig, compose([f"qat={preset}"])["qat"], "qat"))


def test_overrides_reach_the_config_and_the_distillation():
    config = build(QatConfig, compose(["qat.islands=[]", "qat.calibrator=max", "qat.steps=5",
                                       "qat.lr=0.001"])["qat"], "qat")
    assert config.islands == [] and config.calibrator == "max"
    assert config.distillation().steps == 5 and config.distillation().lr == 0.001
    assert config.trained_parts() == {"acoustic", "vocoder"}


def test_each_part_trains_its_own_steps():
    assert QatConfig(steps=0, vocoder_steps=7).trained_parts() == {"vocoder"}
    assert QatConfig(steps=0, vocoder_steps=7).distillation().part_steps["vocoder"] == 7
    assert QatConfig(steps=4, vocoder_steps=-1).part_steps() == {"acoustic": 4, "vocoder": 4}
    assert QatConfig(steps=0, vocoder_steps=-1).trained_parts() == frozenset()


@pytest.mark.parametrize("override, message", [
    ("qat.ema_decay=1.0", r"ema_decay must be in \(0, 1\)"),
    ("qat.ema_decay=0", r"ema_decay must be in \(0, 1\)"),
    ("qat.steps=-1", "steps must be >= 0"),
    ("qat.ema_percentile=0", r"ema_percentile must be in \(0, 100\]"),
    ("qat.freeze_step=-2", "freeze_step must be >= 0"),
    ("qat.calib_sentences=0", "calib_sentences must be >= 1"),
    ("qat.calibrator=histogram", "calibrator must be one of ema, max"),
    ("qat.transpose_axis=both", "transpose_axis must be one of output, input"),
    ("qat.lr=0", "lr and vocoder_lr must be positive"),
    ("+qat.bits=4", "unknown recipe key qat.bits"),
    ("qat.islands=['']", "islands must be non-empty strings"),
])
def test_bad_values_name_the_key(override, message):
    with pytest.raises(RecipeError, match=message):
        build(QatConfig, compose([override])["qat"], "qat")
