import os
import time

from compress.serve.cache import AudioCache, cache_key


def test_key_covers_everything_that_changes_the_audio():
    base = dict(weights_sha256="ab" * 32, speaker="F7", emotion="emotion_happy", speed=1.0, text="今天3点。",
                fmt="wav", rate=16000)
    key = cache_key(**base)
    assert cache_key(**{**base, "text": "今天三点。"}) == key  # the same normalized text
    for field, value in [("weights_sha256", "cd" * 32), ("speaker", "M7"), ("emotion", "emotion_sad"),
                         ("speed", 1.1), ("text", "今天4点。"), ("fmt", "pcm"), ("rate", 24000)]:
        assert cache_key(**{**base, field: value}) != key, field


def test_bounded_and_least_recently_used_goes_first(tmp_path):
    cache = AudioCache(tmp_path, max_bytes=2500)
    for index, name in enumerate("abc"):
        cache.put(name, bytes(1000))
        os.utime(tmp_path / f"{name}.audio", (time.time() - 100 + index, time.time() - 100 + index))
    assert cache.get("a") is None  # evicted when c came
    assert cache.get("b") == bytes(1000)  # now the most recent
    cache.put("d", bytes(1000))
    assert cache.get("c") is None and cache.get("b") is not None and cache.get("d") is not None
    assert cache.size() <= 2500
    cache.put("huge", bytes(3000))
    assert cache.get("huge") is None
    assert not list(tmp_path.glob("*.tmp"))
