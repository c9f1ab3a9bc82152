"""Word segmentation with jieba, loaded fast.

jieba keeps its whole prefix dictionary (about 500k entries) in a Python dict; even from its
marshal cache that takes 0.6-1.0 s on this machine, most of the frontend's start-up budget.
Segmenting one sentence needs only a few hundred lookups, so the dictionary is moved once into
an SQLite file (a keyed table, opened in milliseconds) and a jieba `Tokenizer` is pointed at
it. The segmentation algorithm (DAG, max-probability route, HMM for unknown words) is jieba's
own, unchanged; only where FREQ lives differs. If the SQLite index cannot be built or opened,
the stock `initialize()` is used instead.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

_CACHE_ENV = "SAMBERT_COMPRESS_CACHE"
_SCHEMA = 1

_tokenizer = None


def _import_jieba():
    """Import jieba without pkg_resources.

    jieba 0.42 imports pkg_resources only to open its bundled files and falls back to plain
    `open` without it; importing it costs ~80 ms and prints a deprecation warning on every
    run, so it is hidden for the duration of the import (only if nobody loaded it yet).
    """
    hidden = "pkg_resources" not in sys.modules
    if hidden:
        sys.modules["pkg_resources"] = None  # makes `import pkg_resources` raise ImportError
    try:
        import jieba
    finally:
        if hidden:
            del sys.modules["pkg_resources"]
    jieba.setLogLevel(logging.WARNING)  # silence "Building prefix dict ..." on stderr
    return jieba


def cache_dir() -> Path:
    """Where derived files live: $SAMBERT_COMPRESS_CACHE, else the user cache dir."""
    if os.environ.get(_CACHE_ENV):
        return Path(os.environ[_CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "sambert-compress"


class _SqliteFreq:
    """The read-only part of jieba's FREQ mapping, looked up in SQLite.

    jieba uses FREQ with `in`, `[]` and `.get`; `add_word` writes to it, which goes to an
    in-memory overlay so the file stays read-only.
    """

    def __init__(self, path: Path):
        uri = f"file:{path}?mode=ro"
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._extra: dict[str, int] = {}

    def total(self) -> int:
        return int(self._db.execute("SELECT v FROM meta WHERE k='total'").fetchone()[0])

    def get(self, word, default=None):
        if word in self._extra:
            return self._extra[word]
        row = self._db.execute("SELECT f FROM freq WHERE w=?", (word,)).fetchone()
        return default if row is None else row[0]

    def __contains__(self, word) -> bool:
        return self.get(word) is not None

    def __getitem__(self, word) -> int:
        value = self.get(word)
        if value is None:
            raise KeyError(word)
        return value

    def __setitem__(self, word, freq) -> None:
        self._extra[word] = freq


def _index_path(jieba, dict_path: Path) -> Path:
    stat = dict_path.stat()
    key = f"{_SCHEMA}|{jieba.__version__}|{dict_path}|{stat.st_size}|{stat.st_mtime_ns}"
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    return cache_dir() / f"jieba-freq-{digest}.sqlite3"


def _build_index(tokenizer, path: Path) -> None:
    """Write jieba's prefix dictionary into an SQLite file (once, about 2-3 s)."""
    freq, total = tokenizer.gen_pfdict(tokenizer.get_dict_file())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        db = sqlite3.connect(tmp)
        db.execute("CREATE TABLE freq (w TEXT PRIMARY KEY, f INTEGER) WITHOUT ROWID")
        db.execute("CREATE TABLE meta (k TEXT PRIMARY KEY, v INTEGER)")
        db.executemany("INSERT INTO freq VALUES (?, ?)", freq.items())
        db.execute("INSERT INTO meta VALUES ('total', ?)", (total,))
        db.commit()
        db.close()
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old or the new file
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _open_index(tokenizer, path: Path) -> _SqliteFreq:
    """Open the index, building it first if missing; a damaged file is rebuilt once."""
    if not path.is_file():
        _build_index(tokenizer, path)
    try:
        freq = _SqliteFreq(path)
        freq.total()  # sqlite opens lazily: touch the file so damage shows here
        return freq
    except sqlite3.DatabaseError:
        # A truncated or foreign file would otherwise send every later run down the slow path.
        path.unlink(missing_ok=True)
        _build_index(tokenizer, path)
        return _SqliteFreq(path)


def _fast_tokenizer(jieba):
    tokenizer = jieba.Tokenizer()
    dict_path = Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME
    freq = _open_index(tokenizer, _index_path(jieba, dict_path))
    tokenizer.FREQ = freq
    tokenizer.total = freq.total()
    tokenizer.initialized = True
    return tokenizer


def tokenizer():
    """The shared jieba tokenizer (built on first use)."""
    global _tokenizer
    if _tokenizer is None:
        jieba = _import_jieba()
        try:
            _tokenizer = _fast_tokenizer(jieba)
        except (OSError, sqlite3.Error, ValueError):
            # Read-only home, full disk, corrupt index: fall back to jieba's own loading.
            _tokenizer = jieba.Tokenizer()
            _tokenizer.initialize()
    return _tokenizer


def cut(text: str) -> list[str]:
    """jieba's default (accurate, HMM on) segmentation of `text`."""
    return tokenizer().lcut(text)


def is_word(text: str) -> bool:
    """True if `text` is an entry of jieba's dictionary (prefix-only entries have freq 0)."""
    return (tokenizer().FREQ.get(text) or 0) > 0
