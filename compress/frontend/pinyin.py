"""Dictionary readings of a phrase's words: polyphones, neutral tones, erhua.

For each jieba word the reading comes from, in order: the project's WORDS table, pypinyin's
phrase dictionary, or the fewest known phrases the word splits into (银行行长 -> 银行 + 行长),
with pypinyin's default reading for characters left over. Words jieba's HMM made up (他长)
are split into such pieces first. One-character words go through the polyphone context rules
(polyphones.contextual). Then neutral tones and erhua are applied per word, and adjacent
number words are joined. Tone sandhi is the next stage (sandhi.py).
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
from pypinyin.contrib.tone_convert import to_tone3

from compress.frontend import polyphones as pp
from compress.frontend.numerals import Piece
from compress.frontend.phones import has_phones
from compress.frontend.segment import is_word
from compress.frontend.units import Syllable, Word, parse_syllable

_MAX_PHRASE = 8  # longest dictionary phrase tried when splitting an unknown word


def _tone3(marked: str) -> str:
    return to_tone3(marked, neutral_tone_with_five=True, v_to_u=False)


@lru_cache(maxsize=4096)
def phrase_reading(text: str) -> tuple[str, ...] | None:
    """Reading of a known phrase (project table first, then pypinyin), or None."""
    if text in pp.WORDS:
        return tuple(pp.WORDS[text].split())
    if text in PHRASES_DICT:
        return tuple(_tone3(options[0]) for options in PHRASES_DICT[text])
    return None


def char_reading(ch: str) -> str | None:
    """pypinyin's first (most common) reading of one character, or None if it has none."""
    raw = PINYIN_DICT.get(ord(ch))
    return _tone3(raw.split(",")[0]) if raw else None


def split_known(text: str) -> list[str]:
    """Split `text` into the fewest pieces that are known phrases or single characters."""
    n = len(text)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(max(0, end - _MAX_PHRASE), end):
            if best[start] is None:
                continue
            piece = text[start:end]
            if len(piece) > 1 and phrase_reading(piece) is None:
                continue
            candidate = best[start] + [piece]
            if best[end] is None or len(candidate) < len(best[end]):
                best[end] = candidate
    return best[n]


def _split_made_up(words: list[list[Piece]]) -> list[list[Piece]]:
    """Split words jieba's HMM made up (他长, 发送给) into known phrases and characters.

    They are no dictionary words, and reading or grouping them whole goes wrong: the
    polyphone 长 of 他长 needs its context rule, 给 of 发送给 leans on the 我 after it.
    """
    out: list[list[Piece]] = []
    for word in words:
        text = "".join(ch for ch, _ in word)
        if (len(word) == 1 or any(fixed for _, fixed in word) or phrase_reading(text) is not None
                or is_word(text)):
            out.append(word)
            continue
        pos = 0
        for piece in split_known(text):
            out.append(word[pos:pos + len(piece)])
            pos += len(piece)
    return out


def _readings(texts: list[str]) -> list[str]:
    """One reading per character of the (free) words of a phrase.

    pypinyin leaves out phrases whose characters' default readings are right, so a jieba
    dictionary word that pypinyin does not list is read as its known sub-phrases (银行行长 ->
    银行 + 行长) and default readings. Context rules are for one-character words.
    """
    readings: list[str] = []
    for i, word in enumerate(texts):
        if len(word) == 1:
            prev = texts[i - 1] if i > 0 else None
            nxt = texts[i + 1] if i + 1 < len(texts) else None
            readings.append(pp.contextual(word, prev, nxt) or char_reading(word) or "")
            continue
        pieces = [word] if phrase_reading(word) else split_known(word)
        for k, piece in enumerate(pieces):
            known = phrase_reading(piece) if len(piece) > 1 else None
            if known:
                readings.extend(known)
            elif 0 < k < len(pieces) - 1 and piece in pp.INFIX_PARTICLES:
                readings.append(pp.INFIX_PARTICLES[piece])  # 跑得快, 看着书: V+particle+X
            else:
                readings.extend(char_reading(ch) or "" for ch in piece)
    return readings


def _merge_numbers(words: list[Word]) -> list[Word]:
    """Adjacent number words form one word (八百|五十 -> 八百五十), for sandhi and prosody."""
    out: list[Word] = []
    for word in words:
        if out and pp.is_number(word.text) and pp.is_number(out[-1].text):
            out[-1] = Word(out[-1].text + word.text, out[-1].syllables + word.syllables)
        else:
            out.append(word)
    return out


def read_words(words: list[list[Piece]], warnings: list[str] | None = None) -> list[Word]:
    """Syllables for one phrase's words (each a list of normalized pieces).

    A character without any reading (a rare ideograph pypinyin does not know) is dropped,
    with a note in `warnings`.
    """
    words = _split_made_up(words)
    texts = ["".join(ch for ch, _ in word) for word in words]
    readings = iter(_readings([t for t, w in zip(texts, words) if not _all_fixed(w)]))
    out: list[Word] = []
    for text, word in zip(texts, words):
        syllables: list[Syllable] = []
        free_word = not _all_fixed(word)
        for ch, fixed in word:
            reading = next(readings) if free_word else None
            if fixed:
                syllables += [parse_syllable(p, ch if k == 0 else "", True) for k, p in enumerate(fixed)]
            elif reading:
                syllables.append(parse_syllable(reading, ch))
            elif warnings is not None:
                warnings.append(f"no reading known for {ch!r}: dropped")
        out.append(Word(text, syllables))
    for word in out:
        _neutral_tones(word)
    return _merge_numbers(_erhua(out))


def _all_fixed(word: list[Piece]) -> bool:
    return all(fixed for _, fixed in word)


def _neutral_tones(word: Word) -> None:
    """Neutral last syllables: light-tone words (also at the end of a longer jieba word,
    讲故事, 很漂亮), the plural 们, and reduplicated kinship terms and verbs (妈妈, 看看)."""
    syl = word.syllables
    if len(syl) < 2 or syl[-1].fixed:
        return
    stem = word.text[:-1] if word.text.endswith("们") else word.text
    if word.text.endswith("们"):
        syl[-1].tone = 5
    if len(stem) >= 2 and any(stem.endswith(w) for w in pp.NEUTRAL_LAST) and len(stem) <= len(syl):
        syl[len(stem) - 1].tone = 5
    if len(word.text) == 2 and word.text[0] == word.text[1] and word.text[0] in pp.NEUTRAL_REDUPLICATION:
        syl[-1].tone = 5


def _erhua(words: list[Word]) -> list[Word]:
    """Merge an erhua 儿 into the syllable before it: 一点儿 -> dianr3, 玩儿 -> wanr2."""
    out: list[Word] = []
    for word in words:
        if word.text == "儿" and out and _can_take_r(out[-1], out[-1].text + "儿"):
            _merge_r(out[-1], word.syllables[0].text)
            continue
        if (len(word.text) >= 2 and word.text.endswith("儿") and len(word.syllables) >= 2
                and _can_take_r(Word(word.text, word.syllables[:-1]), word.text)):
            er = word.syllables.pop()
            _merge_r(word, er.text)
        out.append(word)
    return out


def _can_take_r(word: Word, with_er: str) -> bool:
    if not word.syllables or any(with_er.endswith(w) for w in pp.NOT_ERHUA):
        return False
    last = word.syllables[-1]
    return not last.fixed and last.text != "儿" and has_phones(last.base + "r")


def _merge_r(word: Word, er_text: str) -> None:
    last = word.syllables[-1]
    last.base += "r"
    last.text += er_text
    word.text = word.text if word.text.endswith("儿") else word.text + er_text
