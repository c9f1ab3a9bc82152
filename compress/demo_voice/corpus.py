"""The demo voice's Chinese text: written sentences, held-out test sentences, generated phrases.

* `written_sentences()`: the sentences in data/sentences.txt, written for this project (news, daily
  life, shopping, education, customer service, stories; numbers and polyphones on purpose).
* `heldout_sentences()`: data/heldout.txt, 30 sentences never used in training.
* `generated_sentences(count, seed)`: phrases composed from jieba's dictionary (frequent words by
  part of speech in simple sentence patterns), chosen greedily to cover tonal syllables the other
  sentences miss. Deterministic for a seed.
"""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from compress.errors import DataError

DATA_DIR = Path(__file__).resolve().parent / "data"
_HAN_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")
# Part-of-speech patterns (jieba tags); "，" starts a new phrase (a #3 break in the frontend).
_PATTERNS = (
    "r d v n", "t r v n", "n d a", "r v n u n", "p n v n", "r d v v n", "t p n v n",
    "n v n ， r d a", "r v m q n", "a u n d a", "n p n v", "r d d v n ， v n",
    "t n d a ， r v n", "n u n d v", "r v v n ， d a",
)
_TAGS = {"n": ("n", "nr", "ns"), "v": ("v", "vn"), "a": ("a", "ad"), "d": ("d",), "r": ("r",),
         "t": ("t",), "p": ("p",), "m": ("m",), "q": ("q",), "u": ("uj",)}
_WORDS_PER_TAG = 1500
_CANDIDATES_PER_SENTENCE = 12


@dataclass(frozen=True)
class Sentence:
    id: str
    text: str
    source: str  # written, generated, heldout
    domain: str


def _read_sentences(name: str, prefix: str, source: str) -> list[Sentence]:
    sentences, domain = [], ""
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#"):
            if re.fullmatch(r"#\s*\w+", line):
                domain = line[1:].strip()
            continue
        if line:
            sentences.append(Sentence(f"{prefix}{len(sentences) + 1:04d}", line, source, domain))
    return sentences


def written_sentences() -> list[Sentence]:
    return _read_sentences("sentences.txt", "w", "written")


def heldout_sentences() -> list[Sentence]:
    return _read_sentences("heldout.txt", "t", "heldout")


@lru_cache(maxsize=1)
def _dictionary() -> dict[str, tuple[list[str], list[float]]]:
    """Frequent all-Han words of jieba's dict.txt by our coarse tag, with cumulative sampling weights
    (frequency ** 0.5: common words dominate, rarer ones still appear)."""
    import jieba

    path = Path(jieba.__file__).resolve().parent / "dict.txt"
    by_tag: dict[str, list[tuple[str, int]]] = {tag: [] for tag in _TAGS}
    reverse = {jieba_tag: tag for tag, tags in _TAGS.items() for jieba_tag in tags}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) != 3 or parts[2] not in reverse or not _HAN_ONLY.match(parts[0]):
            continue
        if len(parts[0]) <= 4:
            by_tag[reverse[parts[2]]].append((parts[0], int(parts[1])))
    table = {}
    for tag, words in by_tag.items():
        top = sorted(words, key=lambda w: -w[1])[:_WORDS_PER_TAG]
        table[tag] = ([w for w, _ in top], list(itertools.accumulate(f**0.5 for _, f in top)))
    return table


def _compose(rng: random.Random, words: dict[str, tuple[list[str], list[float]]]) -> list[str]:
    """One phrase as its words (and "，"), following a random pattern."""
    parts = []
    for tag in rng.choice(_PATTERNS).split():
        if tag == "，":
            parts.append("，")
            continue
        choices, cumulative = words[tag]
        parts.append(rng.choices(choices, cum_weights=cumulative, k=1)[0])
    return parts


@lru_cache(maxsize=None)
def _word_syllables(word: str) -> frozenset[str]:
    from pypinyin import Style, lazy_pinyin

    han = "".join(ch for ch in word if "\u4e00" <= ch <= "\u9fff")
    return frozenset(lazy_pinyin(han, style=Style.TONE3, neutral_tone_with_five=True))


def _tonal_syllables(words: list[str]) -> set[str]:
    """Tonal syllables of a phrase, word by word (polyphones read as in isolation: an estimate)."""
    return set().union(*(_word_syllables(w) for w in words))


def generated_sentences(count: int, seed: int, covered: set[str] | None = None) -> list[Sentence]:
    """`count` generated phrases (8..30 characters), each picked among a few candidates for the most
    tonal syllables not yet covered."""
    rng = random.Random(seed)
    words = _dictionary()
    covered = set(covered or ())
    out: list[Sentence] = []
    seen: set[str] = set()
    while len(out) < count:
        candidates = [_compose(rng, words) for _ in range(_CANDIDATES_PER_SENTENCE)]
        candidates = [c for c in candidates if 8 <= len("".join(c)) <= 30 and "".join(c) not in seen]
        if not candidates:
            continue
        best = max(candidates, key=lambda c: len(_tonal_syllables(c) - covered))
        text = "".join(best) + "。"
        seen.add("".join(best))
        covered |= _tonal_syllables(best)
        out.append(Sentence(f"g{len(out) + 1:04d}", text, "generated", "generated"))
    return out


def training_sentences(generated: int, seed: int) -> list[Sentence]:
    """Written sentences, then generated ones; raises if a held-out sentence slipped in."""
    written = written_sentences()
    covered = _tonal_syllables([s.text for s in written])
    sentences = written + generated_sentences(generated, seed, covered)
    held = {s.text for s in heldout_sentences()}
    leaked = [s.text for s in sentences if s.text in held]
    if leaked:
        raise DataError(f"held-out sentences in the training text: {leaked[:3]}")
    return sentences
