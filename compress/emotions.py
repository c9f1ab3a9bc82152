"""The emotion table: the model's emotion categories and the names people use for them.

The one place these names are written (FORMAT.md §4 for the categories). The seed speaks of
happy, calm, sad and energetic voices; the model's table has its own category names, and the
seed's `energetic` is the category `emotion_excited`. Plain data, no torch: the frontend,
the symbol tables, the commands and the recipes all read it.
"""

from __future__ import annotations

# The KAN-TTS emotion symbols in table order; `emotion_none` marks break tokens.
CATEGORIES = tuple((
    "emotion_none emotion_neutral emotion_angry emotion_disgust emotion_fear emotion_happy "
    "emotion_sad emotion_surprise emotion_calm emotion_gentle emotion_relax emotion_lyrical "
    "emotion_serious emotion_disgruntled emotion_satisfied emotion_disappointed "
    "emotion_excited emotion_anxiety emotion_jealousy emotion_hate emotion_pity "
    "emotion_pleasure emotion_arousal emotion_dominance "
    + " ".join(f"emotion_placeholder{i}" for i in range(1, 10))
).split())

# The seed's styles (and neutral), in the order demos and reports list them.
STYLES = ("neutral", "happy", "calm", "sad", "energetic")

# Seed names -> categories, for the names that differ from a category's own short name.
ALIASES = {
    "neutral": "emotion_neutral",
    "happy": "emotion_happy",
    "calm": "emotion_calm",
    "sad": "emotion_sad",
    "energetic": "emotion_excited",
}

# The styles in the order calibration sentences cycle through them (sentence i gets entry
# i % 5) for sensitivity analysis and pruning. Its order decides which sentence is spoken in
# which style, so it stays the order the pruning figures were measured with.
CALIBRATION_ROTATION = ("neutral", "happy", "sad", "calm", "energetic")
