"""The server's settings, checked before anything starts: voices named by their run names,
ports, worker counts and limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from compress.errors import InputError
from compress.serve.auth import Credentials

DEFAULT_PORT = 7860
DEFAULT_MAX_CHARS = 4096
MAX_BODY_BYTES = 64 * 1024  # 4096 Chinese characters are 12 KiB of UTF-8: room for JSON around them


@dataclass
class ServeSettings:
    voices: list[tuple[str, str]]  # (served name, path)
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    workers: int = 1
    threads: int = 1
    credentials: Credentials = field(default_factory=Credentials)
    cache_dir: Path | None = None
    cache_max_bytes: int = 512 * 1024 * 1024
    max_chars: int = DEFAULT_MAX_CHARS
    queue_size: int = 16
    max_body_bytes: int = MAX_BODY_BYTES

    def __post_init__(self):
        checks = [("--port", self.port, 0, 65535), ("--workers", self.workers, 1, 64),
                  ("--threads", self.threads, 1, 256), ("--max-chars", self.max_chars, 1, 1_000_000),
                  ("--queue", self.queue_size, 0, 100_000)]
        for option, value, lo, hi in checks:
            if not lo <= value <= hi:
                raise InputError(f"{option} must be in [{lo}, {hi}], got {value}")
        if self.cache_dir is not None and self.cache_dir.exists() and not self.cache_dir.is_dir():
            raise InputError(f"--cache-dir is not a folder: {self.cache_dir}")
        self.max_body_bytes = max(self.max_body_bytes, 4 * self.max_chars + 4096)


def default_workers() -> int:
    """One synthesis process per core, up to 4."""
    return max(1, min(4, os.cpu_count() or 1))


def default_threads(workers: int) -> int:
    """The cores shared out between the workers (at least one torch thread each)."""
    return max(1, (os.cpu_count() or 1) // workers)


def name_voices(values: list[str]) -> list[tuple[str, str]]:
    """`--voice PATH` or `--voice NAME=PATH`; a voice is named by its run name (its folder's
    name), and two voices may not share one."""
    from compress.models.voice_dir import default_voice, resolve_voice_dir

    if not values:
        path = default_voice()
        return [(path.name, str(path))]
    named = []
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or "/" in name or not name:
            name, path = "", value
        resolved = resolve_voice_dir(Path(path))
        named.append((name or resolved.name, str(resolved)))
    seen = set()
    for name, path in named:
        if name in seen:
            raise InputError(f"two voices are named {name!r}; name one with --voice NAME=PATH")
        seen.add(name)
    return named
