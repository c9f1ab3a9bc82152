"""The prune recipe group: every preset builds, and the keys are checked."""

from __future__ import annotations

import pytest

from compress.prune.config import PruneConfig
from compress.recipe import RecipeError, build, compose


@pytest.mark.parametrize("preset, check", [
    ("default", lambda c: c == PruneConfig()),
    ("none", lambda c: c.target_params == 1.0 and c.head_dim_keep == 1.0 and c.recovery.steps == 0),
    ("speed", lambda c: c.macs_weight == 30.0 and c.load_macs == 20.0 and c.channel_multiple == 8
              and c.protect == [r"voc\.stage\.\d\.res\..*"] and c.target_params == PruneConfig().target_params),
])
def test_presets_build(preset, check):
    assert check(build(PruneConfig, compose([f"prune={preset}"])["prune"], "prune"))


def test_speed_preset_takes_every_default_key():
    config = build(PruneConfig, compose(["prune=speed", "prune.recovery.steps=0"])["prune"], "prune")
    assert config.recovery.steps == 0 and config.macs_weight == 30.0


@pytest.mark.parametrize("override, message", [
    ("prune.channel_multiple=0", "channel_multiple must be >= 1"),
    ("prune.target_params=1.5", r"target_params must be in \(0, 1\]"),
    ("prune.macs_weight=-1", "macs_weight must be >= 0"),
    ("prune.load_macs=-1", "load_macs must be >= 0"),
])
def test_bad_values_name_the_key(override, message):
    with pytest.raises(RecipeError, match=message):
        build(PruneConfig, compose([override])["prune"], "prune")


def test_am_distance_is_checked_against_the_measurer_s_own_list():
    from sensitivity.measure import AM_DISTANCES

    for distance in AM_DISTANCES:
        assert PruneConfig(am_distance=distance).am_distance == distance
    with pytest.raises(ValueError, match="am_distance must be one of mel, wave, got 'spectral'"):
        PruneConfig(am_distance="spectral")
