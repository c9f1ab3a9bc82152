import sys

import pytest

from compress.errors import InputError, SymbolError
from compress.recipe import RecipeError, build, compose
from sensitivity import calibration as cal
from sensitivity.config import SensitivityConfig
from tests.sensitivity.conftest import tiny_symbol_lines


def test_rotation_covers_speakers_and_emotions(tiny_voice):
    lines = tiny_symbol_lines() * 3
    result = cal.from_symbols(tiny_voice, lines, 5, [], ["happy", "sad"])
    speakers = list(tiny_voice.tables.speakers)
    assert result.speakers == [speakers[i % len(speakers)] for i in range(5)]
    assert result.emotions == ["happy", "sad", "happy", "sad", "happy"]
    first = result.sentences[0][0]
    assert set(first.speaker.tolist()) == {tiny_voice.tables.speaker_id(speakers[0])}
    happy = tiny_voice.tables.emotion_id("happy")
    none = tiny_voice.tables.emotion.index("emotion_none")
    assert set(first.emotion.tolist()) <= {happy, none} and happy in first.emotion.tolist()
    assert len(result.encoded()) == 5 and len(result.encoded(2)) == 2
    kept = cal.from_symbols(tiny_voice, lines, 2, ["M7"], [])
    assert kept.emotions == [None, None]


def test_text_goes_through_the_frontend(tiny_voice, monkeypatch):
    seen = []

    def fake(text, emotion, speaker, speakers):
        seen.append((text, emotion, speaker))
        return tiny_symbol_lines()  # two sub-sentences per sentence

    monkeypatch.setattr(cal, "text_symbol_lines", fake)
    result = cal.from_text(tiny_voice, ["一。", "二。", "三。"], 2, ["F7", "M7"], ["calm"])
    assert seen == [("一。", "calm", "F7"), ("二。", "calm", "M7")]
    assert [len(s) for s in result.sentences] == [2, 2]


def test_text_through_the_real_frontend(tiny_voice):
    result = cal.from_text(tiny_voice, ["今天天气很好，我们去公园吧。"], 1, ["M7"], ["calm"])
    assert result.speakers == ["M7"] and len(result.sentences) == 1
    encoded = result.encoded()
    assert len(encoded) >= 1 and all(len(s) > 3 for s in encoded)
    assert set(encoded[0].speaker.tolist()) == {tiny_voice.tables.speaker_id("M7")}


def test_text_without_the_frontend_is_a_clear_error(tiny_voice, monkeypatch):
    monkeypatch.setitem(sys.modules, "compress.frontend", None)
    with pytest.raises(InputError, match="--symbols-file"):
        cal.from_text(tiny_voice, ["今天天气很好。"], 1, [], [])


def test_bad_calibration(tiny_voice, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("# only a comment\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="no calibration sentences"):
        cal.read_lines(empty)
    with pytest.raises(InputError, match="not found"):
        cal.read_lines(tmp_path / "missing.txt")
    with pytest.raises(SymbolError, match="unknown speaker"):
        cal.from_symbols(tiny_voice, tiny_symbol_lines(), 2, ["nobody"], [])
    with pytest.raises(SymbolError, match="calibration line 2"):
        cal.from_symbols(tiny_voice, [tiny_symbol_lines()[0], "{zz$tone1$s_begin$word_begin$emotion_calm$F7}"], 2, [], [])


def test_the_builtin_sentences():
    lines = cal.read_lines(cal.DEFAULT_TEXT)
    assert 20 <= len(lines) <= 30 and len(set(lines)) == len(lines)


def test_recipe_presets_build():
    default = build(SensitivityConfig, compose([])["sensitivity"], "sensitivity")
    assert default == SensitivityConfig()
    quick = build(SensitivityConfig, compose(["sensitivity=quick"])["sensitivity"], "sensitivity")
    assert quick.passes == 2 and quick.am_distance == "mel"
    assert SensitivityConfig(groups=["am\\.encoder\\..*"]).select(["am.encoder.0.ffn", "voc.stage.0"]) == ["am.encoder.0.ffn"]


@pytest.mark.parametrize("override, message", [
    ("sensitivity.measure_sentences=9", "measure_sentences"),
    ("sensitivity.fractions=[0.5,1.5]", "fractions"),
    ("sensitivity.am_distance=exact", "am_distance"),
    ("sensitivity.probes=[heads,nope]", "unknown probe 'nope'"),
    ("sensitivity.groups=['(']", "not a regular expression"),
    ("+sensitivity.nope=1", "unknown recipe key sensitivity.nope"),
])
def test_bad_recipe_values(override, message):
    with pytest.raises(RecipeError, match=message):
        build(SensitivityConfig, compose([override])["sensitivity"], "sensitivity")
