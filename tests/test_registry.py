"""The stage registry: lookup, and every registered config round-tripping through JSON in
every preset of its recipe group."""

import json

import pytest

from compress import registry
from compress.recipe import RECIPES_DIR, RecipeError, build, compose

PRESETS = [(name, preset.stem) for name in registry.names()
           for preset in sorted((RECIPES_DIR / registry.get(name).group).glob("*.yaml"))]


def test_builtin_stages_are_registered():
    assert {"prune"} <= set(registry.names())
    assert registry.get("prune").group == "prune"


@pytest.mark.parametrize("name, preset", PRESETS)
def test_every_preset_composes_and_its_config_round_trips(name, preset):
    entry = registry.get(name)
    config = build(entry.config_class, compose([f"{entry.group}={preset}"]).get(entry.group), entry.group)
    document = json.loads(json.dumps(registry.config_to_json(entry, config)))
    assert document["type"] == name and document["version"] == entry.version
    assert registry.config_from_json(document) == config


def test_unknown_stage_names_the_registered_ones():
    with pytest.raises(registry.UnknownStageError, match="unknown stage 'bogus'; registered: .*prune"):
        registry.get("bogus")


def test_stored_config_is_validated_like_a_typed_one():
    entry = registry.get("prune")
    document = registry.config_to_json(entry, entry.config_class())
    with pytest.raises(RecipeError, match="target_params must be in"):
        registry.config_from_json({**document, "values": {**document["values"], "target_params": 2.0}})
    with pytest.raises(RecipeError, match="unknown recipe key prune.bogus"):
        registry.config_from_json({**document, "values": {"bogus": 1}})
    with pytest.raises(RecipeError, match="has version 99"):
        registry.config_from_json({**document, "version": 99})
    with pytest.raises(RecipeError, match="needs type, version and values"):
        registry.config_from_json({"type": "prune"})


def test_config_of_another_stage_is_refused():
    with pytest.raises(TypeError, match="prune takes a PruneConfig"):
        registry.config_to_json(registry.get("prune"), object())


def test_a_chain_is_named_by_its_stages_labels():
    assert registry.chain_label([]) == "Baseline"
    assert registry.chain_label(["prune"]) == "Pruned"
    assert registry.chain_label(["prune", "qat"]) == "Pruned+INT8"
    assert registry.chain_label(["qat", "export"]) == "INT8+ONNX"
