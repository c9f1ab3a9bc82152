"""Text normalization: whatever a user types -> Chinese characters a reader can say.

The result is a list of pieces (numerals.Piece): one written character each, some with a fixed
reading (digits said one by one, spelled Latin letters). Punctuation is kept as canonical
Chinese marks, for the prosody stage; everything that cannot be spoken is dropped with a
warning, returned as data.

Rules are tried in order at every position; the first that matches wins:
dates (2024-03-15, 2024/6/30), years (2024年), times (10:30), phone numbers, money with a
currency sign, percentages, fractions, negative numbers, numbers with units, and plain numbers.
Choices, also documented in tests/frontend/corpus.tsv:

* 10:05 -> 十点零五分, 10:00 -> 十点, 08:30:15 -> 八点三十分十五秒; 3:2 (minutes < 10 written
  with one digit, or hours > 24) is a ratio, 三比二;
* -5度 / -5℃ -> 零下五度 / 零下五摄氏度; other negative numbers -> 负;
* a number that is 11 digits starting with 1, has the 3-4 / 3-3-4 / 3-4-4 hyphen pattern, or
  follows 电话/手机/号码/热线/拨打/致电, is a phone number (digit by digit, 1 -> 幺);
* Latin words of at most 4 letters, or all in capitals, are spelled with Chinese-style letter
  names (a warning says so); longer words are dropped with a warning (the voices have no English).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from compress.frontend import numerals
from compress.frontend.numerals import BOUNDARY, Piece, free

# Chinese-style letter names; the syllables are all in the Mandarin phone set.
LETTERS = {
    "A": "ei1", "B": "bi4", "C": "xi1", "D": "di4", "E": "yi1", "F": "ai4 fu1", "G": "ji4",
    "H": "ai4 qi1", "I": "ai4", "J": "jie4", "K": "kai4", "L": "ai4 le1", "M": "ai4 mu1",
    "N": "en1", "O": "ou1", "P": "pi1", "Q": "qiu1", "R": "a4 er3", "S": "ai4 si1", "T": "ti1",
    "U": "you1", "V": "wei1", "W": "da2 bu5 liu1", "X": "ai4 ke4 si1", "Y": "wai1", "Z": "zei1",
}
MAX_SPELLED = 4

SENTENCE_END = "。！？；…"
PAUSES = "，、："
# Canonical marks for what NFKC leaves as ASCII; brackets and dashes become pauses.
_PUNCT = {
    ".": "。", "!": "！", "?": "？", ";": "；", ",": "，", ":": "：", "(": "，", ")": "，",
    "—": "，", "–": "，", "\n": "。",
}
_SILENT = set("\"'“”‘’「」『』《》〈〉【】[]{}<>·・_`-/\\|")  # read as nothing, no warning
_CURRENCY = {"¥": "元", "$": "美元", "€": "欧元", "£": "英镑", "HK$": "港元"}
_UNITS = {
    "km/h": "公里每小时", "m/s": "米每秒", "kWh": "千瓦时", "mAh": "毫安时", "km": "公里",
    "kg": "公斤", "mg": "毫克", "ml": "毫升", "mL": "毫升", "cm": "厘米", "mm": "毫米",
    "kW": "千瓦", "kHz": "千赫兹", "MHz": "兆赫兹", "GHz": "吉赫兹", "Hz": "赫兹", "dB": "分贝",
    "min": "分钟", "ms": "毫秒", "°C": "摄氏度", "°F": "华氏度", "°": "度", "m": "米", "g": "克",
    "L": "升", "t": "吨", "h": "小时", "s": "秒", "W": "瓦", "V": "伏",
}
# Units written with superscripts, replaced before NFKC turns ² into a plain 2.
_SUPERSCRIPT_UNITS = {"km²": "平方公里", "cm²": "平方厘米", "m²": "平方米", "m³": "立方米",
                      "cm³": "立方厘米"}
# After a number these name rather than count: 二月, 三号, 二楼 (二 not 两, 一 stays yi1).
_ORDINAL_NEXT = re.compile(r"(月|日|号|楼|层|届|期|路|班|年级|等奖)")
_PHONE_CONTEXT = re.compile(r"(电话|手机|号码|热线|拨打|致电|呼叫|短信|call)[是为:：]?\s*$")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]+")

_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_CURRENCY_ALT = "|".join(re.escape(c) for c in sorted(_CURRENCY, key=len, reverse=True))


@dataclass(frozen=True)
class Normalized:
    pieces: tuple[Piece, ...]
    warnings: tuple[str, ...]

    @property
    def text(self) -> str:
        return "".join(ch for ch, _ in self.pieces)


def _number(whole: str, fraction: str | None, counting: bool = False) -> list[Piece]:
    whole = whole.replace(",", "")
    if fraction:
        return numerals.decimal(whole, fraction)
    return numerals.integer(whole, counting)


# --- rule handlers: (match, source text) -> pieces -------------------------------------------

def _date_ymd(m, _):
    return (numerals.digits(m[1]) + free("年") + numerals.ordinal(int(m[2])) + free("月")
            + numerals.ordinal(int(m[3])) + free("日"))


def _year_range(m, _):
    return numerals.digits(m[1]) + free("到") + numerals.digits(m[2])


def _year(m, _):
    if not 1000 <= int(m[1]) <= 2199:  # 5000年历史 is a duration: 五千年
        return None
    return numerals.digits(m[1])


def _time(m, _):
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    out = numerals.integer(str(hour), counting=True) + free("点")
    if minute or second:
        out += (free("零") if minute < 10 else []) + numerals.ordinal(minute) + free("分")
    if second:
        out += numerals.ordinal(second) + free("秒")
    return out


def _ratio(m, _):
    return numerals.integer(m[1]) + free("比") + numerals.integer(m[2])


def _phone(m, _):
    return numerals.digits(m[0], phone=True)


def _money(m, _):
    return _number(m[2], m[3], counting=True) + free(_CURRENCY[m[1]])


def _percent(m, _):
    sign = free("负") if m[1] else []
    return sign + free("千分之" if m[4] == "‰" else "百分之") + _number(m[2], m[3])


def _fraction(m, _):
    return numerals.integer(m[2]) + free("分之") + numerals.integer(m[1])


def _below_zero(m, _):
    unit = _UNITS.get(m[3], m[3])
    return free("零下") + _number(m[1], m[2], counting=True) + free(unit)


def _negative(m, _):
    return free("负") + _number(m[1], m[2])


def _with_unit(m, _):
    return _number(m[1], m[2], counting=True) + free(_UNITS[m[3]])


def _ordinal_number(m, _):
    return numerals.ordinal(int(m[1]))


def _plain_number(m, src):
    if not m[2] and src[max(0, m.start() - 1):m.start()] == "第":
        return numerals.ordinal(int(m[1].replace(",", "")))
    counting = bool(_HAN.match(src, m.end())) and not m[2]
    return _number(m[1], m[2], counting)


def _is_phone_context(src: str, start: int) -> bool:
    return bool(_PHONE_CONTEXT.search(src[max(0, start - 8):start]))


def _context_phone(m, src):
    if not _is_phone_context(src, m.start()):
        return None
    return numerals.digits(m[0], phone=True)


_RULES = [
    (re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"), _date_ymd),
    (re.compile(r"(\d{4})\s*[-~至到]\s*(\d{4})(?=年)"), _year_range),
    (re.compile(r"(\d{4})(?=年)"), _year),
    (re.compile(r"(?<!\d)([01]?\d|2[0-4]):([0-5]\d)(?::([0-5]\d))?(?![\d:])"), _time),
    (re.compile(r"(\d+):(\d+)"), _ratio),
    (re.compile(r"(?<!\d)(?:1[3-9]\d{9}|\d{3,4}-\d{7,8}|\d{3}-\d{3,4}-\d{4})(?![\d-])"), _phone),
    (re.compile(r"\d{3,}(?![\d.])"), _context_phone),
    (re.compile(rf"({_CURRENCY_ALT})\s?{_NUM}"), _money),
    (re.compile(rf"((?<![0-9A-Za-z.%‰])-)?{_NUM}(%|‰)"), _percent),
    (re.compile(r"(\d+)/(\d+)(?![\d/])"), _fraction),
    (re.compile(rf"(?<![0-9A-Za-z.%‰°])-{_NUM}\s*(°C|°|度)"), _below_zero),
    (re.compile(rf"(?<![0-9A-Za-z.%‰°])-{_NUM}"), _negative),
    (re.compile(rf"{_NUM}\s?({_UNIT_ALT})(?![A-Za-z])"), _with_unit),
    (re.compile(r"(\d{1,4})(?=" + _ORDINAL_NEXT.pattern + ")"), _ordinal_number),
    (re.compile(_NUM), _plain_number),
]


class _Builder:
    def __init__(self) -> None:
        self.pieces: list[Piece] = []
        self.warnings: list[str] = []
        self.dropped: list[str] = []

    def add(self, pieces: list[Piece]) -> None:
        self.flush_dropped()
        self.pieces.extend(pieces)

    def drop(self, ch: str) -> None:
        if unicodedata.category(ch) not in ("Mn", "Cf"):  # variation selectors, ZWJ
            self.dropped.append(ch)

    def flush_dropped(self) -> None:
        if self.dropped:
            self.warnings.append(f"dropped unspeakable symbols: {''.join(self.dropped)}")
            self.dropped = []


def _prepare(text: str) -> str:
    for written, spoken in _SUPERSCRIPT_UNITS.items():
        text = re.sub(rf"(?<=\d){re.escape(written)}", spoken, text)
    text = unicodedata.normalize("NFKC", text)  # full-width -> half-width, ℃ -> °C, ㎏ -> kg
    text = text.replace("〇", "零").replace("−", "-").replace("～", "~")
    return re.sub(r"\.{3,}|…+", "…", text)


def _latin(word: str, out: _Builder) -> None:
    if len(word) <= MAX_SPELLED or word.isupper():
        out.add([(ch, tuple(LETTERS[ch.upper()].split())) for ch in word])
        out.warnings.append(f"spelled the Latin letters {word!r} one by one")
    else:
        out.warnings.append(f"dropped the Latin word {word!r}: only short words are spelled")


def _operator(ch: str, src: str, i: int, out: _Builder) -> bool:
    """+ - ~ = & between numbers or words; returns False if `ch` is not one of them."""
    prev_digit = i > 0 and src[i - 1].isdigit()
    next_digit = i + 1 < len(src) and src[i + 1].isdigit()
    after_number = prev_digit or src[max(0, i - 2):i].endswith(("%", "‰", "°", "°C"))
    if ch in "-~" and after_number and next_digit:  # 10-20, 40%-60%: a range
        out.add(free("到"))
    elif ch == "+" and prev_digit:
        out.add(free("加"))
    elif ch in "×*" and prev_digit and next_digit:
        out.add(free("乘以"))
    elif ch == "÷" and prev_digit and next_digit:
        out.add(free("除以"))
    elif ch == "=":
        out.add(free("等于"))
    elif ch == "&":
        out.add(free("和"))
    else:
        return False
    return True


def _single(ch: str, src: str, i: int, out: _Builder) -> None:
    """Everything no rule matched: Han, punctuation, operators, or something to drop."""
    if _HAN.match(ch):
        out.add(free(ch))
    elif ch in SENTENCE_END or ch in PAUSES:
        out.add(free(ch))
    elif ch in _PUNCT:
        out.add(free(_PUNCT[ch]))
    elif _operator(ch, src, i, out):
        pass
    elif not (ch.isspace() or ch in _SILENT):
        out.drop(ch)


def normalize(text: str) -> Normalized:
    """Normalize raw text into pieces; never raises (empty results are the caller's call)."""
    src = _prepare(text)
    out = _Builder()
    i = 0
    while i < len(src):
        if src[i].isdigit() or src[i] in "-¥$€£" or src.startswith("HK$", i):
            matched = _apply_rules(src, i, out)
            if matched:
                i = matched
                continue
        latin = _LATIN.match(src, i)
        if latin:
            out.flush_dropped()
            _latin(latin[0], out)
            i = latin.end()
            continue
        _single(src[i], src, i, out)
        i += 1
    out.flush_dropped()
    return Normalized(tuple(out.pieces), tuple(out.warnings))


def _apply_rules(src: str, i: int, out: _Builder) -> int:
    """Try the number rules at `i`; returns the end of the match, or 0."""
    for pattern, handler in _RULES:
        m = pattern.match(src, i)
        if m is None:
            continue
        pieces = handler(m, src)
        if pieces is not None:
            out.add([BOUNDARY] + pieces + [BOUNDARY])
            return m.end()
    return 0
