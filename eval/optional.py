"""Project features the bench uses where this build has them (the frontend, streaming)."""

from __future__ import annotations

import importlib
from pathlib import Path

import compress

_PACKAGE = Path(compress.__file__).resolve().parent


def optional_api(module: str, name: str):
    """`module.name` if this checkout of `compress` provides it, else None.

    The module must live inside this `compress` package: with an editable install of another
    checkout, Python can otherwise fill a missing submodule from that checkout, whose code
    need not match this one."""
    try:
        found = importlib.import_module(module)
    except ImportError:
        return None
    where = getattr(found, "__file__", None)
    if where is None or _PACKAGE not in Path(where).resolve().parents:
        return None
    return getattr(found, name, None)
