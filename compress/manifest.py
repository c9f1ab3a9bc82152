"""`manifest.json`: what a stage changed relative to its parent (DESIGN.md, the stage dir).

A manifest is plain JSON with a schema version. `upgrade` is the one place that reads older
versions, so the rest of the code sees only the current shape.
"""

from __future__ import annotations

import datetime as _dt
import platform

import torch

import compress
from compress.errors import VoiceLoadError

SCHEMA = "sambert-compress/manifest"
VERSION = 1


def new_manifest(stage: str, parent: dict | None, *, recipe: dict | None = None,
                 overrides: list[str] | None = None, seed: int | None = None) -> dict:
    """A manifest skeleton; the stage fills changes, totals and metrics."""
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "stage": stage,
        "parent": parent,
        "recipe": recipe or {},
        "overrides": list(overrides or []),
        "changes": [],
        "totals": {},
        "metrics": {},
        "weights_sha256": None,
        "tool_version": compress.__version__,
        "torch_version": torch.__version__,
        "python": platform.python_version(),
        "seed": seed,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def upgrade(manifest: dict, where: str) -> dict:
    """Validate a loaded manifest and bring it to the current version."""
    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
        raise VoiceLoadError(f"{where} is not a sambert-compress manifest")
    version = manifest.get("version")
    if version != VERSION:
        raise VoiceLoadError(f"{where} has manifest version {version}; this tool reads {VERSION}")
    for key in ("stage", "changes", "totals", "weights_sha256"):
        if key not in manifest:
            raise VoiceLoadError(f"{where} lacks {key!r}")
    return manifest
