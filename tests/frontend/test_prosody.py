"""Sentence splitting, breaks in long phrases, and cutting over-long sentences into lines."""

from compress.frontend import analyze
from compress.frontend.evaluate import load_corpus
from compress.frontend.prosody import MAX_LINE_SYLLABLES, PHRASE_SYLLABLES
from tests.frontend.test_corpus import CORPUS

ARTICLE = max((c for c in load_corpus(CORPUS) if c.category == "long"), key=lambda c: len(c.text))


def test_article_becomes_several_short_lines_and_nothing_is_lost():
    assert len(ARTICLE.text) >= 300
    result = analyze(ARTICLE.text)
    assert len(result.sentences) >= 6
    for line in result.sentences:
        assert 0 < len(line.syllables) <= MAX_LINE_SYLLABLES
        assert line.pinyin[-1] == "#4" and line.pinyin.count("#4") == 1
    # Every character of the normalized text is in exactly one line, in order.
    assert "".join(line.text for line in result.sentences) == result.normalized
    assert [s for line in result.sentences for s in line.syllables] == list(ARTICLE.expected)


def test_over_long_sentence_is_cut_at_commas_then_words():
    commas = "，".join(["我们今天一起去公园散步"] * 8) + "。"
    lines = analyze(commas).sentences
    assert len(lines) >= 3
    assert all(len(line.syllables) <= MAX_LINE_SYLLABLES for line in lines)
    assert all(line.text.endswith(("，", "。")) for line in lines)  # cut at the commas
    no_punctuation = "我们今天一起去公园散步" * 8
    lines = analyze(no_punctuation).sentences
    assert len(lines) >= 3 and all(len(line.syllables) <= MAX_LINE_SYLLABLES for line in lines)
    assert "".join(line.text for line in lines) == no_punctuation


def test_sentence_final_punctuation_splits_lines():
    result = analyze("第一句。第二句！第三句？第四句；第五句…第六句.")
    assert [line.text for line in result.sentences] == [
        "第一句。", "第二句！", "第三句？", "第四句；", "第五句…", "第六句。"]


def test_long_phrase_without_punctuation_gets_a_level_2_break():
    pinyin = analyze("我们明天上午一起去市中心的图书馆看书").sentences[0].pinyin
    assert len([p for p in pinyin if not p.startswith("#")]) > PHRASE_SYLLABLES
    assert "#2" in pinyin


def test_prosodic_words():
    assert " ".join(analyze("我很好").sentences[0].pinyin) == "wo3 hen2 hao3 #4"
    assert " ".join(analyze("我们的老师").sentences[0].pinyin) == "wo3 men5 de5 #1 lao3 shi1 #4"
    assert " ".join(analyze("我们走吧").sentences[0].pinyin) == "wo3 men5 #1 zou3 ba5 #4"


def test_very_long_words_are_read_in_chunks():
    result = analyze("1" * 100)  # an identifier: one word of 100 digits
    assert sum(len(line.syllables) for line in result.sentences) == 100
    assert all(len(line.syllables) <= MAX_LINE_SYLLABLES for line in result.sentences)
    assert "#1" in result.sentences[0].pinyin
