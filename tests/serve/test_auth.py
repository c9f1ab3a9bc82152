"""Credentials: HTTP Basic from --auth, Bearer from the environment, /health open."""

from __future__ import annotations

import base64

import pytest
import requests

from compress.errors import InputError
from compress.serve.auth import API_KEY_ENV, Credentials
from tests.serve.server import TINY_VOICES, running_server

KEY = "k-7f3a9"


@pytest.fixture(scope="module")
def url():
    with running_server("--voice", str(TINY_VOICES), "--workers", "1", "--auth", "ada:s3cret",
                        env={API_KEY_ENV: KEY}) as base:
        yield base


@pytest.mark.parametrize("method,path", [("get", "/"), ("get", "/api/voices"), ("get", "/v1/audio/voices"),
                                         ("get", "/metrics"), ("post", "/api/tts"), ("post", "/v1/audio/speech")])
def test_every_endpoint_but_health_needs_credentials(url, method, path):
    response = getattr(requests, method)(f"{url}{path}", timeout=30)
    assert response.status_code == 401
    assert response.json()["error"] == "authentication required"
    assert response.headers["www-authenticate"].startswith("Basic")
    wrong = getattr(requests, method)(f"{url}{path}", auth=("ada", "guess"), timeout=30)
    assert wrong.status_code == 401


def test_health_is_open(url):
    assert requests.get(f"{url}/health", timeout=10).json()["status"] == "ok"


def test_basic_and_bearer_are_accepted(url):
    body = {"text": "你好。"}
    assert requests.post(f"{url}/api/tts", json=body, auth=("ada", "s3cret"), timeout=60).status_code == 200
    bearer = {"Authorization": f"Bearer {KEY}"}
    assert requests.get(f"{url}/api/voices", headers=bearer, timeout=10).status_code == 200
    assert requests.get(f"{url}/api/voices", headers={"Authorization": "Bearer nope"}, timeout=10).status_code == 401


def test_the_openai_client_sends_its_api_key(url):
    from openai import AuthenticationError, OpenAI

    client = OpenAI(base_url=f"{url}/v1", api_key=KEY, max_retries=0)
    answer = client.audio.speech.create(model="refvoice", voice="F7", input="你好。", response_format="pcm")
    assert len(answer.content) > 0
    with pytest.raises(AuthenticationError):
        OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0).audio.speech.create(
            model="refvoice", voice="F7", input="你好。")


def test_credentials_parse_and_compare():
    creds = Credentials.from_options("ada:pa:ss", None)
    assert creds.allows("Basic " + base64.b64encode(b"ada:pa:ss").decode())
    assert not creds.allows("Basic " + base64.b64encode(b"ada:pa").decode())
    assert not creds.allows("Basic !!notbase64") and not creds.allows(None) and not creds.allows("Bearer x")
    assert "pa:ss" not in repr(creds)
    assert Credentials.from_options(None, None).allows(None)
    for bad in ("nocolon", ":pass"):
        with pytest.raises(InputError, match="USER:PASS"):
            Credentials.from_options(bad, None)


def test_credentials_come_from_the_environment(monkeypatch):
    monkeypatch.setenv(API_KEY_ENV, "from-env")
    creds = Credentials.from_options(None, None)
    assert creds.allows("Bearer from-env") and not creds.allows("Bearer other")
    assert Credentials.from_options(None, "given").allows("Bearer given")  # the option wins
