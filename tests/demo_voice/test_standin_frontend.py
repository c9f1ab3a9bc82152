from compress.demo_voice.plan import SpeechPlan
from compress.demo_voice.standin_frontend import read_numbers, text_to_symbol_lines


def test_numbers_are_read():
    assert read_numbers("共105人，2023年，3.5元，20%，20000元，13812345678") == (
        "共一百零五人，二零二三年，三点五元，百分之二十，两万元，一三八一二三四五六七八")


def test_lines_per_sentence_with_breaks():
    lines = text_to_symbol_lines("今天天气很好，我们一起去北京。你好！")
    assert len(lines) == 2
    first = SpeechPlan.from_symbols(lines[0]).pinyin
    assert first[-1] == "#4" and "#3" in first and first.count("#4") == 1
    assert SpeechPlan.from_symbols(lines[1]).pinyin == ["ni2", "hao3", "#4"]
