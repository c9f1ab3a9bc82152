"""Output files and folders that appear only complete: written to a temporary path beside
their destination, then renamed; and the plain-text sentence files commands read.
Standard library only, so any module can use it cheaply."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from compress.errors import InputError, VoiceLoadError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def publish(tmp: Path, final: Path, mode: int) -> None:
    """Give a temp file or folder the permissions a normal create would (mkstemp and mkdtemp
    make them private), then move it into place."""
    os.chmod(tmp, mode & ~_umask())
    os.replace(tmp, final)


def check_output_path(path: str | Path) -> Path:
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError(f"output folder does not exist: {path.parent}")
    if path.is_dir():
        raise InputError(f"output path is a folder: {path}")
    return path


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    path = check_output_path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        publish(Path(tmp), path, 0o666)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_new_directory(out_dir: str | Path, make_parents: bool = False) -> Path:
    """An output folder must not exist yet; its parent must, unless `make_parents` (then
    atomic_directory makes it when the results are written)."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        raise InputError(f"output already exists: {out_dir} (choose a new --out)")
    if not make_parents and not out_dir.parent.is_dir():
        raise InputError(f"output folder does not exist: {out_dir.parent}")
    return out_dir


@contextlib.contextmanager
def atomic_directory(out_dir: str | Path, make_parents: bool = False):
    """Yield a temporary folder beside `out_dir`; it becomes `out_dir` only if the block
    finishes, so a failed run leaves nothing half-written behind."""
    out_dir = check_new_directory(out_dir, make_parents)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        yield tmp
        publish(tmp, out_dir, 0o777)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_text_lines(path: str | Path, what: str = "input file") -> list[str]:
    """Stripped, non-empty lines of a UTF-8 text file, `#` comment lines skipped (maybe none)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{what} not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def read_json(path: Path) -> dict:
    """A JSON file of a voice or stage dir; missing or malformed is a VoiceLoadError naming it."""
    if not path.is_file():
        raise VoiceLoadError(f"missing {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise VoiceLoadError(f"{path} is not valid JSON: {err}") from None
