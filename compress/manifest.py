"""`manifest.json`: the history of a stage dir (DESIGN.md, the stage dir and its manifest).

A manifest is plain JSON with a schema version. Version 2 holds a flat, ordered `history`:

    history[0]    the import record of the user's voice ("stage": "import"): its source
                  path and format, the sha256 of every original file, and where the tensors
                  that loading changed are kept (so that revert can write them back)
    history[1..]  one entry per stage, oldest first: name, typed config, recipe and
                  overrides, the sha256 of its input and output weights, the input's arch,
                  the mode it added, its changes, totals, metrics and files

`weights_sha256` is the sha256 of the dir's own `model.safetensors` (= history[-1]'s output).
`upgrade` is the one place that reads older versions (version 1 nested each parent's whole
manifest inside its child), so the rest of the code sees only the current shape.
"""

from __future__ import annotations

import datetime as _dt
import platform

import compress
from compress.errors import VoiceLoadError

SCHEMA = "sambert-compress/manifest"
VERSION = 2
IMPORT = "import"


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def environment() -> dict:
    """Versions recorded with every entry (torch's only if it is already imported)."""
    import sys

    torch = sys.modules.get("torch")
    return {"tool_version": compress.__version__, "torch_version": getattr(torch, "__version__", None),
            "python": platform.python_version(), "created": now()}


def import_record(source: str, fmt: str, weights_sha256: str, arch: dict, *, files: dict | None = None,
                  load_changes: dict | None = None) -> dict:
    """history[0]: the voice as the user gave it."""
    return {"stage": IMPORT, "source": str(source), "format": fmt, "files": dict(files or {}),
            "output_sha256": weights_sha256, "arch": arch, "load_changes": load_changes, **environment()}


def new_manifest(history: list[dict]) -> dict:
    if not history or history[0].get("stage") != IMPORT:
        raise ValueError("a history starts with its import record")
    return {"schema": SCHEMA, "version": VERSION, "stage": history[-1]["stage"],
            "weights_sha256": history[-1]["output_sha256"], "history": list(history)}


def current(manifest: dict) -> dict:
    """The entry of the stage that wrote this dir (the import record for a plain checkpoint)."""
    return manifest["history"][-1]


def upgrade(manifest: dict, where: str) -> dict:
    """Validate a loaded manifest and bring it to the current version."""
    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
        raise VoiceLoadError(f"{where} is not a sambert-compress manifest")
    version = manifest.get("version")
    if version == 1:
        manifest = _from_version_1(manifest, where)
    elif version != VERSION:
        raise VoiceLoadError(f"{where} has manifest version {version}; this tool reads 1 and {VERSION}")
    history = manifest.get("history")
    if not isinstance(history, list) or not history or not all(isinstance(e, dict) for e in history):
        raise VoiceLoadError(f"{where} has no history")
    for index, entry in enumerate(history):
        for key in ("stage", "output_sha256") + (() if index == 0 else ("input_sha256", "input_arch", "files")):
            if key not in entry:
                raise VoiceLoadError(f"{where}: history entry {index} ({entry.get('stage')!r}) lacks {key!r}")
    if history[0]["stage"] != IMPORT:
        raise VoiceLoadError(f"{where}: the history does not start with an import record")
    if manifest.get("weights_sha256") != history[-1]["output_sha256"]:
        raise VoiceLoadError(f"{where}: weights_sha256 differs from the last history entry's output")
    return manifest


def _from_version_1(manifest: dict, where: str) -> dict:
    """Version 1 nested the parent's manifest in `parent.manifest`; flatten it, oldest first.

    A version-1 dir kept no import record: its root becomes one of format "unknown" (no
    original files were hashed, so revert can go back to the root's weights, not its files)."""
    chain = []
    node = manifest
    while node is not None:
        if node.get("version") != 1 or "stage" not in node:
            raise VoiceLoadError(f"{where}: a nested version-1 manifest is malformed")
        chain.append(node)
        node = (node.get("parent") or {}).get("manifest")
    chain.reverse()
    root_parent = chain[0].get("parent") or {}
    history = [import_record(root_parent.get("path", "?"), "unknown", root_parent.get("sha256"),
                             root_parent.get("arch"))]
    for node in chain:
        parent = node.get("parent") or {}
        history.append({
            "stage": node["stage"], "dir": None, "config": {"type": node["stage"], "version": 0,
                                                         "values": node.get("config")},
            "recipe": node.get("recipe", {}), "overrides": node.get("overrides", []),
            "input_sha256": parent.get("sha256"), "output_sha256": node.get("weights_sha256"),
            "input_arch": parent.get("arch"), "mode": {}, "changes": node.get("changes", []),
            "totals": node.get("totals", {}), "metrics": node.get("metrics", {}),
            "files": {}, "seed": node.get("seed"), "tool_version": node.get("tool_version"),
            "torch_version": node.get("torch_version"), "created": node.get("created"), "upgraded_from": 1})
    history[-1]["files"] = dict(manifest.get("revert") and {manifest["revert"]["file"]: None} or {})
    return {"schema": SCHEMA, "version": VERSION, "stage": history[-1]["stage"],
            "weights_sha256": manifest.get("weights_sha256"), "history": history}
