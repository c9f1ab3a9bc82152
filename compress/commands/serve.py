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

    workers = default_workers() if workers is None else workers
    settings = ServeSettings(
        voices=name_voices(voice or []), host=host, port=port, workers=workers,
        threads=default_threads(max(1, workers)) if threads is None else threads,
        credentials=Credentials.from_options(auth, api_key), cache_dir=cache_dir,
        cache_max_bytes=cache_max_mb * 1024 * 1024, max_chars=max_chars, queue_size=queue)
    _check_port(host, port)
    note(f"loading {', '.join(name for name, _ in settings.voices)} in {settings.workers} worker(s)")
    app = create_app(settings)
    note(f"serving {', '.join(name for name, _ in settings.voices)} on http://{host}:{port} "
         f"({settings.workers} worker(s) x {settings.threads} thread(s))")
    uvicorn.run(app, host=host, port=port, log_level="warning",
                timeout_graceful_shutdown=30)


def _check_port(host: str, port: int) -> None:
    """Refuse a port that is taken before minutes go into loading the voices."""
    import socket

    from compress.errors import InputError

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as err:
        import os

        raise InputError(f"cannot listen on {host}:{port}: {os.strerror(err.errno) if err.errno else err}") from None


def bench_serve(
    voice: Annotated[Optional[list[str]], typer.Option(
        "--voice", help="Voices to serve side by side (as for serve; default: the demo voice).")] = None,
    clients: Annotated[int, typer.Option("--clients", help="Concurrent clients.")] = 4,
    seconds: Annotated[float, typer.Option("--seconds", help="Load time per voice.")] = 20.0,
    workers: Annotated[Optional[int], typer.Option("--workers", help="Server worker processes.")] = None,
    queue: Annotated[int, typer.Option("--queue", help="Server queue bound (429 past it).")] = 16,
    texts: Annotated[Optional[Path], typer.Option("--texts", help="Sentences, one a line (default: the demo voice's held-out set).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Also write the results as JSON.")] = None,
) -> None:
    """Load benchmark: N clients for M seconds per voice on loopback, then a cached repeat."""
    import json
    import os
    import tempfile

    import requests

    from compress.errors import InputError
    from compress.files import atomic_write_bytes, check_output_path, read_text_lines
    from compress.serve import bench
    from compress.serve.process import running_server

    if clients < 1 or seconds <= 0:
        raise InputError("--clients must be at least 1 and --seconds positive")
    if out is not None:
        check_output_path(out)
    sentences = read_text_lines(texts or Path(__file__).resolve().parents[1] / "demo_voice" / "data" / "heldout.txt",
                                "texts file")
    if not sentences:
        raise InputError(f"{texts} holds no sentences")
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as cache:
        args = [a for v in (voice or []) for a in ("--voice", v)] + ["--cache-dir", cache, "--queue", str(queue)]
        args += ["--workers", str(workers)] if workers else []
        with running_server(args) as (process, url):
            served = requests.get(f"{url}/api/voices", timeout=30).json()["voices"]
            health = requests.get(f"{url}/health", timeout=30).json()
            rss_before, load_before = bench.memory(process), os.getloadavg()[0]
            rows = []
            for described in served:
                note(f"loading {described['name']}: {clients} clients for {seconds:.0f} s")
                rows.append(bench.load(url, described, sentences, clients, seconds).summary())
            rss_after, load_after = bench.memory(process), os.getloadavg()[0]
            repeats = [bench.cached_repeat(url, described) for described in served]
    report = {"workers": health["workers"], "cpus": os.cpu_count(),
              "load_average_1min": [round(load_before, 2), round(load_after, 2)], "rss_before_mb": round(rss_before / 2**20, 1),
              "rss_after_mb": round(rss_after / 2**20, 1), "load": rows, "cached_repeat": repeats}
    print(bench_table(report))
    if out is not None:
        atomic_write_bytes(out, (json.dumps(report, indent=1) + "\n").encode("utf-8"))


def bench_table(report: dict) -> str:
    before, after = report["load_average_1min"]
    lines = [f"server: {report['workers']} worker(s) on {report['cpus']} CPUs (1-min load average {before} before, "
             f"{after} after: other processes share them); RSS of server + workers {report['rss_before_mb']} MB "
             f"before the load, {report['rss_after_mb']} MB after", "",
             "| voice | clients | s | requests | 200 | 429 | dropped | req/s | p50 s | p90 s | p99 s "
             "| first byte p50 s | first byte p90 s | cache hits in load |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in report["load"]:
        lines.append(f"| {r['voice']} | {r['clients']} | {r['seconds']} | {r['requests']} | {r['ok']} | "
                     f"{r['rejected_429']} | {r['dropped']} | {r['requests_per_s']} | {r['p50_s']} | {r['p90_s']} | "
                     f"{r['p99_s']} | {r['ttfb_p50_s']} | {r['ttfb_p90_s']} | {r['cache_hits_during_load']:.0f} |")
    lines += ["", "| voice | first ask (miss) s | cached repeat p50 ms | max ms | all hits |", "|---|---|---|---|---|"]
    for r in report["cached_repeat"]:
        lines.append(f"| {r['voice']} | {r['miss_s']} | {r['hit_p50_ms']} | {r['hit_max_ms']} | {r['all_hits']} |")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command("bench-serve")(bench_serve)
