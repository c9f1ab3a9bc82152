"""Throughput under concurrency: N workers synthesize a burst of requests side by side.

Two modes:
- "process": N worker processes per run (`python -m eval.worker`), each with
  torch.set_num_threads(1) and its own copy of the voice, as a multi-worker server has them.
  On 2 cores with 2 workers both cores are busy and requests do not interfere.
- "thread": N threads of this process sharing one voice, torch.set_num_threads(1). Python
  parts of synthesis (the autoregressive decoder's per-step work) hold the GIL, so threads
  wait on each other: this measures the GIL as much as the model.

Throughput = requests / wall time of the burst (sentences per second). Requests go to
whichever worker is free. Workers load and warm up (one pass over the sentences) before any
burst; bursts of different runs are interleaved, each round starting at a different run.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from compress.errors import CompressError

MODES = ("process", "thread")


class WorkerError(CompressError):
    """A throughput worker failed."""


class ProcessWorkers:
    def __init__(self, path, lines: list, speaker, emotion, count: int):
        request = json.dumps({"path": str(path), "lines": lines, "speaker": speaker, "emotion": emotion})
        root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in [env.get("PYTHONPATH")] if p])
        self.items = len(lines)
        # stderr goes to files, not pipes: a chatty worker must never block on a full pipe
        self.logs = [tempfile.TemporaryFile(mode="w+") for _ in range(count)]
        self.procs = [subprocess.Popen([sys.executable, "-m", "eval.worker"], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=log, text=True, env=env)
                      for log in self.logs]
        for proc in self.procs:
            self._send(proc, request)
        for proc in self.procs:
            self._expect(proc, "ready")

    def _send(self, proc, line: str) -> None:
        try:
            proc.stdin.write(line + "\n")
            proc.stdin.flush()
        except BrokenPipeError:
            self._fail(proc)

    def _expect(self, proc, word: str) -> None:
        line = proc.stdout.readline()
        if line.strip() != word:
            self._fail(proc)

    def _fail(self, proc):
        proc.kill()
        proc.wait()
        log = self.logs[self.procs.index(proc)]
        log.seek(0)
        last = (log.read().strip().splitlines() or ["no output"])[-1]
        raise WorkerError(f"a throughput worker failed: {last}")

    def burst(self, requests: int) -> float:
        selector = selectors.DefaultSelector()
        for proc in self.procs:
            selector.register(proc.stdout, selectors.EVENT_READ, proc)
        start = time.perf_counter()
        sent = finished = 0
        for proc in self.procs[:requests]:
            self._send(proc, str(sent % self.items))
            sent += 1
        while finished < requests:
            for key, _ in selector.select():
                self._expect(key.data, "done")
                finished += 1
                if sent < requests:
                    self._send(key.data, str(sent % self.items))
                    sent += 1
        elapsed = time.perf_counter() - start
        selector.close()
        return elapsed

    def close(self) -> None:
        for proc in self.procs:
            try:
                proc.stdin.close()
            except OSError:
                pass
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            proc.stdout.close()
        for log in self.logs:
            log.close()


class ThreadWorkers:
    def __init__(self, voice, encoded: list, count: int):
        from compress import synthesis

        self.voice, self.encoded = voice, encoded
        self.pool = ThreadPoolExecutor(count)
        self.synthesize = synthesis.synthesize
        for item in encoded:  # warm-up, as the worker processes do
            self.synthesize(voice, item)

    def burst(self, requests: int) -> float:
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            start = time.perf_counter()
            futures = [self.pool.submit(self.synthesize, self.voice, self.encoded[i % len(self.encoded)])
                       for i in range(requests)]
            for future in futures:
                future.result()
            return time.perf_counter() - start
        finally:
            torch.set_num_threads(threads)

    def close(self) -> None:
        self.pool.shutdown()


def throughput(runs: list, lines: list, encoded: list, speaker, emotion, concurrency: int,
               mode: str, requests: int, rounds: int, progress=None) -> list[list[float]]:
    """Sentences per second of every run in every round: result[run][round]."""
    if mode not in MODES:
        raise ValueError(f"unknown throughput mode {mode!r}; choose one of {', '.join(MODES)}")
    steps, pools = len(runs) * (rounds + 1), []
    try:
        for index, run in enumerate(runs):
            if mode == "process":
                pools.append(ProcessWorkers(run.path, lines, speaker, emotion, concurrency))
            else:
                pools.append(ThreadWorkers(run.voice, encoded[index], concurrency))
            if progress:
                progress("throughput", index + 1, steps)
        rates = [[] for _ in runs]
        for rnd in range(rounds):
            for k in range(len(runs)):
                index = (k + rnd) % len(runs)
                rates[index].append(requests / pools[index].burst(requests))
                if progress:
                    progress("throughput", len(runs) * (rnd + 1) + k + 1, steps)
        return rates
    finally:
        for pool in pools:
            pool.close()
