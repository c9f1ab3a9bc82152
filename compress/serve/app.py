"""The FastAPI application: state, start-up and shutdown of the worker pool, credentials and
request counting (plain ASGI middleware, so streamed answers pass straight through), and every
error answered as JSON `{"error": ..., "field": ...}`."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from compress.serve.auth import OPEN_PATHS
from compress.serve.cache import AudioCache
from compress.serve.config import ServeSettings
from compress.serve.metrics import Metrics
from compress.serve.pool import JobFailed, QueueFull, WorkerPool
from compress.serve.schema import RequestError, VoiceIndex
from compress.serve.speech import ClientGone

log = logging.getLogger("sambert_compress.serve")


@dataclass
class ServerState:
    settings: ServeSettings
    metrics: Metrics
    pool: WorkerPool
    cache: AudioCache | None
    index: VoiceIndex | None = None


def error(status: int, message: str, field: str | None = None, headers: dict | None = None) -> JSONResponse:
    body = {"error": message}
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status, headers=headers)


class Guard:
    """Credentials on every path but /health, and a count of every answer by route and status."""

    def __init__(self, app, state: ServerState):
        self.app, self.state = app, state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        route = path if path in ROUTES else "other"
        credentials = self.state.settings.credentials

        async def counted(message):
            if message["type"] == "http.response.start":
                self.state.metrics.requests.labels(route, str(message["status"])).inc()
            await send(message)

        if path not in OPEN_PATHS and credentials.required:
            headers = dict(scope["headers"])
            authorization = headers.get(b"authorization", b"").decode("latin-1")
            if not credentials.allows(authorization):
                self.state.metrics.errors.labels("unauthorized").inc()
                response = error(401, "authentication required", headers={"WWW-Authenticate": credentials.challenge()})
                return await response(scope, receive, counted)
        return await self.app(scope, receive, counted)


ROUTES = ("/", "/health", "/metrics", "/api/tts", "/api/voices", "/v1/audio/speech", "/v1/audio/voices",
          "/v1/models")


def create_app(settings: ServeSettings, launch: bool = True) -> FastAPI:
    """The app; with `launch`, the synthesis processes start (and load the voices) now."""
    from compress.serve import routes

    metrics = Metrics()
    pool = WorkerPool(settings.voices, settings.workers, settings.threads, settings.queue_size,
                      on_depth=metrics.queue_depth.set, on_busy=metrics.busy.set)
    if launch:
        pool.launch()
    cache = AudioCache(settings.cache_dir, settings.cache_max_bytes) if settings.cache_dir else None
    state = ServerState(settings, metrics, pool, cache)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await pool.start()
        state.index = VoiceIndex(pool.descriptions, settings.max_chars)
        log.info("serving %s with %d worker(s)", ", ".join(n for n, _ in settings.voices), settings.workers)
        yield
        await pool.stop()

    app = FastAPI(title="sambert-compress", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.serve = state
    _handlers(app, metrics)
    routes.register(app, state)
    app.add_middleware(Guard, state=state)
    return app


def _handlers(app: FastAPI, metrics: Metrics) -> None:
    @app.exception_handler(RequestError)
    async def bad_request(request: Request, err: RequestError):
        metrics.errors.labels("bad_request" if err.status == 400 else "too_large").inc()
        return error(err.status, str(err), err.field)

    @app.exception_handler(QueueFull)
    async def busy(request: Request, err: QueueFull):
        metrics.errors.labels("queue_full").inc()
        return error(429, str(err), headers={"Retry-After": str(err.retry_after)})

    @app.exception_handler(JobFailed)
    async def failed(request: Request, err: JobFailed):
        metrics.errors.labels(err.kind).inc()
        if err.kind == "bad_request":
            return error(400, str(err), "text")
        return error(500, f"synthesis failed: {err}")

    @app.exception_handler(ClientGone)
    async def gone(request: Request, err: ClientGone):
        return error(499, str(err))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException):
        metrics.errors.labels("not_found" if err.status_code == 404 else "http").inc()
        return error(err.status_code, str(err.detail), headers=getattr(err, "headers", None))

    @app.exception_handler(Exception)
    async def internal(request: Request, err: Exception):
        log.exception("internal error on %s", request.url.path)
        metrics.errors.labels("internal").inc()
        return error(500, f"internal error ({type(err).__name__})")
