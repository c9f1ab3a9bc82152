import numpy as np
import pytest

from compress.errors import SymbolError
from compress.models.symbols import SymbolTables, encode, parse_lines, parse_tokens
from tests.conftest import TINY

REF = np.load(TINY / "ref_io.npz")
SPEAKERS = ["F7", "M7"]


def test_tables_equal_the_original_id_tables():
    tables = SymbolTables.build(SPEAKERS)
    for stream, key in [("sy", "sy"), ("tone", "tone"), ("syllable_flag", "syllable_flag"),
                        ("word_segment", "word_segment"), ("emotion", "emo_category"), ("speaker", "speaker")]:
        assert list(getattr(tables, stream)) == list(REF[f"meta.vocab.{key}"]), stream
    assert tables.sizes() == {"sy": 147, "tone": 10, "syllable_flag": 8, "word_segment": 8,
                              "emotion": 36, "speaker": 5}


def test_legacy_tables_without_mask_keep_ids():
    full = SymbolTables.build(SPEAKERS)
    legacy = SymbolTables.build(SPEAKERS, {s: n - 1 for s, n in full.sizes().items()})
    assert "@[MASK]" not in legacy.sy and legacy.sy == full.sy[:-1]
    with pytest.raises(SymbolError, match="sy table has 140 entries"):
        SymbolTables.build(SPEAKERS, {"sy": 140})


def test_encode_matches_reference_inputs():
    tables = SymbolTables.build(SPEAKERS)
    for utt in ("utt0", "utt1"):
        enc = encode(tables, parse_tokens(str(REF[f"{utt}.symbols"])))
        np.testing.assert_array_equal(enc.ling, REF[f"{utt}.inputs_ling"][0])
        np.testing.assert_array_equal(enc.speaker, REF[f"{utt}.inputs_spk"][0])


def test_index_prefix_and_several_lines():
    line = str(REF["utt0.symbols"])
    lines = parse_lines(f"1\t{line}\n\n2\t{line}\n")
    assert len(lines) == 2 and lines[0] == parse_tokens(line)


def test_unknown_symbol_is_named_with_its_position():
    tables = SymbolTables.build(SPEAKERS)
    tokens = parse_tokens("{n_c$tone2$s_begin$word_begin$emotion_neutral$F7} {qq_c$tone2$s_end$word_end$emotion_neutral$F7}")
    with pytest.raises(SymbolError, match=r"unknown sy symbol 'qq_c' in token 1"):
        encode(tables, tokens)


@pytest.mark.parametrize("text, message", [
    ("", "no {...} symbol tokens"),
    ("{a$b$c}", "has 3 fields"),
    ("{n_c$tone2$s_begin$word_begin$emotion_neutral$F7} stray", "text outside"),
])
def test_malformed_input(text, message):
    with pytest.raises(SymbolError, match=message):
        parse_tokens(text)


def test_speaker_and_emotion_overrides():
    tables = SymbolTables.build(SPEAKERS)
    tokens = parse_tokens(str(REF["utt0.symbols"]))
    enc = encode(tables, tokens, speaker="M7", emotion="sad")
    assert set(enc.speaker) == {tables.speaker.index("M7")}
    breaks = [i for i, t in enumerate(tokens) if t[0].startswith("#")]
    assert enc.emotion[breaks].tolist() == [0] * len(breaks)  # breaks keep emotion_none
    phones = [i for i in range(len(tokens)) if i not in breaks]
    assert set(enc.emotion[phones]) == {tables.emotion.index("emotion_sad")}
    with pytest.raises(SymbolError, match="unknown speaker 'zz'; valid: F7, M7"):
        encode(tables, tokens, speaker="zz")
    with pytest.raises(SymbolError, match="unknown emotion 'grumpy'; valid: none, neutral"):
        encode(tables, tokens, emotion="grumpy")
