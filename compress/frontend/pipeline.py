"""Text -> ttsfrd-format symbol lines: the stages composed, and the result formats.

    normalize -> sentences -> phrases -> jieba words -> readings (pinyin.py) -> 不/一 sandhi
    -> prosodic words -> third-tone sandhi -> breaks -> lines of <= 40 syllables -> tokens

Two choices made from the evidence (FORMAT.md §5, KAN-TTS's script convertor, the reference
symbols in tests/fixtures and /work/shared/reference):

* BREAK_EMOTION: break tokens carry `emotion_none`, as every ttsfrd output we have does (the
  real ttsfrd sample and the reference utterances, emotional ones included). KAN-TTS's
  training-data convertor writes the utterance emotion there instead; we follow what the
  released voices are fed at inference, which is also what `encode`'s emotion override keeps.
* WORD_SPAN_IS_PROSODIC: word_begin/word_end span a prosodic word (the unit between two
  breaks), which equals the jieba word unless one-syllable words were grouped with it. In
  KAN-TTS training scripts a "word" is exactly the text between two break marks, and every
  word_end is followed by a break (the reference 很好听 is one span); spans per jieba word
  would put word_end/word_begin pairs with no break between, which training data never has.
  Set it to False for one span per jieba word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from compress.errors import FrontendError
from compress.frontend import normalize as norm
from compress.frontend import prosody, sandhi, segment
from compress.frontend.emotions import resolve_emotion
from compress.frontend.numerals import BOUNDARY, Piece
from compress.frontend.phones import syllable_phones
from compress.frontend.pinyin import read_words
from compress.frontend.units import Word

BREAK_EMOTION = "emotion_none"
WORD_SPAN_IS_PROSODIC = True


@dataclass(frozen=True)
class SubSentence:
    """One output line: what ttsfrd calls a sub-sentence."""

    text: str  # its normalized text, punctuation included
    pinyin: tuple[str, ...]  # spoken syllables after sandhi, with breaks: ('ni2', 'hao3', '#4')
    tokens: tuple[str, ...]  # ttsfrd tokens {sy$tone$syllable_flag$word_segment$emotion$speaker}

    @property
    def symbols(self) -> str:
        return " ".join(self.tokens)

    @property
    def syllables(self) -> list[str]:
        """The spoken syllables without the breaks."""
        return [p for p in self.pinyin if not p.startswith("#")]


@dataclass(frozen=True)
class FrontendResult:
    text: str
    normalized: str
    emotion: str  # the table entry, e.g. emotion_happy
    speaker: str
    sentences: tuple[SubSentence, ...]
    warnings: tuple[str, ...]

    def symbol_lines(self, numbered: bool = True) -> list[str]:
        """ttsfrd's output: `idx<TAB>tokens` per sub-sentence (idx from 1), or bare tokens."""
        return [f"{i}\t{s.symbols}" if numbered else s.symbols
                for i, s in enumerate(self.sentences, 1)]

    def pinyin_lines(self, numbered: bool = True) -> list[str]:
        return [f"{i}\t{' '.join(s.pinyin)}" if numbered else " ".join(s.pinyin)
                for i, s in enumerate(self.sentences, 1)]

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "normalized": self.normalized,
            "emotion": self.emotion,
            "speaker": self.speaker,
            "sentences": [
                {"index": i, "text": s.text, "pinyin": " ".join(s.pinyin), "symbols": s.symbols}
                for i, s in enumerate(self.sentences, 1)
            ],
            "warnings": list(self.warnings),
        }


def check_speaker(speaker: str, speakers: Sequence[str] | None = None) -> str:
    """`speaker` must be one of `speakers` (when given) and fit into a token."""
    if speakers is not None and speaker not in speakers:
        raise FrontendError(f"unknown speaker {speaker!r}; accepted: {', '.join(speakers)}")
    if not speaker or any(c in speaker for c in "{}$ \t\n"):
        raise FrontendError(f"speaker name {speaker!r} cannot go into a symbol token")
    return speaker


def analyze(text: str, emotion: str = "neutral", speaker: str = "F7",
            speakers: Sequence[str] | None = None) -> FrontendResult:
    """The whole frontend on `text`.

    `emotion` is a user-facing name (emotions.resolve_emotion); `speakers`, if given, is the
    voice's speaker list to check `speaker` against. Raises FrontendError on an unknown emotion
    or speaker, and on empty or unspeakable text.
    """
    emotion_name = resolve_emotion(emotion)
    check_speaker(speaker, speakers)
    if not text or not text.strip():
        raise FrontendError("the text is empty")
    normalized = norm.normalize(text)
    warnings = list(normalized.warnings)
    lines: list[SubSentence] = []
    for sentence in _sentences(normalized.pieces):
        for line in prosody.split_lines(_sentence_items(sentence, warnings)):
            lines.append(_sub_sentence(line, emotion_name, speaker))
    if not lines:
        why = f" ({'; '.join(warnings)})" if warnings else ""
        raise FrontendError(f"nothing speakable in the text{why}")
    return FrontendResult(text, normalized.text, emotion_name, speaker, tuple(lines),
                          tuple(warnings))


def text_to_symbol_lines(text: str, emotion: str = "neutral", *, speaker: str,
                         speakers: Sequence[str] | None = None) -> tuple[list[str], list[str]]:
    """ttsfrd token lines (one per sub-sentence, without the idx prefix) and the warnings."""
    result = analyze(text, emotion, speaker, speakers)
    return result.symbol_lines(numbered=False), list(result.warnings)


# --- stages --------------------------------------------------------------------------------

def _sentences(pieces: tuple[Piece, ...]) -> list[list[Piece]]:
    """Split at sentence-final punctuation; the mark stays with its sentence."""
    out, current = [], []
    for piece in pieces:
        current.append(piece)
        if piece[0] and piece[0] in norm.SENTENCE_END:
            out.append(current)
            current = []
    return out + [current] if current else out


def _phrases(sentence: list[Piece]) -> list[tuple[list[Piece], str]]:
    """Split a sentence at pauses; each phrase with the punctuation that ends it."""
    out, current = [], []
    for piece in sentence:
        if piece[0] and (piece[0] in norm.PAUSES or piece[0] in norm.SENTENCE_END):
            if current:
                out.append((current, piece[0]))
            elif out:  # 。！ or ，、: keep the first mark, append the rest to the text only
                out[-1] = (out[-1][0], out[-1][1] + piece[0])
            current = []
        else:
            current.append(piece)
    if any(ch for ch, _ in current):
        out.append((current, ""))
    return [(phrase, mark) for phrase, mark in out if any(ch for ch, _ in phrase)]


def _words(phrase: list[Piece]) -> list[list[Piece]]:
    """jieba words of a phrase, as runs of its pieces; BOUNDARY pieces cut the text first."""
    words: list[list[Piece]] = []
    for run in _runs(phrase):
        text = "".join(ch for ch, _ in run)
        pos = 0
        for token in segment.cut(text):
            words.append(run[pos:pos + len(token)])
            pos += len(token)
    return words


def _runs(phrase: list[Piece]) -> list[list[Piece]]:
    runs, current = [], []
    for piece in phrase:
        if piece == BOUNDARY:
            runs.append(current)
            current = []
        else:
            current.append(piece)
    return [run for run in runs + [current] if run]


def _sentence_items(sentence: list[Piece], warnings: list[str]) -> list[prosody.Prosodic]:
    items: list[prosody.Prosodic] = []
    for phrase, mark in _phrases(sentence):
        words = read_words(_words(phrase), warnings)
        sandhi.apply_bu_yi(words)
        sandhi.apply_decimal_point(words)
        groups = prosody.group_words(words)
        for group in groups:
            sandhi.apply_third_tone(group)
        phrase_items = prosody.phrase_breaks(groups, mark[:1])
        if phrase_items:
            phrase_items[-1].mark = mark
        items.extend(phrase_items)
    return items


def _sub_sentence(line: list[prosody.Prosodic], emotion: str, speaker: str) -> SubSentence:
    text, pinyin, tokens = [], [], []
    for item in line:
        spans = [item.words] if WORD_SPAN_IS_PROSODIC else [[w] for w in item.words]
        for span in spans:
            tokens += _span_tokens(span, emotion, speaker)
        pinyin += [s.pinyin for w in item.words for s in w.syllables] + [f"#{item.level}"]
        tokens.append(f"{{#{item.level}$tone_none$s_none$word_none${BREAK_EMOTION}${speaker}}}")
        text.append("".join(w.text for w in item.words) + item.mark)
    return SubSentence("".join(text), tuple(pinyin), tuple(tokens))


def _span_tokens(words: list[Word], emotion: str, speaker: str) -> list[str]:
    """Tokens of the phones of one word span: first word_begin, last word_end."""
    phones = []
    for word in words:
        for syl in word.syllables:
            initial, final = syllable_phones(syl.base)
            phones += [(initial, syl.tone, "s_begin"), (final, syl.tone, "s_end")]
    tokens = []
    for k, (phone, tone, flag) in enumerate(phones):
        position = "word_begin" if k == 0 else "word_end" if k == len(phones) - 1 else "word_middle"
        tokens.append(f"{{{phone}$tone{tone}${flag}${position}${emotion}${speaker}}}")
    return tokens
