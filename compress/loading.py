"""Loading any voice: a KAN-TTS voice dir, a `voices/` root, or a stage dir of this tool.

A stage dir is rebuilt from its files: float modules from the widths in arch.json, then the
modes of its stages replayed in order through the registry (module swaps, quantizer state,
runtime artifacts), then a strict load of the tensors. The artifacts its last stage declares
are checked against their recorded sha256 first.
"""

from __future__ import annotations

from pathlib import Path

from compress import registry
from compress.checkpoint import load_checkpoint, load_manifest, sha256
from compress.errors import VoiceLoadError
from compress.models.kantts_io import load_kantts_voice
from compress.models.voice import Voice
from compress.models.voice_dir import is_project_checkpoint, resolve_voice_dir

# Files every stage dir has; the rest of a stage's files are its artifacts.
_LARGE_OR_FIXED = {"revert.safetensors", "import.safetensors", "report.md"}


def replay(voice: Voice, record: dict, stage_dir: Path) -> Voice:
    """Apply one recorded mode ({"stage", "mode"}) with its stage's restore."""
    return registry.get(record["stage"]).stage.restore(voice, record["mode"], Path(stage_dir))


def check_artifacts(stage_dir: Path, manifest: dict) -> None:
    if len(manifest["history"]) == 1:  # an import record's files are the source voice's
        return
    for name, digest in manifest["history"][-1].get("files", {}).items():
        if name in _LARGE_OR_FIXED or digest is None:
            continue
        path = Path(stage_dir) / name
        if not path.is_file():
            raise VoiceLoadError(f"missing {path}")
        if sha256(path.read_bytes()) != digest:
            raise VoiceLoadError(f"{path} does not match the sha256 its manifest records; the file was modified")


def load_voice(path: str | Path | None = None, name: str | None = None) -> Voice:
    """Load a KAN-TTS voice dir, a `voices/` root, or a project checkpoint / stage dir."""
    voice_dir = resolve_voice_dir(path, name)
    if is_project_checkpoint(voice_dir):
        check_artifacts(voice_dir, load_manifest(voice_dir))
        voice = load_checkpoint(voice_dir, replay)
    else:
        voice = load_kantts_voice(voice_dir)
    voice.check()
    return voice
