"""Syllable accuracy of the frontend on a corpus of hand-read sentences.

    python -m compress.frontend.evaluate tests/frontend/corpus.tsv [--errors]

The corpus is `category<TAB>text<TAB>expected pinyin` (# starts a comment). A sentence's
errors are the edit distance between the expected and the produced syllables (breaks
ignored); accuracy is 1 - errors / expected syllables, per category and overall.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Case:
    category: str
    text: str
    expected: tuple[str, ...]


@dataclass
class Score:
    syllables: int = 0
    errors: int = 0
    sentences: int = 0
    failures: list = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return 1.0 - self.errors / self.syllables if self.syllables else 1.0


def load_corpus(path: str | Path) -> list[Case]:
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValueError(f"{path}:{number}: expected 3 tab-separated fields, got {len(parts)}")
        cases.append(Case(parts[0], parts[1], tuple(parts[2].split())))
    return cases


def edit_distance(a, b) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def spoken(text: str) -> list[str]:
    from compress.frontend import analyze

    return [s for sub in analyze(text).sentences for s in sub.syllables]


def evaluate(cases: list[Case]) -> dict[str, Score]:
    """Per-category scores plus an 'overall' entry."""
    scores: dict[str, Score] = {}
    overall = Score()
    for case in cases:
        got = spoken(case.text)
        errors = edit_distance(case.expected, got)
        for score in (scores.setdefault(case.category, Score()), overall):
            score.syllables += len(case.expected)
            score.errors += errors
            score.sentences += 1
            if errors:
                score.failures.append((case, tuple(got)))
    scores["overall"] = overall
    return scores


def format_table(scores: dict[str, Score]) -> str:
    rows = [f"{'category':<12}{'sentences':>10}{'syllables':>10}{'errors':>8}{'accuracy':>10}"]
    for name, s in scores.items():
        if name == "overall":
            rows.append("-" * len(rows[0]))
        rows.append(f"{name:<12}{s.sentences:>10}{s.syllables:>10}{s.errors:>8}{s.accuracy:>10.2%}")
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    scores = evaluate(load_corpus(argv[0]))
    print(format_table(scores))
    if "--errors" in argv:
        for case, got in scores["overall"].failures:
            print(f"\n[{case.category}] {case.text}\n  expected: {' '.join(case.expected)}"
                  f"\n  got:      {' '.join(got)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
