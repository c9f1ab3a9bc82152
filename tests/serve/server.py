"""The real server for the tests: the CLI (uvicorn) in a subprocess on a free loopback port."""

from __future__ import annotations

import contextlib
import os

from compress.serve.process import REPO
from compress.serve.process import running_server as _running

TINY_VOICES = REPO / "tests" / "fixtures" / "kantts-tiny" / "voices"
DEMO_VOICE = REPO / "compress" / "voices" / "demo"


@contextlib.contextmanager
def running_server(*args: str, env: dict | None = None):
    """Yield the base URL; SERVE_TEST_LOG=1 shows the server's output."""
    log = None if os.environ.get("SERVE_TEST_LOG") else open(os.devnull, "w")
    try:
        with _running(list(args), env, log) as (_, url):
            yield url
    finally:
        if log is not None:
            log.close()
