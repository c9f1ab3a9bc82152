"""Start the real server (the CLI, uvicorn in a subprocess) on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
TINY_VOICES = REPO / "tests" / "fixtures" / "kantts-tiny" / "voices"
DEMO_VOICE = REPO / "compress" / "voices" / "demo"
START_TIMEOUT_S = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(*args: str, env: dict | None = None):
    """Yield the base URL of `sambert-compress serve ARGS`; SIGTERM and wait at the end."""
    port = free_port()
    environment = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    log = open(os.devnull, "w") if not os.environ.get("SERVE_TEST_LOG") else None
    process = subprocess.Popen([sys.executable, "-m", "compress.cli", "serve", "--port", str(port), *args],
                               cwd=REPO, env=environment, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode} before answering")
            try:
                if requests.get(f"{url}/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer /health in time")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log is not None:
            log.close()
