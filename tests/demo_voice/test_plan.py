import pytest

from compress.demo_voice.plan import Break, SpeechPlan
from compress.errors import SymbolError
from compress.models.symbols import SymbolTables, encode, parse_tokens


def test_reference_lines_read_back_as_pinyin(ref_lines):
    plans = [SpeechPlan.from_symbols(line) for line in ref_lines]
    assert plans[0].pinyin == ["yin1", "yve4", "#3", "hen2", "hao3", "ting1", "#4"]
    assert plans[1].pinyin == ["wo3", "men5", "#1", "yi4", "qi3", "#1", "qv4", "#3", "bei3", "jing1", "#4"]
    assert [s.espeak_word for s in plans[1].syllables][-3:] == ["qu4", "bei3", "jing1"]
    assert len(plans[1].tokens) == 18 == 2 * len(plans[1].syllables) + 4
    assert plans[1].final_token_indices[:3] == [1, 3, 6]


def test_symbol_line_sets_speaker_and_emotion_and_encodes(ref_lines):
    plan = SpeechPlan.from_symbols(ref_lines[1])
    line = plan.symbol_line("zhibei", "emotion_sad")
    tokens = parse_tokens(line)
    assert [t[0] for t in tokens] == [t[0] for t in plan.tokens]
    assert {t[5] for t in tokens} == {"zhibei"}
    assert {t[4] for t in tokens if t[0].startswith("#")} == {"emotion_none"}
    assert {t[4] for t in tokens if not t[0].startswith("#")} == {"emotion_sad"}
    encoded = encode(SymbolTables.build(["zhiyan", "zhibei"]), tokens)
    assert len(encoded) == len(tokens)


def test_breaks_are_single_tokens(ref_lines):
    plan = SpeechPlan.from_symbols(ref_lines[0])
    breaks = [item for item in plan.items if isinstance(item, Break)]
    assert [b.level for b in breaks] == [3, 4]


@pytest.mark.parametrize(
    "line",
    [
        "{h_c$tone3$s_begin$word_begin$emotion_neutral$F7}",  # initial without final
        "{h_c$tone3$s_begin$word_begin$emotion_neutral$F7} {ao_c$tone2$s_end$word_end$emotion_neutral$F7}",
        "{hh$tone3$s_begin$word_begin$emotion_neutral$F7} {ao_c$tone3$s_end$word_end$emotion_neutral$F7}",
        "{#4$tone_none$s_none$word_none$emotion_none$F7}",
    ],
)
def test_malformed_lines_are_symbol_errors(line):
    with pytest.raises(SymbolError):
        SpeechPlan.from_symbols(line)
