"""jieba through the SQLite frequency index: same words as stock jieba, robust cache."""

import logging
import sqlite3
from pathlib import Path


from compress.frontend import segment

SENTENCES = [
    "今天天气很好", "我去银行取钱", "银行行长明天来开会", "他的行动很快",
    "小明今年十岁，是一名三年级的学生", "据气象部门介绍，今年入夏以来全国平均气温偏高",
    "我们一起去北京", "南京市长江大桥", "他说不出话来",
]


def test_same_segmentation_as_stock_jieba():
    jieba = segment._import_jieba()
    stock = jieba.Tokenizer()
    stock.initialize()
    for text in SENTENCES:
        assert segment.cut(text) == stock.lcut(text), text


def test_dictionary_lookup():
    assert segment.is_word("银行") and not segment.is_word("银行行长取")


def test_damaged_index_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("SAMBERT_COMPRESS_CACHE", str(tmp_path))
    monkeypatch.setattr(segment, "_tokenizer", None)
    jieba = segment._import_jieba()
    path = segment._index_path(jieba, Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a database" * 100)
    tok = segment.tokenizer()
    assert isinstance(tok.FREQ, segment._SqliteFreq)
    assert tok.lcut("今天天气很好") == ["今天天气", "很", "好"]
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM freq").fetchone()[0] > 300_000
    tok.add_word("银行行长")  # jieba writes new words to FREQ: kept in memory, file untouched
    assert "银行行长" in tok.lcut("银行行长明天来")
    monkeypatch.setattr(segment, "_tokenizer", None)  # do not leak the temporary index


def test_jieba_is_quiet(capsys):
    segment.cut("你好")
    assert capsys.readouterr().err == ""
    assert logging.getLogger("jieba").level >= logging.WARNING
