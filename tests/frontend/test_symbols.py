"""The ttsfrd token format: fields, breaks, emotion and speaker, and that the model can encode it."""

import numpy as np
import pytest

from compress.frontend import BREAK_EMOTION, analyze, text_to_symbol_lines
from compress.models.symbols import SymbolTables, encode, parse_lines, parse_tokens
from tests.conftest import SHARED_16K, TINY

SPEAKERS = ["F7", "F74", "FBYN", "FRXL", "M7", "xiaoyu"]
TEXT = "你好，我们一起去银行。今天天气很好！"


def fields(line: str) -> list[tuple[str, ...]]:
    return parse_tokens(line)


def test_lines_encode_with_the_model_tables():
    lines, warnings = text_to_symbol_lines(TEXT, "happy", speaker="M7")
    assert len(lines) == 2 and warnings == []
    tables = SymbolTables.build(SPEAKERS)
    for line in lines:
        encoded = encode(tables, parse_tokens(line))
        assert len(encoded) == len(fields(line))
        assert set(encoded.speaker.tolist()) == {SPEAKERS.index("M7")}
    assert len(parse_lines("\n".join(analyze(TEXT).symbol_lines()))) == 2  # idx-prefixed form


def test_phone_fields():
    for line in analyze(TEXT, speaker="F7").symbol_lines(numbered=False):
        phones = [f for f in fields(line) if not f[0].startswith("#")]
        assert len(phones) % 2 == 0
        for initial, final in zip(phones[::2], phones[1::2]):
            assert (initial[2], final[2]) == ("s_begin", "s_end")
            assert initial[1] == final[1] and initial[1] in {f"tone{t}" for t in range(1, 6)}
            assert initial[4] == final[4] == "emotion_neutral"


def test_word_segment_and_breaks():
    tokens = fields(analyze("我们一起去北京", speaker="F7").symbol_lines(numbered=False)[0])
    assert [t[0] for t in tokens if t[0].startswith("#")] == ["#1", "#1", "#4"]
    span = []
    for token in tokens:  # every span between two breaks: word_begin, word_middle..., word_end
        if token[0].startswith("#"):
            assert token[1:5] == ("tone_none", "s_none", "word_none", BREAK_EMOTION)
            assert span[0] == "word_begin" and span[-1] == "word_end"
            assert set(span[1:-1]) <= {"word_middle"}
            span = []
        else:
            span.append(token[3])
    assert tokens[-1][0] == "#4"


def test_one_syllable_word_is_begin_then_end():
    tokens = fields(analyze("好。", speaker="F7").symbol_lines(numbered=False)[0])
    assert [t[3] for t in tokens] == ["word_begin", "word_end", "word_none"]


def test_breaks_at_punctuation():
    pinyin = analyze("苹果、香蕉，橘子。").sentences[0].pinyin
    assert [p for p in pinyin if p.startswith("#")] == ["#2", "#3", "#4"]


def test_emotion_on_phones_none_on_breaks():
    for name, category in [("happy", "emotion_happy"), ("energetic", "emotion_excited"),
                           ("emotion_sad", "emotion_sad"), ("Angry", "emotion_angry")]:
        tokens = fields(analyze("你好", name).symbol_lines(numbered=False)[0])
        assert {t[4] for t in tokens if not t[0].startswith("#")} == {category}
        assert {t[4] for t in tokens if t[0].startswith("#")} == {"emotion_none"}


@pytest.mark.parametrize("folder,utt", [(TINY, "utt0"), (TINY, "utt1"), (SHARED_16K, "utt0")])
def test_phones_and_tones_match_the_reference_utterances(folder, utt):
    """The reference inputs (音乐很好听, 我们一起去北京, 今天天气很好) read the same."""
    path = folder / "ref_io.npz"
    if not path.is_file():
        pytest.skip(f"{path} not available")
    reference = parse_tokens(str(np.load(path)[f"{utt}.symbols"]))
    text = {(TINY, "utt0"): "音乐很好听", (TINY, "utt1"): "我们一起去北京",
            (SHARED_16K, "utt0"): "今天天气很好"}[(folder, utt)]
    emotion, speaker = reference[0][4], reference[0][5]
    ours = parse_tokens(analyze(text, emotion, speaker).symbol_lines(numbered=False)[0])
    strip = lambda tokens: [t[:3] + t[4:] for t in tokens if not t[0].startswith("#")]
    assert strip(ours) == strip(reference)
    assert ours[-1] == reference[-1]  # the closing #4 break token


def test_word_spans_per_jieba_word_when_asked(monkeypatch):
    from compress.frontend import pipeline

    line = analyze("我很好", speaker="F7").symbol_lines(numbered=False)[0]
    assert [t[3] for t in fields(line)][:6] == ["word_begin"] + ["word_middle"] * 4 + ["word_end"]
    monkeypatch.setattr(pipeline, "WORD_SPAN_IS_PROSODIC", False)
    line = analyze("我很好", speaker="F7").symbol_lines(numbered=False)[0]
    assert [t[3] for t in fields(line)][:6] == ["word_begin", "word_end"] * 3


def test_speaker_names_are_checked():
    from compress.errors import FrontendError

    with pytest.raises(FrontendError, match="accepted: F7, M7"):
        text_to_symbol_lines("你好", speaker="X", speakers=["F7", "M7"])
    with pytest.raises(FrontendError, match="cannot go into a symbol token"):
        text_to_symbol_lines("你好", speaker="a$b")
