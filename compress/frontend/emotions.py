"""Emotion names a user may type -> the model's emotion categories (FORMAT.md §4).

The seed speaks of happy, calm, sad and energetic voices; the model's table has its own
category names (emotion_happy, ..., emotion_excited). Both spellings are accepted, with or
without the `emotion_` prefix, case-insensitively: every category of the table, the untrained
placeholder slots included. `emotion_none` is not offered: it marks break tokens, not an
utterance.
"""

from __future__ import annotations

from compress.errors import FrontendError
from compress.emotions import ALIASES as HUMAN_NAMES
from compress.emotions import CATEGORIES as EMOTIONS

# The categories an utterance can carry.
CATEGORIES = tuple(e for e in EMOTIONS if e != "emotion_none")


def accepted_names() -> list[str]:
    """The names `resolve_emotion` accepts (prefix dropped, placeholders folded into one)."""
    names = list(HUMAN_NAMES)
    for category in CATEGORIES:
        short = category.removeprefix("emotion_")
        if short not in names and not short.startswith("placeholder"):
            names.append(short)
    return names + ["placeholder1..9"]


def resolve_emotion(name: str) -> str:
    """The table entry (`emotion_happy`) for a user-facing name (`happy`, `Emotion_Happy`)."""
    key = name.strip().lower()
    if key in HUMAN_NAMES:
        return HUMAN_NAMES[key]
    full = key if key.startswith("emotion_") else f"emotion_{key}"
    if full in CATEGORIES:
        return full
    raise FrontendError(f"unknown emotion {name!r}; accepted: {', '.join(accepted_names())}")
