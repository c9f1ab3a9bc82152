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
    from compress.manifest import import_record, new_manifest

    parent = tmp_path / "original"
    parent.mkdir()
    (parent / "emotions.json").write_text(json.dumps({"speakers": {"F7": ["sad", "neutral"]}}))
    root = import_record(parent, "kantts", "0", {})
    first = {"stage": "prune", "dir": str(tmp_path / "01"), "input_sha256": "0", "output_sha256": "1",
             "input_arch": {}, "files": {}, "totals": {"params_before": 10, "params_after": 6, "bytes_after": 24},
             "config": {"type": "prune", "version": 1, "values": {"target_params": 0.6}}}
    second = {"stage": "qat", "dir": str(tmp_path / "02"), "input_sha256": "1", "output_sha256": "2",
              "input_arch": {}, "files": {}, "totals": {"params_before": 6, "params_after": 6, "bytes_after": 6},
              "config": {"type": "qat", "version": 1, "values": {}}, "metrics": {"precision": {"int8": 3}}}
    for name, history in (("01", [root, first]), ("02", [root, first, second])):
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text(json.dumps(new_manifest(history)))
    emotions, source = trained_emotions(tmp_path / "02", ["F7"])
    assert emotions == {"F7": ["emotion_sad", "emotion_neutral"]} and source == str(parent / "emotions.json")
    chain = compression_chain(tmp_path / "02")
    assert [c["stage"] for c in chain] == ["prune", "qat"]
    assert chain[0]["config"] == {"target_params": 0.6} and chain[0]["params_after"] == 6
    assert chain[1]["precision"] == {"int8": 3} and chain[1]["weights_sha256"] == "2"
    assert compression_chain(parent) == []


def test_a_bad_declaration_is_an_error_naming_the_file(tmp_path):
    (tmp_path / "emotions.json").write_text(json.dumps({"speakers": {"F7": ["furious"]}}))
    with pytest.raises(VoiceLoadError, match="emotions.json"):
        trained_emotions(tmp_path, ["F7"])
    (tmp_path / "emotions.json").write_text(json.dumps({"speakers": {}}))
    with pytest.raises(VoiceLoadError, match="every speaker"):
        trained_emotions(tmp_path, ["F7"])
