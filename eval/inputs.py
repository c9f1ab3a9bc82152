"""What the bench synthesizes: sentences as ttsfrd token lines, from text or from symbols.

Text goes through the project's Chinese frontend (`compress.frontend`); symbol files (ttsfrd
format, one sentence per line, optional `id<TAB>` prefix, `#` comment lines) skip it. The one
place that turns text into symbols is `text_to_lines`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from compress.errors import FrontendError, InputError, SymbolError
from compress.files import read_text_lines
from compress.models.symbols import EncodedSymbols, parse_tokens

from eval import corpus

Tokens = list[tuple[str, ...]]


@dataclass
class BenchItem:
    """One benchmark sentence: its sub-sentence token lines (speaker/emotion applied later)."""

    id: str
    domain: str
    text: str | None
    lines: list[Tokens]
    warnings: list[str] = field(default_factory=list)

    @property
    def tokens(self) -> int:
        return sum(len(line) for line in self.lines)


def text_to_lines(text: str, emotion: str | None, speaker: str) -> tuple[list[Tokens], list[str]]:
    """Chinese text -> token lines through `compress.frontend` (the one text->symbols step)."""
    from compress.frontend import text_to_symbol_lines

    lines, warnings = text_to_symbol_lines(text, emotion=emotion or "neutral", speaker=speaker)
    parsed = [parse_tokens(line) if isinstance(line, str) else list(line) for line in lines]
    return parsed, [str(w) for w in warnings]


def from_text(sentences: list[corpus.Sentence], emotion: str | None, speaker: str) -> list[BenchItem]:
    items = []
    for sentence in sentences:
        try:
            lines, warnings = text_to_lines(sentence.text, emotion, speaker)
        except (SymbolError, FrontendError) as err:
            raise type(err)(f"sentence {sentence.id}: {err}") from None
        items.append(BenchItem(sentence.id, sentence.domain, sentence.text, lines, warnings))
    return items


def read_symbols_file(path: Path) -> list[BenchItem]:
    """A ttsfrd file, one sentence per line: `[id<TAB>]{tokens}...`; `#` lines are comments."""
    items = []
    for number, raw in enumerate(read_text_lines(path), start=1):
        name = raw.split("\t", 1)[0].strip() if "\t" in raw else f"line-{number:02d}"
        try:
            tokens = parse_tokens(raw)
        except SymbolError as err:
            raise SymbolError(f"{path}, line {number}: {err}") from None
        items.append(BenchItem(name, "symbols", None, [tokens]))
    if not items:
        raise InputError(f"{path} holds no sentences")
    return items


def read_text_file(path: Path) -> list[corpus.Sentence]:
    """Sentences of a text file: one per line (`#` lines are comments), or a corpus-style TSV."""
    if path.suffix == ".tsv":
        return corpus.load_tsv(path)
    lines = read_text_lines(path)
    if not lines:
        raise InputError(f"{path} holds no sentences")
    return [corpus.Sentence(f"line-{n:02d}", "text", line) for n, line in enumerate(lines, start=1)]


def load_items(source: str, count: int | None, emotion: str | None, speaker: str,
               long_count: int = 0) -> tuple[list[BenchItem], list[BenchItem]]:
    """(sentences, long texts) for a bench input: "corpus", a .symbols file or a text file.

    `count` picks a subset (balanced across domains for the corpus); long texts come only
    from the corpus."""
    if source == "corpus":
        picked = corpus.balanced(corpus.sentences(), count)
        long = corpus.long_texts()[:long_count] if long_count else []
        return from_text(picked, emotion, speaker), from_text(long, emotion, speaker)
    path = Path(source)
    if long_count:
        raise InputError("bench.long_texts needs bench.input=corpus (the long texts are in the corpus)")
    if path.suffix == ".symbols":
        return corpus.balanced(read_symbols_file(path), count), []
    return from_text(corpus.balanced(read_text_file(path), count), emotion, speaker), []


def encode_item(voice, item: BenchItem, speaker: str | None, emotion: str | None) -> list[EncodedSymbols]:
    """The item's lines as model inputs for one voice, with the bench's speaker and emotion."""
    from compress.synthesis import encode_lines

    try:
        return encode_lines(voice, item.lines, speaker=speaker, emotion=emotion)
    except SymbolError as err:
        raise SymbolError(f"sentence {item.id}: {err}") from None
