"""The server's side of the synthesis processes: start them, hand each job to an idle one, relay
its messages to the request, and refuse work when the queue is full.

The event loop reads every worker's pipe with `add_reader`, so no thread blocks on a pipe. A
worker goes back to the idle set only on its job's last message (done, error or cancelled),
so a pipe never carries two jobs at once. A worker that dies fails its job and is replaced.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from compress.errors import CompressError, VoiceLoadError
from compress.serve import worker as worker_module

START_TIMEOUT_S = 300.0
FINAL = ("done", "error", "cancelled", "died")


class QueueFull(CompressError):
    def __init__(self, retry_after: int):
        super().__init__(f"the server is busy; retry after {retry_after} s")
        self.retry_after = retry_after


class JobFailed(CompressError):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class Job:
    id: int
    payload: dict
    messages: asyncio.Queue = field(default_factory=asyncio.Queue)
    worker: "Worker | None" = None
    started: float = 0.0
    finished: bool = False
    info: dict = field(default_factory=dict)  # from the worker's "started": sentences, rate
    stats: dict = field(default_factory=dict)  # from its "done": audio_s, synth_s


@dataclass
class Worker:
    process: multiprocessing.Process
    conn: object
    job: Job | None = None


class WorkerPool:
    def __init__(self, voices: list[tuple[str, str]], workers: int, threads: int, queue_size: int,
                 on_depth=None, on_busy=None):
        self.voices, self.size, self.threads, self.queue_size = voices, workers, threads, queue_size
        self.context = multiprocessing.get_context("spawn")
        self.idle: asyncio.Queue[Worker] = asyncio.Queue()
        self.workers: list[Worker] = []
        self.waiting = 0
        self.descriptions: list[dict] = []
        self.ids = itertools.count(1)
        self.recent_s = 1.0  # a running mean of job durations, for Retry-After
        self.on_depth = on_depth or (lambda n: None)
        self.on_busy = on_busy or (lambda n: None)
        self.closing = False
        self.pending: list[Worker] = []

    def launch(self) -> None:
        """Start the processes and wait until each has loaded the voices (before the server
        binds its port, so that a voice that cannot load is a plain error, not a half-started
        server)."""
        self.pending = self._spawn(self.size)

    async def start(self) -> None:
        """Attach the launched processes to the running event loop."""
        if not self.pending:
            self.launch()
        for worker in self.pending:
            self._attach(worker)
        self.pending = []

    def _spawn(self, count: int) -> list[Worker]:
        started = []
        for _ in range(count):
            parent, child = self.context.Pipe(duplex=True)
            process = self.context.Process(target=worker_module.main, args=(child, self.voices, self.threads),
                                           daemon=True, name="sambert-serve-worker")
            process.start()
            child.close()
            started.append(Worker(process, parent))
        for worker in started:
            ready = _first_message(worker.conn, worker.process)
            if ready[0] != "ready":
                for other in started:
                    other.process.terminate()
                raise VoiceLoadError(ready[1])
            self.descriptions = ready[1]
        return started

    def _attach(self, worker: Worker) -> None:
        self.workers.append(worker)
        asyncio.get_running_loop().add_reader(worker.conn.fileno(), self._readable, worker)
        self.idle.put_nowait(worker)

    def _readable(self, worker: Worker) -> None:
        try:
            while worker.conn.poll():
                self._dispatch(worker, worker.conn.recv())
        except (EOFError, OSError):
            self._died(worker)

    def _dispatch(self, worker: Worker, message: tuple) -> None:
        job = worker.job
        if job is None or message[1] != job.id:
            return  # a stale message of a job already given up
        job.messages.put_nowait(message)
        if message[0] in FINAL:
            worker.job = None
            self.idle.put_nowait(worker)
            self.on_busy(self.busy())

    def _died(self, worker: Worker) -> None:
        asyncio.get_running_loop().remove_reader(worker.conn.fileno())
        self.workers.remove(worker)
        if worker.job is not None:
            worker.job.messages.put_nowait(("died", worker.job.id, "worker", "a synthesis process died"))
        if not self.closing:
            asyncio.get_running_loop().create_task(self._replace())

    async def _replace(self) -> None:
        (worker,) = await asyncio.get_running_loop().run_in_executor(None, self._spawn, 1)
        if self.closing:
            worker.conn.send(("stop",))
            return
        self._attach(worker)

    def busy(self) -> int:
        return sum(1 for w in self.workers if w.job is not None)

    async def _acquire(self) -> Worker:
        if self.idle.empty() and self.waiting >= self.queue_size:
            raise QueueFull(max(1, round(self.recent_s * (self.waiting + 1) / max(1, self.size))))
        self.waiting += 1
        self.on_depth(self.waiting)
        try:
            while True:
                worker = await self.idle.get()
                if worker in self.workers:  # not one that died while idle
                    return worker
        finally:
            self.waiting -= 1
            self.on_depth(self.waiting)

    async def submit(self, payload: dict) -> Job:
        """Start a job on a worker (waiting in the queue if needed); returns once it started,
        or raises JobFailed with the worker's reason (e.g. text the frontend cannot read)."""
        worker = await self._acquire()
        job = Job(next(self.ids), payload, worker=worker, started=time.perf_counter())
        worker.job = job
        self.on_busy(self.busy())
        worker.conn.send(("job", job.id, payload))
        try:
            first = await job.messages.get()
        except BaseException:
            self.cancel(job)
            raise
        if first[0] != "started":
            job.finished = True
            raise JobFailed(first[2], first[3] if len(first) > 3 else first[2])
        job.info = first[2]
        return job

    async def audio(self, job: Job) -> AsyncIterator[bytes]:
        """The job's int16 PCM chunks; leaving early (a closed connection) cancels the job."""
        try:
            while True:
                message = await job.messages.get()
                kind = message[0]
                if kind == "audio":
                    yield message[2]
                    continue
                job.finished = True
                if kind == "done":
                    job.stats = message[2]
                    duration = time.perf_counter() - job.started
                    self.recent_s = 0.8 * self.recent_s + 0.2 * duration
                    return
                raise JobFailed(message[2], message[3] if len(message) > 3 else kind)
        finally:
            self.cancel(job)

    def cancel(self, job: Job) -> None:
        if not job.finished:
            job.finished = True
            try:
                job.worker.conn.send(("cancel", job.id))
            except (OSError, ValueError):
                pass

    async def stop(self) -> None:
        """Stop every worker (the server has already finished its in-flight requests)."""
        self.closing = True
        loop = asyncio.get_running_loop()
        for worker in list(self.workers):
            loop.remove_reader(worker.conn.fileno())
            try:
                worker.conn.send(("stop",))
            except (OSError, ValueError):
                pass
        for worker in list(self.workers):
            await loop.run_in_executor(None, worker.process.join, 10)
            if worker.process.is_alive():
                worker.process.terminate()


def _first_message(conn, process) -> tuple:
    """The worker's ready (or failed) message; a worker that exits first has failed."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if conn.poll(0.2):
            try:
                return conn.recv()
            except EOFError:
                break
        if not process.is_alive():
            break
    return ("failed", f"a synthesis process did not start (exit code {process.exitcode})")
