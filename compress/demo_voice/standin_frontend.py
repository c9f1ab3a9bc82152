"""A small stand-in for the project's frontend, used only while `compress.frontend` is missing.

Text -> ttsfrd lines with pypinyin (TONE3, neutral tone 5, its 一/不 sandhi, plus 3-3 sandhi
inside a phrase) and jieba word boundaries: one line per sentence (split at 。！？；), #1 between
words, #3 at commas, #4 at the end; digits read as Chinese numbers. It follows FORMAT.md §5 but
has no prosody model and no text normalization beyond numbers. The corpus builder prefers
`compress.frontend.text_to_symbol_lines` as soon as that exists (`build.default_frontend`).
"""

from __future__ import annotations

import re

from compress.demo_voice.pinyin import split_tone, syllable_phones
from compress.errors import SymbolError

_SENTENCE_END = re.compile(r"[。！？；!?;\n]+")
_PHRASE_BREAK = re.compile(r"[，、,：:（）()“”\"《》—…·]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_DIGITS = "零一二三四五六七八九"
_UNITS = ((100000000, "亿"), (10000, "万"), (1000, "千"), (100, "百"), (10, "十"))


def _integer(n: int) -> str:
    """Reading of 0 <= n < 10^12: 10 -> 十, 15 -> 十五, 105 -> 一百零五, 20000 -> 两万."""
    if n < 10:
        return _DIGITS[n]
    for value, unit in _UNITS:
        if n >= value:
            head, rest = divmod(n, value)
            head_text = "两" if head == 2 and value >= 1000 else _integer(head)
            if value == 10 and head == 1:
                head_text = ""
            tail = ""
            if rest:
                tail = ("零" if rest < value // 10 else "") + _integer(rest)
            return head_text + unit + tail
    raise AssertionError(n)


def _number(match: re.Match) -> str:
    text, suffix = match.group(1), match.group(2) or ""
    if suffix == "年" and len(text) == 4 and text.isdigit():
        return "".join(_DIGITS[int(d)] for d in text) + suffix
    whole, _, frac = text.partition(".")
    if len(whole) > 12 or (len(whole) >= 7 and not frac and suffix != "%"):
        spoken = "".join(_DIGITS[int(d)] for d in whole)  # codes, phone numbers
    else:
        spoken = _integer(int(whole))
    if frac:
        spoken += "点" + "".join(_DIGITS[int(d)] for d in frac)
    return ("百分之" + spoken) if suffix == "%" else spoken + suffix


def read_numbers(text: str) -> str:
    return re.sub(r"(\d+(?:\.\d+)?)(%|年)?", _number, text)


def _tone3(text: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    out = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, tone_sandhi=True)
    # KAN-TTS spells ü as v everywhere: ju -> jv, yuan -> yvan.
    out = [re.sub(r"^([jqxy])u", r"\1v", p) for p in out]
    # 3-3 sandhi across words inside a phrase, left to right, as espeak-ng itself speaks it.
    for i in range(len(out) - 1):
        if out[i].endswith("3") and out[i + 1].endswith("3"):
            out[i] = out[i][:-1] + "2"
    return out


def _token(phone: str, tone: int, flag: str, segment: str, emotion: str, speaker: str) -> str:
    return "{" + f"{phone}$tone{tone}${flag}${segment}${emotion}${speaker}" + "}"


def _break(level: int, speaker: str) -> str:
    return "{" + f"#{level}$tone_none$s_none$word_none$emotion_none${speaker}" + "}"


def _word_tokens(pinyins: list[str], emotion: str, speaker: str) -> list[str]:
    phones = []
    for syllable in pinyins:
        toneless, tone = split_tone(syllable)
        initial, final = syllable_phones(toneless)
        phones += [(initial, tone, "s_begin"), (final, tone, "s_end")]
    last = len(phones) - 1
    segments = ["word_begin" if i == 0 else "word_end" if i == last else "word_middle" for i in range(len(phones))]
    return [_token(p, t, f, s, emotion, speaker) for (p, t, f), s in zip(phones, segments)]


def _phrase_tokens(phrase: str, emotion: str, speaker: str) -> list[list[str]]:
    import jieba

    han = "".join(_HAN.findall(phrase))
    if not han:
        return []
    pinyins = _tone3(han)
    words, pos = [], 0
    for word in jieba.lcut(han, HMM=False):
        words.append(_word_tokens(pinyins[pos : pos + len(word)], emotion, speaker))
        pos += len(word)
    return words


def text_to_symbol_lines(text: str, emotion: str = "emotion_neutral", speaker: str = "F7") -> list[str]:
    """ttsfrd-format lines (no index prefix), one per sentence of `text`."""
    lines = []
    for sentence in _SENTENCE_END.split(read_numbers(text)):
        tokens: list[str] = []
        for phrase in _PHRASE_BREAK.split(sentence):
            words = _phrase_tokens(phrase, emotion, speaker)
            for index, word in enumerate(words):
                tokens += word
                tokens.append(_break(1 if index < len(words) - 1 else 3, speaker))
        if tokens:
            tokens[-1] = _break(4, speaker)
            lines.append(" ".join(tokens))
    if not lines:
        raise SymbolError(f"no Chinese syllable in {text!r}")
    return lines
