"""Calibration sentences: text (through the Chinese frontend) or ttsfrd symbol lines, with
speakers and emotions in rotation so that every speaker and emotion of the voice is heard."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compress.errors import InputError, SymbolError
from compress.files import read_text_lines
from compress.models.symbols import EncodedSymbols, encode, parse_tokens
from compress.models.voice import Voice

DEFAULT_TEXT = Path(__file__).resolve().parent / "calibration.txt"


@dataclass
class Calibration:
    """Encoded sub-sentences, grouped by input sentence, and who speaks each sentence."""

    sentences: list[list[EncodedSymbols]]
    speakers: list[str]
    emotions: list[str | None]

    def encoded(self, count: int | None = None) -> list[EncodedSymbols]:
        """The sub-sentences of the first `count` sentences (all by default)."""
        return [s for sentence in self.sentences[:count] for s in sentence]

    def describe(self, measure: int) -> dict:
        return {"sentences": len(self.sentences), "sub_sentences": len(self.encoded()),
                "measure_sentences": min(measure, len(self.sentences)),
                "measure_sub_sentences": len(self.encoded(measure)),
                "tokens": sum(len(s) for s in self.encoded()),
                "speakers": self.speakers, "emotions": self.emotions}


def read_lines(path: Path) -> list[str]:
    """Non-empty lines of a UTF-8 file, `#` comments skipped."""
    lines = read_text_lines(path, "calibration file")
    if not lines:
        raise InputError(f"{path} holds no calibration sentences")
    return lines


def rotation(voice: Voice, speakers: list[str], emotions: list[str], count: int):
    """(speaker, emotion) of sentence 0..count-1; names are checked against the voice."""
    speakers = list(speakers) or list(voice.tables.speakers)
    for name in speakers:
        voice.tables.speaker_id(name)
    for name in emotions:
        voice.tables.emotion_id(name)
    return [(speakers[i % len(speakers)], emotions[i % len(emotions)] if emotions else None) for i in range(count)]


def text_symbol_lines(text: str, emotion: str | None, speaker: str, speakers) -> list[str]:
    """ttsfrd lines of one sentence, through the Chinese frontend (the one place that needs it)."""
    try:
        from compress.frontend import text_to_symbol_lines
    except ImportError:
        raise InputError("calibration text needs the Chinese frontend (compress.frontend), which "
                         "this build lacks; pass --symbols-file with ttsfrd lines instead") from None
    lines, _warnings = text_to_symbol_lines(text, emotion or "neutral", speaker=speaker, speakers=speakers)
    return lines


def from_text(voice: Voice, sentences: list[str], count: int, speakers: list[str],
              emotions: list[str]) -> Calibration:
    chosen = sentences[:count]
    pairs = rotation(voice, speakers, emotions, len(chosen))
    encoded = []
    for text, (speaker, emotion) in zip(chosen, pairs):
        lines = text_symbol_lines(text, emotion, speaker, list(voice.tables.speakers))
        encoded.append([encode(voice.tables, parse_tokens(line), speaker=speaker, emotion=emotion)
                        for line in lines])
    return _checked(encoded, pairs)


def from_symbols(voice: Voice, lines: list[str], count: int, speakers: list[str],
                 emotions: list[str]) -> Calibration:
    """One sentence per ttsfrd line; the rotation overrides the lines' speaker and emotion."""
    chosen = lines[:count]
    pairs = rotation(voice, speakers, emotions, len(chosen))
    encoded = []
    for number, (line, (speaker, emotion)) in enumerate(zip(chosen, pairs), start=1):
        try:
            encoded.append([encode(voice.tables, parse_tokens(line), speaker=speaker, emotion=emotion)])
        except SymbolError as err:
            raise SymbolError(f"calibration line {number}: {err}") from None
    return _checked(encoded, pairs)


def _checked(encoded: list[list[EncodedSymbols]], pairs) -> Calibration:
    encoded_pairs = [(s, p) for s, p in zip(encoded, pairs) if s]
    if not encoded_pairs:
        raise InputError("the calibration input gave no sentences")
    return Calibration([s for s, _ in encoded_pairs], [p[0] for _, p in encoded_pairs],
                       [p[1] for _, p in encoded_pairs])
