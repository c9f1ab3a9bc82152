"""Answering one checked speech request: from the cache, streamed as the worker makes it, or
whole (for the formats that need the whole signal, and for the seed's plain WAV)."""

from __future__ import annotations

import asyncio
import time

import numpy as np
from starlette.responses import Response, StreamingResponse

from compress.errors import CompressError
from compress.serve.cache import cache_key
from compress.serve.encoding import content_type, encode, pcm_from_bytes, stream_header
from compress.serve.pool import JobFailed
from compress.serve.schema import RequestError, SpeechRequest

DISCONNECT_POLL_S = 0.25


class ClientGone(CompressError):
    """The client closed the connection before its answer was ready (its job is cancelled)."""


def _headers(req: SpeechRequest, cache: str | None) -> dict:
    headers = {"X-Sample-Rate": str(req.sample_rate), "X-Voice": req.voice}
    if cache:
        headers["X-Cache"] = cache
    return headers


class SpeechAnswer:
    """Everything one answer needs: the server's state, the request, and its timings."""

    def __init__(self, state, request, req: SpeechRequest, route: str):
        self.state, self.request, self.req, self.route = state, request, req, route
        self.text_field = "input" if route.startswith("/v1/") else "text"
        self.start = time.perf_counter()
        self.key = None
        if state.cache is not None:
            voice = state.index.voices[req.voice]
            self.key = cache_key(voice["weights_sha256"], req.speaker, req.emotion, req.speed, req.text,
                                 req.format, req.sample_rate)

    async def respond(self) -> Response:
        cached = await self._cached()
        if cached is not None:
            return cached
        try:
            job = await self.state.pool.submit({"voice": self.req.voice, "text": self.req.text,
                                                "speaker": self.req.speaker, "emotion": self.req.emotion,
                                                "speed": self.req.speed, "rate": self.req.sample_rate})
        except JobFailed as err:
            if err.kind != "bad_request":
                raise
            raise RequestError(self.text_field, str(err)) from None
        miss = "miss" if self.key else None
        if self.req.stream:
            return StreamingResponse(self._stream(job), media_type=content_type(self.req.format),
                                     headers=_headers(self.req, miss))
        body = encode(await self._collect(job), self.req.sample_rate, self.req.format)
        self._store(body)
        self._observe(first=True, last=True)
        return Response(body, media_type=content_type(self.req.format), headers=_headers(self.req, miss))

    async def _cached(self) -> Response | None:
        if self.key is None:
            return None
        body = await asyncio.get_running_loop().run_in_executor(None, self.state.cache.get, self.key)
        self.state.metrics.cache.labels("hit" if body is not None else "miss").inc()
        if body is None:
            return None
        self._observe(first=True, last=True)
        return Response(body, media_type=content_type(self.req.format), headers=_headers(self.req, "hit"))

    async def _stream(self, job):
        pcm, complete = [], False
        if self.req.format == "wav":
            yield stream_header(self.req.sample_rate)
        try:
            async for chunk in self.state.pool.audio(job):
                if not pcm:
                    self._observe(first=True)
                pcm.append(chunk)
                yield chunk
            complete = True
        except JobFailed as err:  # the status line is sent already: the stream ends short
            complete = True
            self.state.metrics.errors.labels(err.kind).inc()
            return
        finally:
            if not complete and job.stats == {}:
                self.state.metrics.errors.labels("cancelled").inc()
        self._finish(job, pcm)

    async def _collect(self, job) -> np.ndarray:
        """All of the job's audio; a client that disconnects meanwhile cancels it."""
        task = asyncio.ensure_future(self._gather(job))
        while not task.done():
            await asyncio.wait({task}, timeout=DISCONNECT_POLL_S)
            if not task.done() and await self.request.is_disconnected():
                task.cancel()
                self.state.metrics.errors.labels("cancelled").inc()
                raise ClientGone()
        self._record(job)
        return task.result()

    async def _gather(self, job) -> np.ndarray:
        chunks = [chunk async for chunk in self.state.pool.audio(job)]
        return pcm_from_bytes(b"".join(chunks))

    def _finish(self, job, pcm: list[bytes]) -> None:
        self._record(job)
        self._store(encode(pcm_from_bytes(b"".join(pcm)), self.req.sample_rate, self.req.format))
        self._observe(first=False, last=True)

    def _record(self, job) -> None:
        stats, metrics = job.stats, self.state.metrics
        if stats.get("audio_s"):
            metrics.rtf.labels(self.req.voice).observe(stats["synth_s"] / stats["audio_s"])
            metrics.audio_seconds.labels(self.req.voice).inc(stats["audio_s"])

    def _store(self, body: bytes) -> None:
        if self.key is not None:
            self.state.cache.put(self.key, body)

    def _observe(self, first: bool = False, last: bool = False) -> None:
        elapsed = time.perf_counter() - self.start
        if first:
            self.state.metrics.first_audio.labels(self.route).observe(elapsed)
        if last:
            self.state.metrics.latency.labels(self.route).observe(elapsed)
