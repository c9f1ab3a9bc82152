"""What one sub-sentence says: its ttsfrd tokens grouped into syllables and breaks.

A ttsfrd line (FORMAT.md §5) is a sequence of 6-field tokens. In Mandarin every syllable is two
tokens, the initial (`s_begin`) then the final (`s_end`), both with the syllable's tone; a prosodic
break is one token `{#k$tone_none$s_none$word_none$emotion_none$<speaker>}`. Durations, pitch and
energy are per token: 2 per syllable, 1 per break.

The spoken pinyin is read back from the phones (`pinyin.phones_to_pinyin`), so any frontend that
writes ttsfrd lines plugs in, and what espeak-ng says is exactly what the tokens say.
"""

from __future__ import annotations

from dataclasses import dataclass

from compress.demo_voice.pinyin import espeak_spelling, phones_to_pinyin
from compress.errors import SymbolError
from compress.models.symbols import parse_tokens

Token = tuple[str, ...]
_TONES = {"tone1": 1, "tone2": 2, "tone3": 3, "tone4": 4, "tone5": 5}
_BREAK_LEVELS = {"#1": 1, "#2": 2, "#3": 3, "#4": 4}


@dataclass(frozen=True)
class Syllable:
    toneless: str  # KAN-TTS spelling, ü as v: "xve"
    tone: int  # 1..5, 5 = neutral
    initial: Token
    final: Token

    @property
    def pinyin(self) -> str:
        return f"{self.toneless}{self.tone}"

    @property
    def espeak_word(self) -> str:
        return f"{espeak_spelling(self.toneless)}{self.tone}"

    @property
    def tokens(self) -> tuple[Token, Token]:
        return self.initial, self.final


@dataclass(frozen=True)
class Break:
    level: int  # 1..4
    token: Token

    @property
    def tokens(self) -> tuple[Token]:
        return (self.token,)

    @property
    def pinyin(self) -> str:
        return f"#{self.level}"


Item = Syllable | Break


@dataclass(frozen=True)
class SpeechPlan:
    """One sub-sentence: syllables and breaks in order."""

    items: tuple[Item, ...]

    @classmethod
    def from_symbols(cls, line: str) -> "SpeechPlan":
        tokens = parse_tokens(line)
        items, pos = [], 0
        while pos < len(tokens):
            if tokens[pos][0] in _BREAK_LEVELS:
                items.append(Break(_BREAK_LEVELS[tokens[pos][0]], tokens[pos]))
                pos += 1
                continue
            if pos + 1 >= len(tokens):
                raise SymbolError(f"token {pos} {tokens[pos][0]!r} starts a syllable with no final")
            items.append(_syllable(tokens[pos], tokens[pos + 1], pos))
            pos += 2
        plan = cls(tuple(items))
        if not plan.syllables:
            raise SymbolError("the line has no syllable")
        return plan

    @property
    def syllables(self) -> list[Syllable]:
        return [item for item in self.items if isinstance(item, Syllable)]

    @property
    def tokens(self) -> list[Token]:
        return [token for item in self.items for token in item.tokens]

    @property
    def pinyin(self) -> list[str]:
        return [item.pinyin for item in self.items]

    @property
    def final_token_indices(self) -> list[int]:
        """Token index of every syllable's final, in order."""
        out, position = [], 0
        for item in self.items:
            position += len(item.tokens)
            if isinstance(item, Syllable):
                out.append(position - 1)
        return out

    def symbol_line(self, speaker: str, emotion: str) -> str:
        """The ttsfrd line with the utterance's speaker on every token and its emotion on the
        phones; breaks carry emotion_none, as ttsfrd writes them and `symbols.encode` keeps them
        (FORMAT.md notes KAN-TTS training data may have had the emotion there too)."""
        out = []
        for item in self.items:
            for token in item.tokens:
                fields = list(token)
                fields[4] = "emotion_none" if isinstance(item, Break) else emotion
                fields[5] = speaker
                out.append("{" + "$".join(fields) + "}")
        return " ".join(out)


def _syllable(initial: Token, final: Token, pos: int) -> Syllable:
    if initial[2] != "s_begin" or final[2] != "s_end":
        raise SymbolError(
            f"tokens {pos}-{pos + 1} ({initial[0]}, {final[0]}) are not an s_begin/s_end syllable"
        )
    if initial[1] != final[1] or initial[1] not in _TONES:
        raise SymbolError(f"tokens {pos}-{pos + 1}: tones {initial[1]!r}/{final[1]!r} are not one Mandarin tone")
    return Syllable(phones_to_pinyin(initial[0], final[0]), _TONES[initial[1]], initial, final)
