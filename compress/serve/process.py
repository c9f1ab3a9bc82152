"""The server as a subprocess on a free loopback port (for the load benchmark and the tests):
start it, wait until /health answers, read its memory, stop it with SIGTERM."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from compress.errors import CompressError

START_TIMEOUT_S = 300
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise CompressError(f"the server exited with {process.returncode} before answering")
        try:
            if requests.get(f"{url}/health", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise CompressError(f"the server did not answer {url}/health within {timeout:.0f} s")
        time.sleep(0.3)


def start_server(args: list[str], env: dict | None = None, log=None) -> tuple[subprocess.Popen, str]:
    """`sambert-compress serve ARGS --port FREE` from this checkout; (process, base URL)."""
    port = free_port()
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
                   **(env or {})}
    out = log if log is not None else subprocess.DEVNULL
    process = subprocess.Popen([sys.executable, "-m", "compress.cli", "serve", *args, "--port", str(port)],
                               cwd=REPO, env=environment, stdout=out, stderr=out)
    return process, f"http://127.0.0.1:{port}"


def stop_server(process: subprocess.Popen, timeout: float = 60) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


@contextlib.contextmanager
def running_server(args: list[str], env: dict | None = None, log=None):
    """Yield (process, base URL) of a healthy server; stop it at the end."""
    process, url = start_server(args, env, log)
    try:
        wait_healthy(url, process)
        yield process, url
    finally:
        if process.poll() is None:
            stop_server(process)


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                todo.extend(int(c) for c in children)
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total
