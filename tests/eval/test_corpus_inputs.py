"""The corpus and the bench inputs (symbols files; text needs the frontend)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from compress.errors import InputError, SymbolError
from eval import corpus, inputs
from tests.eval.conftest import SYMBOLS


def han(text: str) -> int:
    return len(re.findall(r"[\u4e00-\u9fff]", text))


def test_fifty_sentences_in_four_domains():
    sentences = corpus.sentences()
    assert len(sentences) == 50
    assert set(Counter(s.domain for s in sentences)) == set(corpus.DOMAINS)
    assert min(Counter(s.domain for s in sentences).values()) >= 12
    assert len({s.id for s in sentences}) == 50 and len({s.text for s in sentences}) == 50
    assert 26 <= sum(han(s.text) for s in sentences) / 50 <= 30


def test_long_texts():
    long = corpus.long_texts()
    assert 3 <= len(long) <= 4
    assert all(len(t.text) >= 300 for t in long)


def test_balanced_subsets_cover_domains_and_are_stable():
    sentences = corpus.sentences()
    four = corpus.balanced(sentences, 4)
    assert {s.domain for s in four} == set(corpus.DOMAINS)
    assert four == corpus.balanced(sentences, 4)
    assert corpus.balanced(sentences, None) == sentences
    with pytest.raises(InputError):
        corpus.balanced(sentences, 0)


def test_symbols_file(tmp_path):
    items = inputs.read_symbols_file(SYMBOLS)
    assert [i.id for i in items] == ["tiny-utt0", "tiny-utt1", "16k-utt0", "16k-utt1"]
    assert items[1].tokens == 18 and items[0].text is None
    bad = tmp_path / "bad.symbols"
    bad.write_text("a\t{x$y}\n", encoding="utf-8")
    with pytest.raises(SymbolError, match="bad.symbols, line 1"):
        inputs.read_symbols_file(bad)
    with pytest.raises(InputError, match="not found"):
        inputs.read_symbols_file(tmp_path / "none.symbols")


def test_long_texts_need_the_corpus():
    with pytest.raises(InputError, match="long_texts needs bench.input=corpus"):
        inputs.load_items(str(SYMBOLS), 2, None, "F7", long_count=1)


def test_encoding_applies_speaker_and_emotion(tiny_voice):
    item = inputs.read_symbols_file(SYMBOLS)[0]
    encoded = inputs.encode_item(tiny_voice, item, "M7", "sad")
    assert set(encoded[0].speaker) == {tiny_voice.tables.speaker_id("M7")}
    with pytest.raises(SymbolError, match="sentence tiny-utt0: unknown speaker"):
        inputs.encode_item(tiny_voice, item, "nobody", None)


def test_every_corpus_text_goes_through_the_frontend(tiny_voice):
    items, long = inputs.load_items("corpus", None, None, "F7", long_count=4)
    assert len(items) == 50 and len(long) == 4
    for item in items + long:
        assert item.tokens > 0
        inputs.encode_item(tiny_voice, item, "F7", "neutral")
