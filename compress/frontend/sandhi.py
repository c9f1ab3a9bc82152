"""Tone sandhi: 不, 一 and third-tone chains, applied to the dictionary (citation) tones.

Rules, in the order they run:

不 (bu4): neutral bu5 between repeated syllables (去不去) and in the middle of a three-character
word (对不起, 来不及: the potential complement); bu2 before a fourth tone; bu4 elsewhere.

一 (yi1): readings fixed by normalization (digits, 第一, 十一) are kept; neutral yi5 between
repeated syllables (看一看); yi1 in ordinal words (一年级, 一等奖), after 第 or a numeral, before
a digit, and at the end of a word or phrase (统一, 万一); otherwise yi2 before a fourth or
neutral tone and yi4 before tones 1-3 (一个 yi2 ge4, 一起 yi4 qi3).

Third tones: a tone 3 followed by a tone 3 becomes tone 2 *inside a prosodic word* (a lexical
word plus the one-syllable words that lean on it, see prosody.py); across a prosodic-word
boundary there is a small pause and no sandhi. Inside the prosodic word, constituents are
resolved innermost first and right to left (the cyclic rule):

* a lexical word of three or more syllables is split where both halves are dictionary words:
  展览|馆 gives zhan2 lan2 guan3, 纸|老虎 gives zhi3 lao2 hu3 (the 2 of lao2 no longer
  triggers zhi); without a known split every tone 3 but the last becomes 2;
* words of a prosodic word combine right to left the same way: 很|好 hen2 hao3,
  我|很好 wo3 hen2 hao3, 我|喜欢 wo2 xi3 huan5.

A neutral tone (5) never triggers the rule (姐姐 jie3 jie5); fixed syllables neither change
nor trigger it (digits read one by one keep citation tones).
"""

from __future__ import annotations

from compress.frontend import polyphones as pp
from compress.frontend.segment import is_word
from compress.frontend.units import Syllable, Word

_DIGITS = set("零一二三四五六七八九")


def apply_bu_yi(words: list[Word]) -> None:
    """不 and 一 sandhi over one phrase (a run of words between punctuation)."""
    flat = [(w, i, s) for w in words for i, s in enumerate(w.syllables)]
    for k, (word, i, syl) in enumerate(flat):
        if syl.fixed or syl.text not in ("不", "一"):
            continue
        prev = flat[k - 1][2] if k > 0 else None
        nxt = flat[k + 1][2] if k + 1 < len(flat) else None
        if syl.text == "不":
            syl.tone = _bu(word, i, prev, nxt)
        else:
            syl.tone = _yi(word, i, prev, nxt)


def apply_decimal_point(words: list[Word]) -> None:
    """The integer part of a decimal is bound to 点: 五点二 wu2 dian3 er4, 九十九点五 jiu2.

    The digits after 点 are fixed (citation tones), so they trigger nothing; the integer part
    and 点 may sit in different jieba words (三十五|点|五元), hence a rule of its own.
    """
    flat = [s for w in words for s in w.syllables]
    for left, point, digit in zip(flat, flat[1:], flat[2:]):
        if (point.text == "点" and digit.fixed and _is_three(left) and _is_three(point)
                and left.text[-1:] in pp.NUMERAL_CHARS):
            left.tone = 2


def _repeated(prev: Syllable | None, nxt: Syllable | None) -> bool:
    return bool(prev and nxt and prev.text and prev.text[:1] == nxt.text[:1])


# A three-character word X不Y is a verb with its potential complement (对不起, 来不及) unless X
# is an adverb: 也不是, 要不然 keep a full 不.
_NOT_VERB_BEFORE_BU = set("也并决绝要可又还就都却而更最很太")


def _bu(word: Word, i: int, prev: Syllable | None, nxt: Syllable | None) -> int:
    if _repeated(prev, nxt):
        return 5
    if len(word.text) == 3 and i == 1 and word.text[0] not in _NOT_VERB_BEFORE_BU:
        return 5
    if nxt is not None and nxt.tone == 4:
        return 2
    return 4


def _yi(word: Word, i: int, prev: Syllable | None, nxt: Syllable | None) -> int:
    if _repeated(prev, nxt):
        return 5
    word_final = len(word) > 1 and i == len(word) - 1
    if _is_ordinal(word, i) or nxt is None or word_final:
        return 1
    if prev is not None and (prev.text in ("第",) or prev.text[-1:] in pp.NUMERAL_CHARS):
        return 1
    if nxt.text[:1] in _DIGITS:
        return 1
    return 2 if nxt.tone in (4, 5) else 4


def _is_ordinal(word: Word, i: int) -> bool:
    return i == 0 and any(word.text.startswith(w) for w in pp.YI_ORDINAL)


def _is_three(syl: Syllable) -> bool:
    return syl.tone == 3 and not syl.fixed


def _join(left: list[Syllable], right: list[Syllable]) -> None:
    """Boundary rule between two resolved constituents (right already final)."""
    if left and right and _is_three(left[-1]) and _is_three(right[0]):
        left[-1].tone = 2


def _resolve_word(text: str, syllables: list[Syllable]) -> None:
    """Third-tone sandhi inside one lexical word, by its internal structure."""
    split = _split_point(text) if len(syllables) > 2 and len(text) == len(syllables) else None
    if split is None:  # two syllables, or no known structure: right to left, syllable by syllable
        for k in range(len(syllables) - 2, -1, -1):
            _join(syllables[: k + 1], syllables[k + 1:])
        return
    _resolve_word(text[split:], syllables[split:])
    _resolve_word(text[:split], syllables[:split])
    _join(syllables[:split], syllables[split:])


def _split_point(text: str) -> int | None:
    """Where a word of 3+ characters divides into two dictionary words (left part longer first)."""
    for k in range(len(text) - 1, 0, -1):
        left, right = text[:k], text[k:]
        if (len(left) == 1 or is_word(left)) and (len(right) == 1 or is_word(right)):
            if len(left) > 1 or len(right) > 1:
                return k
    return None


def apply_third_tone(prosodic_word: list[Word]) -> None:
    """Third-tone sandhi inside one prosodic word (a list of lexical words)."""
    for word in prosodic_word:
        _resolve_word(word.text, word.syllables)
    for k in range(len(prosodic_word) - 2, -1, -1):
        right = [s for w in prosodic_word[k + 1:] for s in w.syllables]
        _join(prosodic_word[k].syllables, right)
