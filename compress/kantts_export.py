"""`export-kantts`: any float stage dir written as a KAN-TTS voice dir that KAN-TTS loads.

KAN-TTS configs give one width per kind of layer, so a stage that made widths per layer is
widened back, stage by stage from the last, to the widths of the imported voice (each
registered stage's `widen`: prune zero-pads its removed units, which computes the same
function), then written with the import's own configs and weight norm unfolded again.
"""

from __future__ import annotations

from pathlib import Path

from compress import registry
from compress.checkpoint import load_manifest
from compress.errors import VoiceLoadError
from compress.files import check_new_directory
from compress.loading import load_voice
from compress.models.kantts_io import save_kantts_voice


def export_kantts(stage_dir: Path, out_dir: Path) -> Path:
    check_new_directory(out_dir)
    voice = load_voice(stage_dir)
    if voice.modes:
        names = ", ".join(record["stage"] for record in voice.modes)
        raise VoiceLoadError(f"{stage_dir} is not a float voice (modes: {names}); export a float stage")
    history = load_manifest(stage_dir)["history"] if (Path(stage_dir) / "manifest.json").is_file() else []
    for entry in reversed(history[1:]):
        voice = registry.get(entry["stage"]).stage.widen(voice, entry)
    if voice.kantts_configs is None:
        raise VoiceLoadError(f"{stage_dir} does not descend from a KAN-TTS voice: no configs to write")
    steps = (history[0].get("load_changes") or {}).get("steps", {}).get("am") if history else None
    return save_kantts_voice(voice, out_dir, steps=steps or 0)
