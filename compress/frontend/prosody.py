"""Prosodic words, break levels, and splitting of over-long sentences.

Prosodic words. A one-syllable word rarely stands alone in speech: particles (的, 了, 吗 ...)
and the measure word after a number (三|个, 二零二四|年) lean on the word before them, and
other one-syllable words (很, 我, 去, 不 ...) lean on the word after them, as long as the
prosodic word stays within 4 syllables, particles not counted (我|很好 -> 我很好, 都|很|好吃 -> 都很好吃, 很|有意思). A one-syllable word that ends a
phrase leans back on the word before it (这件|事 -> 这件事), unless a particle closes it
(可以|走了). Longer words stand alone.

Breaks. #1 between prosodic words; #2 at an enumeration comma 、 and inside a long stretch
without punctuation (more than PHRASE_SYLLABLES syllables, cut into even parts); #3 at commas,
colons and brackets; #4 at the end of a sentence, i.e. of every output line.

Long sentences. A sentence of more than MAX_LINE_SYLLABLES syllables is cut into several lines
(the model and ttsfrd work sub-sentence by sub-sentence): at the strongest break in the part
that fits, preferring #3 over #2 over #1, and never making a line shorter than 40% of the
limit when a later cut is possible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from compress.frontend.polyphones import CLITICS, is_number
from compress.frontend.units import Word

MAX_LINE_SYLLABLES = 40
PHRASE_SYLLABLES = 10
LONG_WORD, CHUNK = 8, 4
_MAX_GROUP = 4


@dataclass
class Prosodic:
    """A prosodic word and the break after it (1-4)."""

    words: list[Word]
    level: int = 1
    mark: str = ""  # punctuation written after it (kept for the line's text)

    @property
    def syllable_count(self) -> int:
        return sum(len(w) for w in self.words)


def _is_clitic(word: Word) -> bool:
    return len(word) == 1 and word.syllables[0].tone == 5 and word.text in CLITICS


def _takes_measure(unit: list[Word], word: Word) -> bool:
    """A one-syllable word right after a bare number is its measure word or unit (三|个,
    二零二四|年, 十五|日): it stays with the number, whatever the length."""
    return len(unit) == 1 and is_number(unit[0].text) and len(word) == 1 and not is_number(word.text)


def _core(group: list[Word]) -> int:
    """Syllables of a group without its clitics (the size the grouping limit counts)."""
    return sum(len(w) for w in group if not _is_clitic(w))


def _split_long(word: Word) -> list[Word]:
    """A 'word' of more than LONG_WORD syllables (a digit string, a spelled acronym) is read
    in chunks of CHUNK syllables, cut where a character starts."""
    if len(word) <= LONG_WORD:
        return [word]
    chunks: list[Word] = []
    for syl in word.syllables:
        if not chunks or (len(chunks[-1]) >= CHUNK and syl.text):
            chunks.append(Word("", []))
        chunks[-1].syllables.append(syl)
        chunks[-1].text += syl.text
    return chunks


def group_words(words: list[Word]) -> list[list[Word]]:
    """Group one phrase's lexical words into prosodic words (see the module doc)."""
    units: list[list[Word]] = []  # each word with the particles that lean on it
    for word in (chunk for w in words for chunk in _split_long(w)):
        if not word.syllables:
            continue
        if units and (_is_clitic(word) or _takes_measure(units[-1], word)):
            units[-1].append(word)
        else:
            units.append([word])
    groups: list[list[Word]] = []
    for unit in reversed(units):  # one-syllable words lean right
        leans = len(unit) == 1 and _core(unit) == 1
        if groups and leans and _core(groups[0]) + 1 <= _MAX_GROUP:
            groups[0] = unit + groups[0]
        else:
            groups.insert(0, list(unit))
    if len(groups) >= 2 and len(groups[-1]) == 1 and _core(groups[-1]) == 1:
        _lean_back(groups)  # (a word with a particle, 走了, is closed: it does not lean)
    return groups


def _lean_back(groups: list[list[Word]]) -> None:
    """A phrase-final one-syllable word leans on the word before it (这件|事, 发送给|我).

    It has nothing to lean on to its right, so it wins over one-syllable words that leaned
    on the same word from the left: 请发送给|我 becomes 请|发送给我.
    """
    where = len(groups) - 2
    prev = groups[where]
    peel = 0
    while _core(prev[peel:]) + 1 > _MAX_GROUP and peel < len(prev) - 1 and len(prev[peel]) == 1:
        peel += 1
    if _core(prev[peel:]) + 1 > _MAX_GROUP:
        return
    prev.extend(groups.pop())
    if peel:
        groups[where:where + 1] = [prev[:peel], prev[peel:]]


def phrase_breaks(groups: list[list[Word]], mark: str) -> list[Prosodic]:
    """Prosodic words of one phrase with their breaks; `mark` is the punctuation after it."""
    items = [Prosodic(g) for g in groups]
    if not items:
        return items
    total = sum(p.syllable_count for p in items)
    if total > PHRASE_SYLLABLES:
        parts = math.ceil(total / (PHRASE_SYLLABLES * 0.8))
        for cut in _even_cuts(items, parts):
            items[cut].level = 2
    items[-1].level = 2 if mark == "、" else 3
    return items


def _even_cuts(items: list[Prosodic], parts: int) -> list[int]:
    """Indices after which to cut `items` into `parts` stretches of similar length."""
    if len(items) < 2:
        return []
    ends, acc = [], 0
    for p in items[:-1]:
        acc += p.syllable_count
        ends.append(acc)
    total = acc + items[-1].syllable_count
    cuts = set()
    for k in range(1, parts):
        target = total * k / parts
        cuts.add(min(range(len(ends)), key=lambda i: abs(ends[i] - target)))
    return sorted(cuts)


def split_lines(items: list[Prosodic], limit: int = MAX_LINE_SYLLABLES) -> list[list[Prosodic]]:
    """Cut one sentence into lines of at most `limit` syllables; each line ends with #4."""
    if not items:
        return []
    lines, start = [], 0
    while sum(p.syllable_count for p in items[start:]) > limit:
        cut = _best_cut(items, start, limit)
        lines.append(items[start:cut + 1])
        start = cut + 1
    lines.append(items[start:])
    for line in lines:
        line[-1].level = 4
    return lines


def _best_cut(items: list[Prosodic], start: int, limit: int) -> int:
    best, acc = None, 0
    for i in range(start, len(items) - 1):
        acc += items[i].syllable_count
        if acc > limit:
            break
        score = (items[i].level if acc >= 0.4 * limit else 0, i)
        if best is None or score >= best[0]:
            best = (score, i)
    return best[1] if best else start  # a single prosodic word longer than the limit
