"""The benchmark corpus: 50 sentences in four domains and a few long texts (eval/data/*.tsv).

Written for this project. `sentences.tsv` averages about 28 Han characters a sentence; the
long texts (300+ characters each) are for stability checks of long inputs.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from compress.errors import InputError

DATA = Path(__file__).resolve().parent / "data"
DOMAINS = ("news", "ecommerce", "education", "service")


@dataclass(frozen=True)
class Sentence:
    id: str
    domain: str
    text: str


def load_tsv(path: Path) -> list[Sentence]:
    """Rows of an `id<TAB>domain<TAB>text` file with a header line."""
    if not path.is_file():
        raise InputError(f"corpus file not found: {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    if not rows or set(rows[0]) != {"id", "domain", "text"}:
        raise InputError(f"{path}: expected a header `id<TAB>domain<TAB>text`")
    return [Sentence(r["id"], r["domain"], r["text"]) for r in rows]


def sentences() -> list[Sentence]:
    return load_tsv(DATA / "sentences.tsv")


def long_texts() -> list[Sentence]:
    return load_tsv(DATA / "long.tsv")


def balanced(items: list, count: int | None, key=lambda s: s.domain) -> list:
    """The first `count` items taken round-robin across groups, so a subset covers every domain.

    Deterministic: the same count always gives the same sentences, in corpus order."""
    if count is None or count >= len(items):
        return list(items)
    if count < 1:
        raise InputError(f"the number of sentences must be at least 1, got {count}")
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    picked = []
    for depth in range(max(len(g) for g in groups.values())):
        for group in groups.values():
            if depth < len(group) and len(picked) < count:
                picked.append(group[depth])
    order = {id(item): index for index, item in enumerate(items)}
    return sorted(picked, key=lambda item: order[id(item)])
