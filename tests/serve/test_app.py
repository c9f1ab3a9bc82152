"""The server process: SIGTERM lets the requests in flight finish; a dead worker is replaced."""

from __future__ import annotations

import io
import os
import signal
import threading
import time
from pathlib import Path

import requests
import soundfile as sf

from compress.serve.process import start_server, stop_server, wait_healthy
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


def _children(pid: int) -> list[int]:
    tasks = Path(f"/proc/{pid}/task").iterdir()
    return [int(c) for task in tasks for c in (task / "children").read_text().split()]


def test_a_worker_that_dies_is_replaced():
    process, url = start_server(["--voice", str(TINY_VOICES), "--workers", "1"])
    try:
        wait_healthy(url, process)
        workers = [pid for pid in _children(process.pid)
                   if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()]
        assert len(workers) == 1
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 120
        answer = None
        while time.monotonic() < deadline:
            answer = requests.post(f"{url}/api/tts", json={"text": "你好。"}, timeout=120)
            if answer.status_code == 200:
                break
            assert answer.status_code == 500 and "died" in answer.json()["error"], answer.text
            time.sleep(0.5)
        assert answer.status_code == 200 and requests.get(f"{url}/health", timeout=10).json()["workers"] == 1
    finally:
        stop_server(process)
