"""Streaming, the cache, cancellation and the queue, on a real server with the demo voice (one
worker, a queue of one, so that the limits are reached with a handful of requests)."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from tests.serve.server import DEMO_VOICE, running_server

SENTENCE = "今天天气很好，我们一起去公园散步，那里的秋天特别美丽，到处都是红色的枫叶和金色的银杏。"
LONG_TEXT = "".join(f"第{i}段，{SENTENCE}" for i in range(1, 9))


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    with running_server("--voice", str(DEMO_VOICE), "--workers", "1", "--threads", "1", "--queue", "1",
                        "--cache-dir", str(cache)) as base:
        yield base


def _health(url) -> dict:
    return requests.get(f"{url}/health", timeout=10).json()


def _wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_first_audio_arrives_before_the_sentence_is_synthesized(url):
    body = {"text": SENTENCE, "speaker": "zhiyan", "emotion": "calm", "stream": True, "speed": 0.9}
    start = time.perf_counter()
    received, first_audio, arrivals = 0, None, 0
    with requests.post(f"{url}/api/tts", json=body, stream=True, timeout=120) as response:
        assert response.status_code == 200 and response.headers["x-cache"] == "miss"
        for chunk in response.iter_content(None):
            received += len(chunk)
            arrivals += 1
            if first_audio is None and received > 44:
                first_audio, first_bytes = time.perf_counter() - start, received
    total = time.perf_counter() - start
    # one sub-sentence (the frontend splits at 40 syllables), so this is within one sentence
    assert first_audio < 0.5 * total, (first_audio, total)
    assert first_bytes < 0.2 * received and arrivals > 3


def test_a_repeat_is_served_from_the_cache(url):
    body = {"text": "银行的行长重复了一遍。", "speaker": "zhibei", "emotion": "happy"}
    start = time.perf_counter()
    miss = requests.post(f"{url}/api/tts", json=body, timeout=120)
    miss_s = time.perf_counter() - start
    start = time.perf_counter()
    hit = requests.post(f"{url}/api/tts", json=body, timeout=120)
    hit_s = time.perf_counter() - start
    assert (miss.headers["x-cache"], hit.headers["x-cache"]) == ("miss", "hit")
    assert hit.content == miss.content and hit_s < miss_s
    other = requests.post(f"{url}/api/tts", json={**body, "emotion": "sad"}, timeout=120)
    assert other.headers["x-cache"] == "miss" and other.content != miss.content
    assert 'sambert_serve_cache_total{result="hit"} 1.0' in requests.get(f"{url}/metrics", timeout=10).text


def test_energetic_is_the_trained_excited_category(url):
    answer = requests.post(f"{url}/v1/audio/speech", timeout=120, json={
        "model": "demo", "voice": "zhiyan", "input": "好的。", "instructions": "Speak in an energetic voice",
        "response_format": "wav"})
    assert answer.status_code == 200


def test_a_client_that_disconnects_cancels_its_work(url):
    response = requests.post(f"{url}/api/tts", json={"text": LONG_TEXT, "stream": True}, stream=True, timeout=120)
    chunks = response.iter_content(None)
    received = 0
    while received <= 44:
        received += len(next(chunks))
    assert _health(url)["busy"] == 1
    start = time.perf_counter()
    response.close()
    # eight long sentences take far longer than this; a cancelled job frees the worker at once
    assert _wait_for(lambda: _health(url)["busy"] == 0, 5.0), "the worker kept synthesizing"
    assert time.perf_counter() - start < 5.0
    assert 'sambert_serve_errors_total{kind="cancelled"}' in requests.get(f"{url}/metrics", timeout=10).text


def test_a_full_queue_answers_429_with_retry_after(url):
    running = requests.post(f"{url}/api/tts", json={"text": LONG_TEXT, "stream": True}, stream=True, timeout=120)
    chunks = running.iter_content(None)
    next(chunks)
    waiting = {}
    thread = threading.Thread(target=lambda: waiting.update(
        response=requests.post(f"{url}/api/tts", json={"text": "好的。"}, timeout=120)))
    thread.start()
    assert _wait_for(lambda: _health(url)["queued"] == 1, 10.0)
    refused = requests.post(f"{url}/api/tts", json={"text": "你好。"}, timeout=30)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1 and "busy" in refused.json()["error"]
    running.close()  # the queued request gets the worker
    thread.join(60)
    assert waiting["response"].status_code == 200
