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


def _history(voice_dir: Path) -> list[dict]:
    """The stage dir's history, oldest first (empty for a voice that is not a stage dir)."""
    from compress.checkpoint import load_manifest

    return load_manifest(voice_dir)["history"] if (voice_dir / "manifest.json").is_file() else []


def _declaration(voice_dir: Path) -> Path | None:
    """The emotions.json of the voice, or of the nearest ancestor in its history (the dirs
    the manifest recorded, then the imported voice: a stage dir moved elsewhere carries its
    own copy)."""
    history = _history(voice_dir)
    ancestors = [Path(e["dir"]) for e in reversed(history[1:-1]) if e.get("dir")]
    if history and history[0].get("source"):
        ancestors.append(Path(history[0]["source"]))
    for candidate in [voice_dir, *ancestors]:
        if (candidate / EMOTIONS_FILE).is_file():
            return candidate / EMOTIONS_FILE
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
    for entry in _history(Path(voice_dir))[1:]:
        totals = entry.get("totals") or {}
        chain.append({
            "stage": entry["stage"],
            "params_before": totals.get("params_before"),
            "params_after": totals.get("params_after"),
            "bytes_after": totals.get("bytes_after"),
            "config": (entry.get("config") or {}).get("values") or {},
            "precision": (entry.get("metrics") or {}).get("precision"),
            "weights_sha256": entry["output_sha256"],
        })
    return chain
