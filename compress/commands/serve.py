"""`sambert-compress serve`: the HTTP API, OpenAI's speech endpoint and a web page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from compress.commands.common import note


def serve(
    voice: Annotated[Optional[list[str]], typer.Option(
        "--voice", help="Voice dir, voices/ root or stage dir, or NAME=PATH; repeat to serve several "
                        "(default: the embedded demo voice).")] = None,
    host: Annotated[str, typer.Option("--host", help="Address to bind (loopback unless you say otherwise).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 7860,
    workers: Annotated[Optional[int], typer.Option("--workers", help="Synthesis processes (default: one per core, up to 4).")] = None,
    threads: Annotated[Optional[int], typer.Option("--threads", help="Torch threads per worker (default: cores / workers).")] = None,
    auth: Annotated[Optional[str], typer.Option("--auth", help="USER:PASS for HTTP Basic (or SAMBERT_SERVE_AUTH).", show_default=False)] = None,
    api_key: Annotated[Optional[str], typer.Option("--api-key", help="Bearer key (or SAMBERT_SERVE_API_KEY).", show_default=False)] = None,
    cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", help="Cache finished answers here.")] = None,
    cache_max_mb: Annotated[int, typer.Option("--cache-max-mb", help="Bound of the cache.")] = 512,
    max_chars: Annotated[int, typer.Option("--max-chars", help="Longest text accepted.")] = 4096,
    queue: Annotated[int, typer.Option("--queue", help="Requests that may wait for a worker before 429.")] = 16,
) -> None:
    """Serve voices over HTTP: /api/tts, /v1/audio/speech (OpenAI), streaming, a web page."""
    import uvicorn

    from compress.serve.app import create_app
    from compress.serve.auth import Credentials
    from compress.serve.config import ServeSettings, default_threads, default_workers, name_voices

    workers = workers or default_workers()
    settings = ServeSettings(
        voices=name_voices(voice or []), host=host, port=port, workers=workers,
        threads=threads or default_threads(workers),
        credentials=Credentials.from_options(auth, api_key), cache_dir=cache_dir,
        cache_max_bytes=cache_max_mb * 1024 * 1024, max_chars=max_chars, queue_size=queue)
    note(f"serving {', '.join(name for name, _ in settings.voices)} on http://{host}:{port} "
         f"({settings.workers} worker(s) x {settings.threads} thread(s))")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning",
                timeout_graceful_shutdown=30)


def register(app: typer.Typer) -> None:
    app.command()(serve)
