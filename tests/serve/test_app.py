"""Shutdown of a real server: SIGTERM lets the requests in flight finish."""

from __future__ import annotations

import io
import signal
import threading
import time

import requests
import soundfile as sf

from compress.serve.process import start_server, wait_healthy
from tests.serve.server import TINY_VOICES


def test_sigterm_finishes_requests_in_flight():
    process, url = start_server(["--voice", str(TINY_VOICES), "--workers", "1"])
    try:
        wait_healthy(url, process)
        answers = {}
        text = "我们一起去北京。" * 12
        thread = threading.Thread(target=lambda: answers.update(
            response=requests.post(f"{url}/api/tts", json={"text": text}, timeout=120)))
        thread.start()
        while not requests.get(f"{url}/health", timeout=10).json()["busy"]:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        thread.join(120)
        response = answers["response"]
        assert response.status_code == 200
        assert sf.info(io.BytesIO(response.content)).duration > 4
        # uvicorn ends by re-raising the signal it shut down on, after the shutdown
        assert process.wait(60) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
