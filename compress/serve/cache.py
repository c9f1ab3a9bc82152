"""A disk cache of finished answers, bounded in bytes, least recently used evicted first.

The key is everything that changes the audio: the weights' sha256, speaker, emotion, speed,
the frontend's normalized text, format and sample rate. Entries are written to a temp file
and renamed, so a reader never sees half an entry; a hit touches the file's mtime, which is
what eviction orders by.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path

from compress.frontend.normalize import normalize

SUFFIX = ".audio"


def cache_key(weights_sha256: str, speaker: str, emotion: str, speed: float, text: str, fmt: str,
              rate: int) -> str:
    fields = [weights_sha256, speaker, emotion, round(speed, 4), normalize(text).text, fmt, rate]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode("utf-8")).hexdigest()


class AudioCache:
    def __init__(self, root: str | Path, max_bytes: int):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.lock = threading.Lock()

    def _path(self, key: str) -> Path:
        return self.root / f"{key}{SUFFIX}"

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        os.utime(path)  # most recently used
        return data

    def put(self, key: str, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.root)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, self._path(key))
        self._evict()

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.root.glob(f"*{SUFFIX}"))

    def _evict(self) -> None:
        with self.lock:
            entries = []
            for path in self.root.glob(f"*{SUFFIX}"):
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue
                entries.append((stat.st_mtime, stat.st_size, path))
            total = sum(size for _, size, _ in entries)
            for _, size, path in sorted(entries):
                if total <= self.max_bytes:
                    break
                path.unlink(missing_ok=True)
                total -= size
