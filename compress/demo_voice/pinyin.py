"""Pinyin syllables <-> the two KAN-TTS phones of a syllable (initial, final).

KAN-TTS's py2phoneMap (FORMAT.md §5) gives every toneless syllable exactly two phones: the initial
(`b_c` .. `s_c`, `xx_c` for x, `y_c`/`w_c` for y/w, `ga`/`ge`/`go` for a zero initial before
a/e/o) and the final (`ih_c` after zh/ch/sh/r, `ii_c` after z/c/s, `uei_c`/`iou_c`/`uen_c` for
-ui/-iu/-un after a consonant, the rest spelled as in pinyin, erhua finals ending in `r`). Pinyin is
spelled with `v` for ü everywhere (jv, xve, yvan, lv). The map is a bijection, so the spoken
syllable can be read back from a ttsfrd line's phones (`phones_to_pinyin`): the corpus builder
feeds espeak-ng exactly what the tokens say.

espeak-ng's pinyin reader wants `u` after j/q/x/y (`ju`, `yuan`) and `v` only after l/n.
"""

from __future__ import annotations

import re

from compress.errors import SymbolError
from compress.models.symbols import PHONES

_CONSONANTS = "b p m f d t n l g k h j q x zh ch sh r z c s".split()
# Longest first, so that zh/ch/sh win over z/c/s.
_INITIALS = sorted(_CONSONANTS + ["y", "w"], key=len, reverse=True)
_ZERO_INITIAL = {"a": "ga", "e": "ge", "o": "go"}
_INITIAL_PHONE = {c: f"{'xx' if c == 'x' else c}_c" for c in _CONSONANTS} | {"y": "y_c", "w": "w_c"}
_INITIAL_LETTERS = {phone: letters for letters, phone in _INITIAL_PHONE.items()}
_INITIAL_LETTERS.update({"ga": "", "ge": "", "go": ""})
# Final spellings that change after a consonant (pinyin -> KAN-TTS final), erhua forms included.
_AFTER_CONSONANT = {"ui": "uei", "iu": "iou", "un": "uen", "uir": "ueir", "iur": "iour", "unr": "uenr"}
_BEFORE_CONSONANT = {v: k for k, v in _AFTER_CONSONANT.items()}
_RETROFLEX = {"zh", "ch", "sh", "r"}
_DENTAL = {"z", "c", "s"}
_SYLLABLE = re.compile(r"^([a-z]+?)([1-5])$")

INITIAL_PHONES = frozenset(_INITIAL_LETTERS)
FINAL_PHONES = frozenset(p for p in PHONES if p.endswith("_c")) - INITIAL_PHONES


def split_tone(syllable: str) -> tuple[str, int]:
    """'hao3' -> ('hao', 3). Tone 5 is the neutral tone."""
    match = _SYLLABLE.match(syllable)
    if not match:
        raise SymbolError(f"not a tone-numbered pinyin syllable: {syllable!r}")
    return match.group(1), int(match.group(2))


def _split_initial(toneless: str) -> tuple[str, str]:
    for initial in _INITIALS:
        if toneless.startswith(initial) and len(toneless) > len(initial):
            return initial, toneless[len(initial) :]
    return "", toneless


def _final_phone(initial: str, final: str) -> str:
    if final in ("i", "ir") and initial in _RETROFLEX | _DENTAL:
        stem = "ih" if initial in _RETROFLEX else "ii"
        final = stem + final[1:]
    elif initial in _CONSONANTS:
        final = _AFTER_CONSONANT.get(final, final)
    return f"{final}_c"


def syllable_phones(toneless: str) -> tuple[str, str]:
    """'zhang' -> ('zh_c', 'ang_c'); 'an' -> ('ga', 'an_c'); 'xve' -> ('xx_c', 've_c')."""
    initial, final = _split_initial(toneless)
    if initial:
        first = _INITIAL_PHONE[initial]
    elif final[:1] in _ZERO_INITIAL:
        first = _ZERO_INITIAL[final[0]]
    else:
        raise SymbolError(f"cannot split pinyin {toneless!r} into initial and final")
    second = _final_phone(initial, final)
    if second not in FINAL_PHONES:
        raise SymbolError(f"pinyin {toneless!r} gives the final {second!r}, not a KAN-TTS phone")
    return first, second


def phones_to_pinyin(initial: str, final: str) -> str:
    """The inverse of `syllable_phones`: ('zh_c', 'ih_c') -> 'zhi'. Checked by a round trip."""
    if initial not in INITIAL_PHONES or final not in FINAL_PHONES:
        raise SymbolError(f"{initial!r} + {final!r} is not a Mandarin initial + final")
    letters = _INITIAL_LETTERS[initial]
    stem = final[: -len("_c")]
    if stem.startswith(("ih", "ii")):
        stem = "i" + stem[2:]
    elif letters in _CONSONANTS:
        stem = _BEFORE_CONSONANT.get(stem, stem)
    toneless = letters + stem
    if syllable_phones(toneless) != (initial, final):
        raise SymbolError(f"{initial!r} + {final!r} is not a syllable of py2phoneMap")
    return toneless


def espeak_spelling(toneless: str) -> str:
    """KAN-TTS spelling -> what espeak-ng's pinyin reader expects (ü as u after j/q/x/y)."""
    if toneless[:1] in ("j", "q", "x", "y") and toneless[1:2] == "v":
        return toneless[0] + "u" + toneless[2:]
    return toneless
