import json

import pytest

from compress.errors import VoiceLoadError
from compress.serve.catalog import compression_chain, trained_emotions
from tests.serve.server import DEMO_VOICE, TINY_VOICES


def test_the_demo_voice_declares_its_five_styles():
    emotions, source = trained_emotions(DEMO_VOICE, ["zhiyan", "zhibei"])
    assert source.endswith("emotions.json")
    assert emotions["zhiyan"] == ["emotion_neutral", "emotion_happy", "emotion_calm", "emotion_sad",
                                  "emotion_excited"]


def test_without_a_declaration_only_neutral(tmp_path):
    emotions, source = trained_emotions(TINY_VOICES / "refvoice", ["F7", "M7"])
    assert emotions == {"F7": ["emotion_neutral"], "M7": ["emotion_neutral"]} and "neutral only" in source


def test_a_stage_inherits_its_parents_declaration_and_lists_its_chain(tmp_path):
    parent = tmp_path / "original"
    parent.mkdir()
    (parent / "emotions.json").write_text(json.dumps({"speakers": {"F7": ["sad", "neutral"]}}))
    first = {"stage": "prune", "parent": {"path": str(parent), "manifest": None}, "weights_sha256": "1",
             "totals": {"params_before": 10, "params_after": 6, "bytes_after": 24},
             "recipe": {"prune": {"target_params": 0.6}}}
    second = {"stage": "quantize", "parent": {"path": str(tmp_path / "01"), "manifest": first},
              "weights_sha256": "2", "totals": {"params_before": 6, "params_after": 6, "bytes_after": 6},
              "recipe": {}}
    for name, manifest in (("01", first), ("02", second)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text(json.dumps(manifest))
    emotions, source = trained_emotions(tmp_path / "02", ["F7"])
    assert emotions == {"F7": ["emotion_sad", "emotion_neutral"]} and source == str(parent / "emotions.json")
    chain = compression_chain(tmp_path / "02")
    assert [c["stage"] for c in chain] == ["prune", "quantize"]
    assert chain[0]["config"] == {"target_params": 0.6} and chain[0]["params_after"] == 6
    assert compression_chain(parent) == []


def test_a_bad_declaration_is_an_error_naming_the_file(tmp_path):
    (tmp_path / "emotions.json").write_text(json.dumps({"speakers": {"F7": ["furious"]}}))
    with pytest.raises(VoiceLoadError, match="emotions.json"):
        trained_emotions(tmp_path, ["F7"])
    (tmp_path / "emotions.json").write_text(json.dumps({"speakers": {}}))
    with pytest.raises(VoiceLoadError, match="every speaker"):
        trained_emotions(tmp_path, ["F7"])
