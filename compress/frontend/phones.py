"""Mandarin syllable -> the two phones of the KAN-TTS PinYin phone set.

Every syllable is exactly one initial phone and one final phone (FORMAT.md §5). The rules
below reproduce KAN-TTS's `py2phoneMap.txt` (all 661 entries were checked against them):

* the initial is the pinyin initial with `_c`, except x -> `xx_c`; y and w count as initials;
* zero-initial syllables get a pseudo-initial from their first letter: a -> `ga`, o -> `go`,
  e -> `ge` (so `er` is ge + er_c);
* the final is the rest of the spelling, with u written v after j/q/x/y (ju -> j_c v_c,
  yuan -> y_c van_c), i after zh/ch/sh/r -> `ih_c`, after z/c/s -> `ii_c`, and the spelled
  abbreviations undone: ui -> `uei_c`, iu -> `iou_c`, un -> `uen_c`;
* an erhua syllable (`dianr`) keeps its initial and takes the r-coloured final (`ianr_c`).
"""

from __future__ import annotations

from functools import lru_cache

from compress.errors import FrontendError
from compress.models.symbols import PHONES

# Longest first, so zh/ch/sh win over z/c/s.
_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h",
             "j", "q", "x", "r", "z", "c", "s", "y", "w")
_ZERO_INITIAL = {"a": "ga", "o": "go", "e": "ge"}
_SPELLED_SHORT = {"ui": "uei", "iu": "iou", "un": "uen"}
_PHONE_SET = frozenset(PHONES)

# Syllabic nasals and other interjection spellings pypinyin can return; the phone set has no
# phones for them, so they are read as the nearest ordinary syllable (嗯 -> en, 呣 -> mu).
ALIASES = {"n": "en", "ng": "en", "m": "mu", "hm": "hen", "hng": "heng", "ê": "ei"}


def is_erhua(syllable: str) -> bool:
    """`dianr` is erhua; `er` (儿 itself) is not."""
    return syllable.endswith("r") and syllable != "er"


def _final_of(initial: str, rest: str) -> str:
    if initial in ("j", "q", "x", "y") and rest.startswith("u"):
        rest = "v" + rest[1:]  # the dots of ü are not written after j/q/x/y
    if rest == "i" and initial in ("zh", "ch", "sh", "r"):
        return "ih"
    if rest == "i" and initial in ("z", "c", "s"):
        return "ii"
    return _SPELLED_SHORT.get(rest, rest)


@lru_cache(maxsize=None)
def syllable_phones(syllable: str) -> tuple[str, str]:
    """(initial phone, final phone) of a toneless syllable such as `xue`, `lv`, `dianr`."""
    syl = ALIASES.get(syllable, syllable).replace("ü", "v")
    erhua = is_erhua(syl)
    base = syl[:-1] if erhua else syl
    initial = next((i for i in _INITIALS if base.startswith(i) and len(base) > len(i)), "")
    if initial:
        first = "xx_c" if initial == "x" else f"{initial}_c"
    elif base[:1] in _ZERO_INITIAL:
        first = _ZERO_INITIAL[base[0]]
    else:
        raise FrontendError(f"cannot split the syllable {syllable!r} into initial and final")
    final = _final_of(initial, base[len(initial):]) + ("r" if erhua else "") + "_c"
    if first not in _PHONE_SET or final not in _PHONE_SET:
        raise FrontendError(f"the syllable {syllable!r} has no phones in the KAN-TTS phone set")
    return first, final


def has_phones(syllable: str) -> bool:
    """True if `syllable` maps onto the phone set (used to decide whether erhua can merge)."""
    try:
        syllable_phones(syllable)
    except FrontendError:
        return False
    return True
