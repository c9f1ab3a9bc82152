from pathlib import Path

import pytest

from compress.audio.config import FeatureConfig, load_feature_config, save_feature_config
from compress.errors import ConfigMismatchError

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "kantts-tiny" / "voices" / "refvoice"


def test_fixture_config_matches_the_16k_defaults():
    assert load_feature_config(FIXTURE / "audio_config.yaml") == FeatureConfig()


def test_round_trip_keeps_unknown_keys(tmp_path):
    config = FeatureConfig.from_kantts({**FeatureConfig().to_kantts(), "se_feature": True, "hop_length": 240})
    save_feature_config(config, tmp_path / "audio_config.yaml")
    again = load_feature_config(tmp_path / "audio_config.yaml")
    assert again == config and again.extra == {"se_feature": True} and again.hop_length == 240


def test_reads_the_block_embedded_in_a_model_config():
    assert load_feature_config(FIXTURE / "am" / "config.yaml").n_mels == 80


@pytest.mark.parametrize(
    "block",
    [{"fmax": 9000.0}, {"win_length": 4096}, {"norm_type": "minmax"}, {"trim_silence": "yes"}],
)
def test_invalid_values_name_the_problem(block):
    with pytest.raises(ConfigMismatchError, match="audio_config"):
        FeatureConfig.from_kantts(block)


def test_a_voice_block_must_name_what_the_networks_are_built_for():
    block = FeatureConfig().to_kantts()
    assert FeatureConfig.for_voice(block, "v/audio_config.yaml") == FeatureConfig()
    del block["hop_length"]
    with pytest.raises(ConfigMismatchError, match="v/audio_config.yaml: .*missing: hop_length"):
        FeatureConfig.for_voice(block, "v/audio_config.yaml")


def test_a_loaded_voice_carries_the_feature_config(tiny_voice):
    assert tiny_voice.audio == load_feature_config(FIXTURE / "audio_config.yaml")
    assert tiny_voice.sample_rate == tiny_voice.audio.sampling_rate == 16000
