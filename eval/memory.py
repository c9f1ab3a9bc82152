"""Peak memory of a fresh process that loads a run and synthesizes one sentence.

The parent starts `python -m eval.probe`, which imports torch and the project, notes its
resident set (baseline), loads the run, synthesizes the first benchmark sentence and reports
its peak resident set (VmHWM from /proc/self/status; ru_maxrss where /proc is missing). A
fresh process per run means no run inherits another's allocations or caches.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from compress.errors import CompressError

PROBE_TIMEOUT_S = 900


class ProbeError(CompressError):
    """The memory probe process failed."""


def probe(path: Path, lines: list, speaker: str | None, emotion: str | None) -> dict:
    """{"peak_rss_bytes", "baseline_rss_bytes", "loaded_rss_bytes", "peak_gpu_bytes", "device"}."""
    request = {"path": str(path), "lines": lines, "speaker": speaker, "emotion": emotion}
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in [env.get("PYTHONPATH")] if p])
    try:
        proc = subprocess.run([sys.executable, "-m", "eval.probe"], input=json.dumps(request),
                              capture_output=True, text=True, env=env, timeout=PROBE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ProbeError(f"the memory probe of {path} took over {PROBE_TIMEOUT_S} s") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise ProbeError(f"the memory probe of {path} failed: {last}")
    return json.loads(proc.stdout.strip().splitlines()[-1])
