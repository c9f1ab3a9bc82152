"""What the voice list tells about a served voice besides its weights: the emotions each
speaker was trained on, and the compression chain that made it.

Nothing in a KAN-TTS checkpoint says which rows of the emotion table were trained: an
untrained row is a random vector that the model turns into some sound, and the released
checkpoints carry no optimizer state to tell the rows apart. So the voice declares them in
`emotions.json` beside its configs (a stage dir inherits its parent's, following the
manifest chain); a voice without one is served in `neutral` only, and the list says why.
"""

from __future__ import annotations

import json
from pathlib import Path

from compress.errors import FrontendError, VoiceLoadError
from compress.frontend.emotions import resolve_emotion

EMOTIONS_FILE = "emotions.json"
DEFAULT_EMOTIONS = ("emotion_neutral",)


def short_name(category: str) -> str:
    """`emotion_happy` -> `happy`: the name the voice list and the page show."""
    return category.removeprefix("emotion_")


def _manifest(voice_dir: Path) -> dict | None:
    path = voice_dir / "manifest.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise VoiceLoadError(f"{path} is not valid JSON: {err}") from None


def _declaration(voice_dir: Path) -> Path | None:
    """The emotions.json of the voice, or of the nearest ancestor in its stage chain (by the
    parent paths the manifests recorded: a stage dir moved elsewhere carries its own copy)."""
    seen = set()
    current: Path | None = voice_dir
    while current is not None and current.resolve() not in seen:
        seen.add(current.resolve())
        if (current / EMOTIONS_FILE).is_file():
            return current / EMOTIONS_FILE
        manifest = _manifest(current)
        parent = (manifest or {}).get("parent") or {}
        current = Path(parent["path"]) if parent.get("path") else None
    return None


def trained_emotions(voice_dir: str | Path, speakers: list[str]) -> tuple[dict[str, list[str]], str]:
    """{speaker: [emotion categories]} and where it came from (a path, or why the default)."""
    declared = _declaration(Path(voice_dir))
    if declared is None:
        return {s: list(DEFAULT_EMOTIONS) for s in speakers}, f"no {EMOTIONS_FILE}: neutral only"
    try:
        table = json.loads(declared.read_text(encoding="utf-8"))["speakers"]
        result = {speaker: [resolve_emotion(e) for e in table[speaker]] for speaker in speakers}
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, FrontendError) as err:
        raise VoiceLoadError(f"{declared}: needs {{\"speakers\": {{speaker: [emotions]}}}} for "
                             f"every speaker of the voice ({type(err).__name__}: {err})") from None
    return result, str(declared)


def compression_chain(voice_dir: str | Path) -> list[dict]:
    """The stages from the original voice to this one, oldest first (empty for an original)."""
    chain = []
    manifest = _manifest(Path(voice_dir))
    while manifest is not None:
        totals = manifest.get("totals") or {}
        chain.append({
            "stage": manifest.get("stage"),
            "params_before": totals.get("params_before"),
            "params_after": totals.get("params_after"),
            "bytes_after": totals.get("bytes_after"),
            "config": (manifest.get("recipe") or {}).get(manifest.get("stage")) or manifest.get("config") or {},
            "weights_sha256": manifest.get("weights_sha256"),
        })
        manifest = ((manifest.get("parent") or {}).get("manifest"))
    return chain[::-1]
