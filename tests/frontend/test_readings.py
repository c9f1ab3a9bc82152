"""Readings: polyphones, neutral tones, erhua, and the 不 / 一 / third-tone sandhi rules."""

import pytest

from compress.frontend import analyze


def spoken(text: str) -> str:
    return " ".join(s for line in analyze(text).sentences for s in line.syllables)


def with_breaks(text: str) -> str:
    return " | ".join(" ".join(line.pinyin) for line in analyze(text).sentences)


@pytest.mark.parametrize("text,expected", [
    ("行动", "xing2 dong4"), ("银行", "yin2 hang2"), ("银行行长", "yin2 hang2 hang2 zhang3"),
    ("重要", "zhong4 yao4"), ("重复", "chong2 fu4"), ("他还没还书", "ta1 hai2 mei2 huan2 shu1"),
    ("河很长", "he2 hen3 chang2"), ("他长得高", "ta1 zhang3 de5 gao1"),
    ("他得去", "ta1 dei3 qu4"), ("跑得快", "pao3 de5 kuai4"), ("得到", "de2 dao4"),
    ("慢慢地走", "man4 man4 de5 zou3"), ("草地", "cao3 di4"),
    ("睡觉", "shui4 jiao4"), ("觉得", "jue2 de5"), ("音乐", "yin1 yue4"), ("快乐", "kuai4 le4"),
    ("数学", "shu4 xue2"), ("数钱", "shu3 qian2"), ("空调", "kong1 tiao2"), ("调查", "diao4 cha2"),
    ("一只猫", "yi4 zhi1 mao1"), ("出差", "chu1 chai1"), ("干净", "gan1 jing4"),
    ("干活", "gan4 huo2"), ("放假", "fang4 jia4"), ("为了", "wei4 le5"), ("成为", "cheng2 wei2"),
    ("首都", "shou3 du1"), ("都来了", "dou1 lai2 le5"), ("便宜", "pian2 yi5"), ("好处", "hao3 chu4"),
    ("着急", "zhao2 ji2"), ("看着", "kan4 zhe5"), ("睡不着", "shui4 bu5 zhao2"),
    ("种子", "zhong3 zi5"), ("种花", "zhong4 hua1"), ("教授", "jiao4 shou4"),
])
def test_polyphones(text, expected):
    assert spoken(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("朋友们", "peng2 you5 men5"), ("东西", "dong1 xi5"), ("妈妈", "ma1 ma5"),
    ("奶奶", "nai3 nai5"), ("姐姐", "jie3 jie5"), ("看看", "kan4 kan5"), ("桌子", "zhuo1 zi5"),
    ("好吗", "hao3 ma5"), ("走吧", "zou3 ba5"), ("你呢", "ni3 ne5"), ("讲故事", "jiang3 gu4 shi5"),
    ("常常", "chang2 chang2"),  # an adverb: no neutral tone
])
def test_neutral_tones(text, expected):
    assert spoken(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("一点儿", "yi4 dianr3"), ("一会儿", "yi2 huir4"), ("哪儿", "nar3"), ("好玩儿", "hao3 wanr2"),
    ("小孩儿", "xiao3 hair2"), ("女儿", "nv3 er2"), ("儿童", "er2 tong2"), ("这儿", "zher4"),
])
def test_erhua(text, expected):
    assert spoken(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("不去", "bu2 qu4"), ("不好", "bu4 hao3"), ("不来", "bu4 lai2"), ("不吃", "bu4 chi1"),
    ("去不去", "qu4 bu5 qu4"), ("对不起", "dui4 bu5 qi3"), ("来不及", "lai2 bu5 ji2"),
    ("也不是", "ye3 bu2 shi4"),
])
def test_bu(text, expected):
    assert spoken(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("一个", "yi2 ge4"), ("一天", "yi4 tian1"), ("一年", "yi4 nian2"), ("一起", "yi4 qi3"),
    ("第一", "di4 yi1"), ("统一", "tong3 yi1"), ("十一", "shi2 yi1"), ("看一看", "kan4 yi5 kan4"),
    ("一年级", "yi1 nian2 ji2"), ("1+1", "yi1 jia1 yi1"), ("一百", "yi4 bai3"),
    ("一万", "yi2 wan4"), ("1月1日", "yi1 yue4 yi1 ri4"), ("星期一", "xing1 qi1 yi1"),
    ("1998年", "yi1 jiu3 jiu3 ba1 nian2"),
])
def test_yi(text, expected):
    assert spoken(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("你好", "ni2 hao3"), ("可以", "ke2 yi3"), ("展览馆", "zhan2 lan2 guan3"),
    ("纸老虎", "zhi3 lao2 hu3"), ("很好", "hen2 hao3"), ("我很好", "wo3 hen2 hao3"),
    ("很友好", "hen3 you2 hao3"), ("我喜欢", "wo2 xi3 huan5"), ("五百", "wu2 bai3"),
    ("5.5", "wu2 dian3 wu3"), ("1999年", "yi1 jiu3 jiu3 jiu3 nian2"),
])
def test_third_tone(text, expected):
    assert spoken(text) == expected


def test_no_third_tone_sandhi_across_prosodic_words():
    # 老板|很友好: the pause between prosodic words blocks the rule.
    assert with_breaks("老板很友好") == "lao2 ban3 #1 hen3 you2 hao3 #4"


def test_character_without_reading_is_dropped_with_a_warning():
    result = analyze("你好兙吗")
    assert result.sentences[0].syllables == ["ni2", "hao3", "ma5"]
    assert result.warnings == ("no reading known for '兙': dropped",)
