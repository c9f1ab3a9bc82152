"""The endpoints of a real server (the tiny fixture voice: its audio is noise, its shapes are real)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import requests
import soundfile as sf

from tests.serve.server import REPO, TINY_VOICES, running_server

MAX_CHARS = 200
TEXT = "今天天气很好。"


@pytest.fixture(scope="module")
def url():
    with running_server("--voice", str(TINY_VOICES), "--workers", "1", "--max-chars", str(MAX_CHARS)) as base:
        yield base


def test_seed_request_returns_a_16_bit_wav_at_the_voice_rate(url):
    # the seed's example, as a user would write it with requests
    response = requests.post(f"{url}/api/tts", json={"text": TEXT, "speaker": "F7", "emotion": "neutral",
                                                     "speed": 1.0, "output_format": "wav"}, timeout=60)
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav"
    info = sf.info(io.BytesIO(response.content))
    wav, rate = sf.read(io.BytesIO(response.content), dtype="int16")
    assert (info.samplerate, info.subtype, info.channels) == (16000, "PCM_16", 1)
    assert rate == int(response.headers["x-sample-rate"]) == 16000
    assert len(wav) > 1600 and np.abs(wav).max() > 0


def test_pcm_resampled_to_the_requested_rate(url):
    body = {"text": TEXT, "output_format": "pcm", "speaker": "M7"}
    native = requests.post(f"{url}/api/tts", json=body, timeout=60)
    resampled = requests.post(f"{url}/api/tts", json={**body, "sample_rate": 24000}, timeout=60)
    assert native.headers["x-sample-rate"] == "16000" and resampled.headers["x-sample-rate"] == "24000"
    n16, n24 = len(native.content) // 2, len(resampled.content) // 2
    assert abs(n24 - n16 * 1.5) <= 2


def test_streamed_tts_is_one_wav_header_then_pcm(url):
    with requests.post(f"{url}/api/tts", json={"text": TEXT, "stream": True}, stream=True, timeout=60) as response:
        data = b"".join(response.iter_content(None))
    assert response.headers.get("transfer-encoding") == "chunked"
    assert data[:4] == b"RIFF" and data[36:40] == b"data" and data.count(b"RIFF") == 1
    whole = requests.post(f"{url}/api/tts", json={"text": TEXT}, timeout=60).content
    streamed = np.frombuffer(data[44:], dtype="<i2")
    assert np.array_equal(streamed, sf.read(io.BytesIO(whole), dtype="int16")[0])


def test_openai_client_speech_and_its_streaming_response(url):
    from openai import OpenAI

    client = OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)
    answer = client.audio.speech.create(model="refvoice", voice="F7", input=TEXT, response_format="wav")
    wav, rate = sf.read(io.BytesIO(answer.content), dtype="int16")
    assert rate == 16000 and len(wav) > 1600
    with client.audio.speech.with_streaming_response.create(model="refvoice", voice="M7", input=TEXT,
                                                            response_format="pcm", speed=1.5) as streamed:
        chunks = list(streamed.iter_bytes())
        assert streamed.headers["x-sample-rate"] == "24000"
    assert len(chunks) >= 1 and sum(map(len, chunks)) > 2 * 2400


@pytest.mark.parametrize("fmt,subtype", [("flac", "PCM_16"), ("mp3", "MPEG_LAYER_III"), ("opus", "OPUS")])
def test_compressed_formats_decode(url, fmt, subtype):
    response = requests.post(f"{url}/v1/audio/speech", json={"model": "refvoice", "voice": "F7", "input": TEXT,
                                                             "response_format": fmt}, timeout=60)
    assert response.status_code == 200, response.text
    info = sf.info(io.BytesIO(response.content))
    assert info.subtype == subtype and info.duration > 0.1


def test_voice_list_matches_the_voice(url, tiny_voice):
    from compress.checkpoint import weights_sha256

    for path in ("/api/voices", "/v1/audio/voices"):
        listed = requests.get(f"{url}{path}", timeout=10).json()
        (voice,) = listed["voices"]
        assert voice["name"] == "refvoice"
        assert [s["name"] for s in voice["speakers"]] == list(tiny_voice.tables.speakers)
        assert all(s["emotions"] == ["neutral"] for s in voice["speakers"])  # no emotions.json
        assert voice["sample_rate"] == tiny_voice.sample_rate
        assert voice["parameters"] == tiny_voice.parameter_count()
        assert voice["weights_sha256"] == weights_sha256(tiny_voice)
        assert voice["chain"] == [] and voice["precision"] == "float32"
    models = requests.get(f"{url}/v1/models", timeout=10).json()
    assert [m["id"] for m in models["data"]] == ["refvoice"]


def _too_long() -> str:
    return "好" * (MAX_CHARS + 1)


# (path, body, status, field, words the answer must contain)
BAD_INPUTS = [
    ("/api/tts", {"text": TEXT, "voice": "nope"}, 400, "voice", ["unknown model", "refvoice"]),
    ("/api/tts", {"text": TEXT, "speaker": "X9"}, 400, "speaker", ["unknown speaker", "F7, M7"]),
    ("/api/tts", {"text": TEXT, "emotion": "furious"}, 400, "emotion", ["unknown emotion", "neutral"]),
    ("/api/tts", {"text": TEXT, "emotion": "sad"}, 400, "emotion", ["not trained", "neutral"]),
    ("/api/tts", {"text": "   "}, 400, "text", ["empty"]),
    ("/api/tts", {}, 400, "text", ["empty"]),
    ("/api/tts", {"text": 5}, 400, "text", ["string"]),
    ("/api/tts", {"text": _too_long()}, 413, "text", [f"limit is {MAX_CHARS}"]),
    ("/api/tts", {"text": TEXT, "speed": 5}, 400, "speed", ["out of range"]),
    ("/api/tts", {"text": TEXT, "speed": "fast"}, 400, "speed", ["number"]),
    ("/api/tts", {"text": TEXT, "output_format": "ogg"}, 400, "output_format", ["unknown format", "wav, pcm"]),
    ("/api/tts", {"text": TEXT, "sample_rate": 100}, 400, "sample_rate", ["8000"]),
    ("/api/tts", {"text": TEXT, "colour": "red"}, 400, "colour", ["unknown field"]),
    ("/api/tts", b'{"text": "', 400, "body", ["malformed JSON"]),
    ("/api/tts", b"[1, 2]", 400, "body", ["JSON object"]),
    ("/api/tts", json.dumps({"text": "x" * 70000}).encode(), 413, "body", ["limit"]),
    ("/api/tts", {"text": "!!!"}, 400, "text", ["nothing speakable"]),
    ("/v1/audio/speech", {"input": TEXT, "voice": "F7"}, 400, "model", ["required"]),
    ("/v1/audio/speech", {"model": "tts-1", "input": TEXT, "voice": "F7"}, 400, "model", ["refvoice"]),
    ("/v1/audio/speech", {"model": "refvoice", "input": TEXT, "voice": "alloy"}, 400, "voice", ["F7, M7"]),
    ("/v1/audio/speech", {"model": "refvoice", "input": "", "voice": "F7"}, 400, "input", ["empty"]),
    ("/v1/audio/speech", {"model": "refvoice", "input": TEXT, "voice": "F7", "speed": 0.1}, 400, "speed",
     ["0.25, 4.0"]),
    ("/v1/audio/speech", {"model": "refvoice", "input": TEXT, "voice": "F7", "response_format": "aac"}, 400,
     "response_format", ["mp3"]),
    ("/v1/audio/speech", {"model": "refvoice", "input": TEXT, "voice": "F7", "instructions": "like a pirate"},
     400, "instructions", ["neutral"]),
    ("/v1/audio/speech", {"model": "refvoice", "input": TEXT, "voice": "F7", "emotion": "happy"}, 400,
     "emotion", ["not trained"]),
    ("/v1/audio/speech", {"model": "refvoice", "input": TEXT, "voice": "F7", "stream_format": "sse"}, 400,
     "stream_format", ["audio"]),
]


@pytest.mark.parametrize("path,body,status,field,words", BAD_INPUTS,
                         ids=[f"{p.rsplit('/', 1)[-1]}-{f}-{i}" for i, (p, _, _, f, _) in enumerate(BAD_INPUTS)])
def test_bad_input_is_a_4xx_naming_the_field(url, path, body, status, field, words):
    if isinstance(body, bytes):
        response = requests.post(f"{url}{path}", data=body, headers={"content-type": "application/json"}, timeout=60)
    else:
        response = requests.post(f"{url}{path}", json=body, timeout=60)
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer["field"] == field and answer["error"].startswith(f"{field}: ")
    for word in words:
        assert word in answer["error"]


def test_server_keeps_serving_after_bad_input_and_counts_it(url):
    requests.post(f"{url}/api/tts", data=b"{", timeout=10)
    assert requests.post(f"{url}/api/tts", json={"text": TEXT}, timeout=60).status_code == 200
    metrics = requests.get(f"{url}/metrics", timeout=10).text
    assert 'sambert_serve_errors_total{kind="bad_request"}' in metrics
    assert 'sambert_serve_requests_total{route="/api/tts",status="200"}' in metrics
    for name in ("request_seconds", "first_audio_seconds", "real_time_factor", "queue_depth", "cache"):
        assert f"sambert_serve_{name}" in metrics
    assert requests.get(f"{url}/nowhere", timeout=10).json()["error"]


def test_the_page_is_served_from_the_package_without_external_urls(url):
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "<audio" in page.text
    for static in (REPO / "compress" / "serve" / "static").iterdir():
        text = static.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, static.name
        if static.name != "index.html":
            assert requests.get(f"{url}/static/{static.name}", timeout=10).status_code == 200
