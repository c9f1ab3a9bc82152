"""The bench recipe group: YAML defaults equal the dataclass defaults; presets compose."""

from __future__ import annotations

import pytest

from compress.recipe import RecipeError
from eval.config import BenchConfig, load_config


def test_default_recipe_spells_out_every_default():
    assert load_config([]) == BenchConfig()


def test_presets():
    quick = load_config(["bench=quick"])
    assert quick.sentences == 3 and quick.throughput.rounds == 1 and quick.enabled
    assert load_config(["bench=none"]).enabled is False


def test_timing_durations_choices():
    assert load_config([]).speed.durations == "reference"
    assert load_config(["bench.speed.durations=own"]).speed.durations == "own"
    assert load_config(["bench.speed.durations=8"]).speed.durations == 8


@pytest.mark.parametrize("override, message", [
    ("bench.sentense=3", "unknown recipe key bench.sentense; valid keys: "),
    ("bench.speed.repeat=3", "unknown recipe key bench.speed.repeat; valid keys: durations, first_audio, repeats, threads"),
    ("bench.speed.threads=0", "threads must be at least 1"),
    ("bench.throughput.mode=fork", "mode must be one of process, thread"),
    ("bench.quality.f0_method=yin", "f0_method must be one of dio, harvest"),
    ("bench.sentences=0", "sentences must be at least 1"),
    ("bench.throughput.burst_s=0", "burst_s must be positive"),
    ("bench.speed.durations=0", "durations must be 'reference', 'own' or frames per token"),
    ("bench.speed.durations=fast", "durations must be 'reference', 'own' or frames per token"),
])
def test_errors_name_the_key(override, message):
    with pytest.raises(RecipeError, match=message):
        load_config([override])
