"""The default voice is the embedded demo voice; a missing one is an error naming it."""

import pytest

from compress.errors import VoiceLoadError
from compress.models.voice_dir import DEMO_VOICE, default_voice, resolve_voice_dir


def test_no_voice_means_the_embedded_demo_voice():
    assert resolve_voice_dir(None) == DEMO_VOICE == default_voice()
    assert (DEMO_VOICE / "am").is_dir() and "tests" not in DEMO_VOICE.parts


def test_a_missing_demo_voice_is_named_not_replaced(tmp_path):
    missing = tmp_path / "voices" / "demo"
    with pytest.raises(VoiceLoadError, match=f"embedded demo voice is missing: {missing}"):
        default_voice(missing)
