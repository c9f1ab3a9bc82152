import pytest

from compress.errors import InputError, VoiceLoadError
from compress.serve.config import ServeSettings, name_voices
from tests.serve.server import DEMO_VOICE, TINY_VOICES


def test_voices_are_named_by_their_run_names():
    assert name_voices([str(TINY_VOICES), str(DEMO_VOICE)]) == [("refvoice", str(TINY_VOICES / "refvoice")),
                                                              ("demo", str(DEMO_VOICE))]
    assert name_voices([f"original={DEMO_VOICE}"]) == [("original", str(DEMO_VOICE))]
    assert name_voices([])[0][0] == "demo"


def test_two_voices_of_one_name_and_missing_paths_are_errors(tmp_path):
    with pytest.raises(InputError, match="two voices are named 'demo'"):
        name_voices([str(DEMO_VOICE), str(DEMO_VOICE)])
    with pytest.raises(VoiceLoadError, match="does not exist"):
        name_voices([str(tmp_path / "nothing")])


@pytest.mark.parametrize("field,value,option", [("port", 70000, "--port"), ("workers", 0, "--workers"),
                                                ("max_chars", 0, "--max-chars"), ("queue_size", -1, "--queue")])
def test_settings_out_of_range(field, value, option):
    with pytest.raises(InputError, match=option):
        ServeSettings(voices=[("demo", str(DEMO_VOICE))], **{field: value})
