"""Text normalization: numbers read as a person reads them, symbols, scripts, punctuation."""

import pytest

from compress.frontend.normalize import normalize
from compress.frontend.numerals import cardinal, ordinal


def text(raw: str) -> str:
    return normalize(raw).text


def fixed(raw: str) -> list[tuple[str, tuple]]:
    return [(ch, r) for ch, r in normalize(raw).pieces if ch and r]


@pytest.mark.parametrize("raw,expected", [
    ("2024年", "二零二四年"),
    ("1998年出生", "一九九八年出生"),
    ("5000年历史", "五千年历史"),
    ("2020-2024年", "二零二零到二零二四年"),
    ("365天", "三百六十五天"),
    ("2个", "两个"),
    ("2米", "两米"),
    ("12个", "十二个"),
    ("200人", "两百人"),
    ("1200元", "一千二百元"),
    ("12000名", "一万两千名"),
    ("22000", "两万两千"),
    ("10", "十"),
    ("110", "一百一十"),
    ("1005", "一千零五"),
    ("10500", "一万零五百"),
    ("100500", "十万零五百"),
    ("14亿", "十四亿"),
    ("123456789", "一亿两千三百四十五万六千七百八十九"),
    ("1,234,567", "一百二十三万四千五百六十七"),
    ("59.9元", "五十九点九元"),
    ("0.25", "零点二五"),
    ("2.5", "二点五"),
    ("3/4", "四分之三"),
    ("1+1=2", "一加一等于二"),
    ("3:2", "三比二"),
])
def test_numbers(raw, expected):
    assert text(raw) == expected


@pytest.mark.parametrize("raw,expected", [
    ("3月15日", "三月十五日"),
    ("2月2号", "二月二号"),
    ("2024-03-15", "二零二四年三月十五日"),
    ("2024/6/30", "二零二四年六月三十日"),
    ("10:30", "十点三十分"),
    ("10:05", "十点零五分"),
    ("10:00", "十点"),
    ("2:15", "两点十五分"),
    ("08:30:15", "八点三十分十五秒"),
    ("9:00-21:00", "九点到二十一点"),
])
def test_dates_and_times(raw, expected):
    assert text(raw) == expected


@pytest.mark.parametrize("raw,expected", [
    ("50%", "百分之五十"),
    ("12.5%", "百分之十二点五"),
    ("-3%", "负百分之三"),
    ("3‰", "千分之三"),
    ("40%-60%", "百分之四十到百分之六十"),
    ("-5度", "零下五度"),
    ("-5℃", "零下五摄氏度"),
    ("-2°C", "零下两摄氏度"),
    ("气温是-5", "气温是负五"),
    ("-5+3", "负五加三"),
    ("¥120", "一百二十元"),
    ("$850", "八百五十美元"),
    ("€50", "五十欧元"),
    ("£20", "二十英镑"),
    ("HK$100", "一百港元"),
    ("￥35.5", "三十五点五元"),
    ("5kg", "五公斤"),
    ("120km", "一百二十公里"),
    ("180cm", "一百八十厘米"),
    ("60km/h", "六十公里每小时"),
    ("500ml", "五百毫升"),
    ("20mg", "二十毫克"),
    ("90m²", "九十平方米"),
    ("35℃", "三十五摄氏度"),
    ("3 kg", "三公斤"),
])
def test_percent_negative_money_units(raw, expected):
    assert text(raw) == expected


def test_phone_numbers_digit_by_digit_with_yao():
    assert text("13812345678") == "幺三八幺二三四五六七八"
    assert text("010-62345678") == "零幺零六二三四五六七八"
    assert text("400-820-8820") == "四零零八二零八八二零"
    assert text("请拨打110") == "请拨打幺幺零"
    assert text("电话是120") == "电话是幺二零"
    assert text("共120人") == "共一百二十人"  # no phone context: a number


def test_digits_and_ordinals_keep_citation_readings():
    assert fixed("1998年") == [("一", ("yi1",)), ("九", ("jiu3",)), ("九", ("jiu3",)), ("八", ("ba1",))]
    assert ("一", ("yi1",)) in fixed("第1名")
    assert text("第2次") == "第二次"
    assert ("一", ("yi1",)) in fixed("1月")
    assert fixed("3.14") == [("一", ("yi1",)), ("四", ("si4",))]
    assert fixed("1天") == []  # a leading 一 that counts is left to sandhi (yi4 tian1)
    assert fixed("101") == [("一", ("yi1",))]  # only the inner 一 is fixed


def test_numeral_functions():
    assert "".join(c for c, _ in cardinal(2, counting=True)) == "两"
    assert "".join(c for c, _ in cardinal(2)) == "二"
    assert "".join(c for c, _ in ordinal(21)) == "二十一"
    assert "".join(c for c, _ in cardinal(10**12)) == "一万亿"
    assert text("0086") == "零零八六"  # identifiers with a leading zero: digit by digit


def test_punctuation_full_and_half_width():
    assert text("好的,我知道了.") == "好的，我知道了。"
    assert text("你好！今天怎么样？") == "你好！今天怎么样？"
    assert text("他说：“走吧。”") == "他说：走吧。"
    assert text("《红楼梦》") == "红楼梦"
    assert text("今天（星期一）") == "今天，星期一，"
    assert text("等等……好") == "等等…好"
    assert text("他买了１２３本书") == "他买了一百二十三本书"
    assert text("春天\n来了") == "春天。来了"


def test_latin_letters_spelled_or_dropped_with_warning():
    result = normalize("我用CPU算")
    assert result.text == "我用CPU算"
    assert [r for c, r in result.pieces if c == "C"] == [("xi1",)]
    assert any("CPU" in w for w in result.warnings)
    assert [r for c, r in normalize("W").pieces if c] == [("da2", "bu5", "liu1")]
    dropped = normalize("发送hello给我")
    assert dropped.text == "发送给我"
    assert any("hello" in w and "dropped" in w for w in dropped.warnings)
    assert normalize("ＡＢＣ").text == "ABC"


def test_emoji_and_symbols_dropped_with_warning():
    result = normalize("我喜欢😀吃苹果🍎。★")
    assert result.text == "我喜欢吃苹果。"
    assert len(result.warnings) == 3
    assert all("dropped" in w for w in result.warnings)
    assert normalize("今天☀️").warnings == ("dropped unspeakable symbols: ☀",)
    assert normalize("A&B").text == "A和B"


def test_hyphens_and_slashes_between_words_are_silent():
    result = normalize("Wi-Fi和A/B测试")
    assert result.text == "WiFi和AB测试"
    assert not any("dropped" in w for w in result.warnings)
