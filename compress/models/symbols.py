"""The KAN-TTS symbol tables and the ttsfrd symbol format.

Tables are built in code in the order KAN-TTS builds them (FORMAT.md §4): the phone set in
PhoneSet.xml order, then the break symbols, then the three specials `_`, `~`, `@[MASK]`.
Legacy voices without `@[MASK]` have every table one shorter; IDs do not change because the
mask is last, so a table is simply cut to the size the checkpoint's embedding has.

This module imports no torch: the frontend uses it on its fast path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from compress import emotions
from compress.errors import SymbolError

# PhoneSet.xml <name>s in file order: Mandarin phones (initials, finals, zero-initial
# markers), English phones, erhua finals, and the pause.
PHONES = (
    "a_c ai_c an_c ang_c ao_c b_c c_c ch_c d_c e_c ei_c en_c eng_c er_c f_c g_c h_c i_c ia_c "
    "ian_c iang_c iao_c ie_c ih_c ii_c in_c ing_c io_c iong_c iou_c j_c k_c l_c m_c n_c o_c "
    "ong_c ou_c p_c q_c r_c s_c sh_c t_c u_c ua_c uai_c uan_c uang_c uei_c uen_c ueng_c uo_c "
    "v_c van_c ve_c vn_c xx_c z_c zh_c w_c y_c ga ge go aa ae ah ao aw ay b ch d dh eh er ey "
    "f g hh ih iy jh k l m n ng ow oy p r s sh t th uh uw v w y z zh air_c angr_c anr_c aor_c "
    "ar_c eir_c engr_c enr_c iangr_c ianr_c iaor_c iar_c ier_c ihr_c iir_c ingr_c inr_c "
    "iongr_c iour_c ir_c ongr_c or_c our_c uair_c uangr_c uanr_c uar_c ueir_c uenr_c uor_c "
    "ur_c vanr_c ver_c vnr_c vr_c pau"
).split()
BREAKS = ("#1", "#2", "#3", "#4")
SPECIALS = ("_", "~", "@[MASK]")

# tonelist.txt is "1,'',4,2,3,5,0"; the empty tone is written tone_none.
TONES = ("tone1", "tone_none", "tone4", "tone2", "tone3", "tone5", "tone0")
SYLLABLE_FLAGS = ("s_begin", "s_end", "s_none", "s_both", "s_middle")
WORD_SEGMENTS = ("word_begin", "word_end", "word_middle", "word_both", "word_none")

# The six streams of a ttsfrd token, in token order.
STREAMS = ("sy", "tone", "syllable_flag", "word_segment", "emotion", "speaker")

_TOKEN = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class SymbolTables:
    """The six ID tables of one voice. Index in a tuple is the ID."""

    sy: tuple[str, ...]
    tone: tuple[str, ...]
    syllable_flag: tuple[str, ...]
    word_segment: tuple[str, ...]
    emotion: tuple[str, ...]
    speaker: tuple[str, ...]

    @classmethod
    def build(cls, speakers: list[str] | tuple[str, ...], sizes: dict[str, int] | None = None):
        """Tables for a speaker list; `sizes` (from the checkpoint) cut off a missing mask."""
        full = {
            "sy": tuple("@" + p for p in PHONES) + tuple("@" + b for b in BREAKS) + SPECIALS,
            "tone": TONES + SPECIALS,
            "syllable_flag": SYLLABLE_FLAGS + SPECIALS,
            "word_segment": WORD_SEGMENTS + SPECIALS,
            "emotion": emotions.CATEGORIES + SPECIALS,
            "speaker": tuple(speakers) + SPECIALS,
        }
        for name, size in (sizes or {}).items():
            table = full[name]
            if size not in (len(table), len(table) - 1):
                raise SymbolError(
                    f"the checkpoint's {name} table has {size} entries, but the voice's "
                    f"config gives {len(table)} (or {len(table) - 1} without @[MASK])"
                )
            full[name] = table[:size]
        return cls(**full)

    def sizes(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in STREAMS}

    @property
    def speakers(self) -> tuple[str, ...]:
        """Speaker names a user can pick (the specials excluded)."""
        return tuple(s for s in self.speaker if s not in SPECIALS)

    @property
    def emotions(self) -> tuple[str, ...]:
        return tuple(e for e in self.emotion if e not in SPECIALS)

    def speaker_id(self, name: str) -> int:
        if name not in self.speakers:
            raise SymbolError(f"unknown speaker {name!r}; valid: {', '.join(self.speakers)}")
        return self.speaker.index(name)

    def emotion_id(self, name: str) -> int:
        key = name.strip().lower()
        full = emotions.ALIASES.get(key) or (key if key.startswith("emotion_") else f"emotion_{key}")
        if full not in self.emotions:
            valid = ", ".join(e.removeprefix("emotion_") for e in self.emotions)
            raise SymbolError(f"unknown emotion {name!r}; valid: {valid}")
        return self.emotion.index(full)


@dataclass
class EncodedSymbols:
    """One sub-sentence as model inputs (trailing `~` already dropped, as am_synthesis does)."""

    ling: np.ndarray  # (T, 4) int64: sy, tone, syllable_flag, word_segment
    emotion: np.ndarray  # (T,) int64
    speaker: np.ndarray  # (T,) int64

    def __len__(self) -> int:
        return len(self.emotion)


def parse_tokens(line: str) -> list[tuple[str, ...]]:
    """Split one ttsfrd line (optionally `idx<TAB>` prefixed) into 6-field tokens."""
    text = line.split("\t", 1)[1] if "\t" in line else line
    stripped = _TOKEN.sub(" ", text)
    if stripped.strip():
        bad = stripped.strip().split()[0]
        raise SymbolError(f"text outside {{...}} tokens: {bad!r}")
    tokens = []
    for pos, match in enumerate(_TOKEN.finditer(text)):
        fields = tuple(match.group(1).split("$"))
        if len(fields) != len(STREAMS):
            raise SymbolError(
                f"token {pos} {match.group(0)!r} has {len(fields)} fields, expected "
                f"{len(STREAMS)} (sy$tone$syllable_flag$word_segment$emotion$speaker)"
            )
        tokens.append(fields)
    if not tokens:
        raise SymbolError("no {...} symbol tokens in the input")
    return tokens


def parse_lines(text: str) -> list[list[tuple[str, ...]]]:
    """Every non-empty line of a ttsfrd output, as token lists (one per sub-sentence)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise SymbolError("the symbol input is empty")
    return [parse_tokens(line) for line in lines]


def encode(
    tables: SymbolTables,
    tokens: list[tuple[str, ...]],
    speaker: str | None = None,
    emotion: str | None = None,
) -> EncodedSymbols:
    """Map tokens to IDs. Unknown symbols are errors (KAN-TTS silently drops them).

    `speaker`/`emotion` override what the tokens say; the emotion override keeps
    `emotion_none` on break tokens, as training data has it.
    """
    lookups = [{name: i for i, name in enumerate(getattr(tables, s))} for s in STREAMS]
    spk_override = tables.speaker_id(speaker) if speaker is not None else None
    emo_override = tables.emotion_id(emotion) if emotion is not None else None
    none_emotion = lookups[4].get("emotion_none")
    rows = []
    for pos, fields in enumerate(tokens):
        row = []
        for stream, value, lookup in zip(STREAMS, fields, lookups):
            key = "@" + value if stream == "sy" else value
            if key not in lookup:
                raise SymbolError(
                    f"unknown {stream} symbol {value!r} in token {pos} "
                    f"{{{'$'.join(fields)}}}"
                )
            row.append(lookup[key])
        if emo_override is not None and row[4] != none_emotion:
            row[4] = emo_override
        if spk_override is not None:
            row[5] = spk_override
        rows.append(row)
    ids = np.asarray(rows, dtype=np.int64)
    return EncodedSymbols(ling=ids[:, :4].copy(), emotion=ids[:, 4].copy(), speaker=ids[:, 5].copy())
