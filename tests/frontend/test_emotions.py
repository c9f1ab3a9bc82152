"""Emotion names: the seed's human names and every category of the model's table."""

import pytest

from compress.errors import FrontendError
from compress.frontend.emotions import HUMAN_NAMES, accepted_names, resolve_emotion
from compress.emotions import CATEGORIES as EMOTIONS


@pytest.mark.parametrize("name,category", [
    ("happy", "emotion_happy"), ("calm", "emotion_calm"), ("sad", "emotion_sad"),
    ("energetic", "emotion_excited"), ("neutral", "emotion_neutral"), ("HAPPY", "emotion_happy"),
    (" sad ", "emotion_sad"),
])
def test_human_names(name, category):
    assert resolve_emotion(name) == category


def test_every_category_by_its_own_name_with_or_without_prefix():
    for category in EMOTIONS:
        if category == "emotion_none":
            continue
        assert resolve_emotion(category) == category
        assert resolve_emotion(category.removeprefix("emotion_")) == category


@pytest.mark.parametrize("bad", ["grumpy", "none", "emotion_none", "", "emotion_"])
def test_unknown_names_list_the_accepted_ones(bad):
    with pytest.raises(FrontendError) as err:
        resolve_emotion(bad)
    message = str(err.value)
    assert "\n" not in message
    for name in list(HUMAN_NAMES) + ["angry", "surprise"]:
        assert name in message
    assert len(accepted_names()) > 20
