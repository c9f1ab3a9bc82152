"""The units the frontend stages pass along: spoken syllables grouped into lexical words.

They are mutable on purpose: the stages (neutral tones, erhua, sandhi) refine readings in
place, in order, on one sentence at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Syllable:
    """One spoken syllable: `base` is toneless pinyin (`zhong`, `lv`, `dianr`), `tone` 1-5."""

    text: str  # the characters it is written with ('' for the 2nd+ syllable of a letter name)
    base: str
    tone: int
    fixed: bool = False  # reading fixed by normalization (digits, letters): sandhi leaves it

    @property
    def pinyin(self) -> str:
        return f"{self.base}{self.tone}"


@dataclass
class Word:
    """A lexical word (one jieba token) and its syllables."""

    text: str
    syllables: list[Syllable] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.syllables)


def parse_syllable(pinyin: str, text: str = "", fixed: bool = False) -> Syllable:
    """'zhong4' -> Syllable; a syllable without a tone digit is neutral (5)."""
    if pinyin[-1:].isdigit():
        return Syllable(text, pinyin[:-1], int(pinyin[-1]), fixed)
    return Syllable(text, pinyin, 5, fixed)
