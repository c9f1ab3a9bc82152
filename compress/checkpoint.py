"""The project's checkpoint format: a directory that loads without pickle.

    model.safetensors   every tensor of the voice, "am.<key>" and "voc.<key>"
    arch.json           the architecture (per-layer widths), speakers, audio config, and the
                        ordered modes that loading replays on the float modules (module swaps)
    manifest.json       the history that produced it (see compress.manifest)
    (stage dirs add revert.safetensors, report.md and the artifacts their stage declares)

The sha256 of `model.safetensors` identifies the weights: manifests record it for the dir
itself and for its parent, and loading checks it, so a manifest never describes other weights.
Loading is strict: a missing or unexpected tensor is an error naming it. This module knows
the format, not the stages: replaying a mode is the caller's `replay` (compress.loading).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from compress.audio.config import FeatureConfig
from compress.files import atomic_directory, read_json
from compress.errors import VoiceLoadError
from compress.manifest import new_manifest, upgrade
from compress.models.arch import HifiGanArch, SambertArch
from compress.models.symbols import SymbolTables
from compress.models.voice import Voice, build_voice, load_tensors

ARCH_FORMAT = "sambert-compress/arch"
ARCH_VERSION = 2  # 2 added "modes"; a version-1 arch.json has none
WEIGHTS = "model.safetensors"

# (voice with float modules, one {"stage", "mode"} record, the dir) -> the voice with the mode applied
Replay = Callable[[Voice, dict, Path], Voice]


def voice_tensors(voice: Voice) -> dict[str, torch.Tensor]:
    """Every tensor of the voice under its module prefix, contiguous and detached."""
    return {
        f"{prefix}.{key}": value.detach().contiguous()
        for prefix, module in voice.modules().items()
        for key, value in module.state_dict().items()
    }


def serialize(tensors: dict[str, torch.Tensor]) -> bytes:
    """Deterministic bytes: the same tensors always give the same file and sha256."""
    return st_save(dict(sorted(tensors.items())), metadata={"format": "sambert-compress"})


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def weights_sha256(voice: Voice) -> str:
    return sha256(serialize(voice_tensors(voice)))


def arch_document(voice: Voice) -> dict:
    return {
        "format": ARCH_FORMAT,
        "version": ARCH_VERSION,
        "sambert": voice.am.arch.to_dict(),
        "hifigan": voice.vocoder.arch.to_dict(),
        "speakers": list(voice.tables.speakers),
        "audio": voice.audio.to_kantts(),
        "kantts_configs": voice.kantts_configs,
        "modes": list(voice.modes),
    }


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def save_checkpoint(voice: Voice, out_dir: Path, history: list[dict],
                    extra_files: dict[str, bytes] | None = None) -> Path:
    """Write the dir atomically (temp dir, then rename). The weights' sha256 becomes the last
    history entry's output_sha256; the manifest is the history (compress.manifest)."""
    data = serialize(voice_tensors(voice))
    history[-1]["output_sha256"] = sha256(data)
    with atomic_directory(out_dir) as tmp:
        (tmp / WEIGHTS).write_bytes(data)
        write_json(tmp / "arch.json", arch_document(voice))
        write_json(tmp / "manifest.json", new_manifest(history))
        for name, content in (extra_files or {}).items():
            (tmp / name).write_bytes(content)
    return Path(out_dir)


def read_tensors(path: Path) -> tuple[dict[str, torch.Tensor], str]:
    """Tensors of a safetensors file and the file's sha256."""
    if not path.is_file():
        raise VoiceLoadError(f"missing {path}")
    data = path.read_bytes()
    try:
        return st_load(data), sha256(data)
    except (SafetensorError, ValueError) as err:
        raise VoiceLoadError(f"{path} is truncated or not a safetensors file ({err})") from None


def load_manifest(ckpt_dir: Path) -> dict:
    return upgrade(read_json(Path(ckpt_dir) / "manifest.json"), str(Path(ckpt_dir) / "manifest.json"))


def build_from_arch(arch: dict, source: Path, replay: Replay | None = None) -> Voice:
    """The modules an arch.json document describes, not yet loaded: float modules from the
    widths, then every recorded mode replayed in order (module swaps, quantizer buffers)."""
    am_arch = SambertArch.from_dict(arch["sambert"])
    voice = build_voice(am_arch, HifiGanArch.from_dict(arch["hifigan"]),
                        SymbolTables.build(arch["speakers"], am_arch.tables),
                        FeatureConfig.for_voice(arch["audio"], f"{source}/arch.json"), source,
                        arch.get("kantts_configs"))
    for record in arch.get("modes") or []:
        if replay is None:
            raise VoiceLoadError(f"{source}: stage {record.get('stage')!r} recorded a mode; load it with "
                                 f"compress.loading.load_voice")
        voice = replay(voice, record, Path(source))
        voice.modes.append(record)
    return voice


def voice_from_arch(arch: dict, tensors: dict[str, torch.Tensor], source: Path, replay: Replay | None = None) -> Voice:
    """A voice from an arch.json document and its tensors (loaded strictly)."""
    return load_tensors(build_from_arch(arch, source, replay), tensors)


def read_arch(ckpt_dir: Path) -> dict:
    arch = read_json(Path(ckpt_dir) / "arch.json")
    if arch.get("format") != ARCH_FORMAT:
        raise VoiceLoadError(f"{Path(ckpt_dir) / 'arch.json'} is not a sambert-compress arch file")
    if arch.get("version") not in (1, ARCH_VERSION):
        raise VoiceLoadError(f"{Path(ckpt_dir) / 'arch.json'} has arch version {arch.get('version')}; "
                             f"this tool reads 1 and {ARCH_VERSION}")
    return arch


def read_weights(ckpt_dir: Path, manifest: dict) -> dict[str, torch.Tensor]:
    """The dir's tensors, checked against the manifest's sha256."""
    tensors, digest = read_tensors(Path(ckpt_dir) / WEIGHTS)
    if manifest["weights_sha256"] != digest:
        raise VoiceLoadError(
            f"{ckpt_dir}: manifest.json does not match its weights (sha256 of {WEIGHTS} is "
            f"{digest[:12]}…, the manifest records {str(manifest['weights_sha256'])[:12]}…)")
    return tensors


def load_checkpoint(ckpt_dir: Path, replay: Replay | None = None) -> Voice:
    ckpt_dir = Path(ckpt_dir)
    arch = read_arch(ckpt_dir)
    return voice_from_arch(arch, read_weights(ckpt_dir, load_manifest(ckpt_dir)), ckpt_dir, replay)
