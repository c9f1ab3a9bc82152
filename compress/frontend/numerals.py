"""Arabic numbers -> Chinese numerals, as pieces that may carry a fixed reading.

A *piece* is one written character and, optionally, the syllables it must be read as. The
pinyin stage reads pieces without a reading from the dictionary and leaves fixed ones alone
(tone sandhi skips them too). Numbers fix readings where the spoken form is not what the
dictionary plus sandhi would give:

* digits read one by one (years, phone numbers, the digits after a decimal point) keep their
  citation tones, so 1999 is yi1 jiu3 jiu3 jiu3, not a third-tone chain;
* a 一 inside or at the end of a number (十一, 一百零一) is yi1; only the leading 一 of a
  number (一百, 一万, 一个) is left to the 一-sandhi rule (yi4 bai3, yi2 wan4, yi2 ge4).

Conventions (see tests/frontend/corpus.tsv): 10-19 read 十, 十五 (no 一) at the start of a
number; 两 for a 2 before 千, for a leading 2 before 百/万/亿, and for an exact 2 that counts
something (两个, 两米); 二 elsewhere (二十, 一千二百, 二月, 第二).
"""

from __future__ import annotations

Reading = tuple[str, ...] | None
Piece = tuple[str, Reading]
# A zero-width piece: a word boundary jieba must keep. Numbers are wrapped in it, so that a
# numeral made from digits is not glued to the text around it (路长3公里 -> 路|长|三公里,
# not 路|长三|公里).
BOUNDARY: Piece = ("", None)

DIGIT_CHARS = "零一二三四五六七八九"
CITATION = {
    "零": "ling2", "一": "yi1", "二": "er4", "三": "san1", "四": "si4", "五": "wu3",
    "六": "liu4", "七": "qi1", "八": "ba1", "九": "jiu3", "幺": "yao1", "两": "liang3",
}
# Longer digit strings are identifiers (order numbers, IDs) and are read digit by digit.
MAX_CARDINAL_DIGITS = 13


def free(text: str) -> list[Piece]:
    """Pieces read from the dictionary (no fixed reading)."""
    return [(ch, None) for ch in text]


def fixed(text: str) -> list[Piece]:
    """Pieces that keep their citation reading (digits read one by one)."""
    return [(ch, (CITATION[ch],)) for ch in text]


def digits(text: str, phone: bool = False) -> list[Piece]:
    """'2024' -> 二零二四; with `phone`, 1 is read yao1 (幺), as phone numbers are."""
    chars = "".join(DIGIT_CHARS[int(d)] for d in text if d.isdigit())
    if phone:
        chars = chars.replace("一", "幺")
    return fixed(chars)


def _group(value: int, leading: bool) -> str:
    """0 < value < 10000 with 千百十; `leading` drops the 一 of a leading 十 (十五)."""
    out, zero, started = [], False, False
    for unit, digit in zip(("千", "百", "十", ""), f"{value:04d}"):
        if digit == "0":
            zero = zero or started
            continue
        if zero:
            out.append("零")
            zero = False
        if not (leading and not started and unit == "十" and digit == "1"):
            out.append(DIGIT_CHARS[int(digit)])
        out.append(unit)
        started = True
    return "".join(out)


def _read(value: int, leading: bool) -> str:
    for size, unit in ((10**8, "亿"), (10**4, "万")):
        if value >= size:
            high, low = divmod(value, size)
            text = _read(high, leading) + unit
            if low:
                # 一万零五百: a zero is spoken when the lower part does not fill its places.
                text += ("零" if low < size // 10 else "") + _read(low, False)
            return text
    return _group(value, leading) if value else "零"


def _use_liang(chars: str) -> str:
    out = list(chars)
    for i, ch in enumerate(out):
        nxt = out[i + 1] if i + 1 < len(out) else ""
        if ch == "二" and (nxt == "千" or (i == 0 and nxt in ("百", "万", "亿"))):
            out[i] = "两"
    return "".join(out)


def cardinal(value: int, counting: bool = False) -> list[Piece]:
    """An integer as a number word; `counting`: a measure word follows (2 -> 两)."""
    if value == 2 and counting:
        return free("两")
    chars = _use_liang(_read(value, True))
    # Only a leading 一 is left to sandhi; every other 一 of a number is yi1.
    return [(ch, ("yi1",) if ch == "一" and i > 0 else None) for i, ch in enumerate(chars)]


def ordinal(value: int) -> list[Piece]:
    """Numbers that name rather than count (第二, 二月, 一号): 二 not 两, 一 always yi1."""
    chars = _read(value, True)
    return [(ch, ("yi1",) if ch == "一" else None) for ch in chars]


def integer(text: str, counting: bool = False) -> list[Piece]:
    """A digit string: as a number word, or digit by digit if it is an identifier."""
    if (len(text) > 1 and text.startswith("0")) or len(text) > MAX_CARDINAL_DIGITS:
        return digits(text)
    value = int(text)
    if value == 1 and not counting:
        return fixed("一")  # a bare 1 (1+1, 第1) is said yi1
    return cardinal(value, counting)


def decimal(whole: str, fraction: str) -> list[Piece]:
    """59.9 -> 五十九点九; the integer part is an ordinary number, the rest digit by digit."""
    head = fixed("一") if int(whole or "0") == 1 else integer(whole or "0")
    return head + free("点") + digits(fraction)
