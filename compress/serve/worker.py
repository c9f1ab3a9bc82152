"""One synthesis process: loads every served voice once, warms the frontend, then runs jobs
sent over its pipe, one at a time (torch threads are per process, so processes, not threads,
are what runs several requests at once).

Messages, parent -> worker: ("job", id, payload), ("cancel", id), ("stop",).
Worker -> parent: ("ready", [descriptions]) or ("failed", message) once; per job
("started", id, info), ("audio", id, int16 bytes)..., then one of ("done", id, stats),
("error", id, kind, message), ("cancelled", id). Between chunks the worker looks for a cancel
of the job it is running, so a client that goes away frees the worker within one chunk.
"""

from __future__ import annotations

import os
import signal
import time
import traceback

import numpy as np

WARM_TEXT = "你好。"


def main(conn, voices: list[tuple[str, str]], threads: int) -> None:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch is imported (see cli.py)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server shuts down; it stops us when done
    import torch

    from compress.errors import CompressError
    from compress.serve.backend import open_backend
    from compress.serve.resampler import StreamResampler

    torch.set_num_threads(threads)
    StreamResampler(16000, 24000)  # imports scipy.signal now, not during the first request
    try:
        backends = {name: open_backend(name, path) for name, path in voices}
        for backend in backends.values():
            _warm(backend)
    except CompressError as err:
        conn.send(("failed", str(err)))
        return
    try:
        conn.send(("ready", [b.describe() for b in backends.values()]))
    except BrokenPipeError:  # the server stopped while this worker was starting
        return
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message[0] == "stop":
            return
        if message[0] == "job":
            try:
                _run(conn, backends, message[1], message[2])
            except Exception as err:  # a bug, not bad input: the job fails, the worker lives on
                traceback.print_exc()
                conn.send(("error", message[1], "internal", f"{type(err).__name__}: {err}"))


def _warm(backend) -> None:
    speaker = backend.describe()["speakers"][0]
    for sentence in backend.sentences(WARM_TEXT, speaker["name"], speaker["emotions"][0]):
        for _ in backend.stream(sentence, 1.0):
            pass


def _cancelled(conn, job_id: int) -> bool:
    while conn.poll():
        message = conn.recv()
        if message[0] == "cancel" and message[1] == job_id:
            return True
    return False


def _run(conn, backends: dict, job_id: int, job: dict) -> None:
    from compress.audio_io import to_pcm16
    from compress.errors import CompressError
    from compress.serve.resampler import StreamResampler
    from compress.synthesis import SENTENCE_GAP_S

    start = time.perf_counter()
    backend = backends[job["voice"]]
    try:
        sentences = backend.sentences(job["text"], job["speaker"], job["emotion"])
    except CompressError as err:
        conn.send(("error", job_id, "bad_request", str(err)))
        return
    conn.send(("started", job_id, {"sentences": len(sentences), "sample_rate": job["rate"]}))
    resampler = StreamResampler(backend.sample_rate, job["rate"])
    gap = np.zeros(int(round(SENTENCE_GAP_S * backend.sample_rate)), dtype=np.float32)
    samples = 0
    try:
        for index, sentence in enumerate(sentences):
            if index:
                samples += _send(conn, job_id, resampler.push(gap), to_pcm16)
            for chunk in backend.stream(sentence, job["speed"]):
                if _cancelled(conn, job_id):
                    conn.send(("cancelled", job_id))
                    return
                samples += _send(conn, job_id, resampler.push(chunk), to_pcm16)
        samples += _send(conn, job_id, resampler.finish(), to_pcm16)
    except CompressError as err:
        conn.send(("error", job_id, "synthesis", str(err)))
        return
    elapsed = time.perf_counter() - start
    conn.send(("done", job_id, {"audio_s": samples / job["rate"], "synth_s": elapsed}))


def _send(conn, job_id: int, wav: np.ndarray, to_pcm16) -> int:
    if len(wav):
        conn.send(("audio", job_id, to_pcm16(wav).astype("<i2").tobytes()))
    return len(wav)
