"""The project's checkpoint format: a directory that loads without pickle.

    model.safetensors   every tensor of the voice, "am.<key>" and "voc.<key>"
    arch.json           the architecture (per-layer widths), speakers, audio config
    manifest.json       what produced it (see compress.manifest)
    (stage dirs add revert.safetensors and report.md)

The sha256 of `model.safetensors` identifies the weights: manifests record it for the dir
itself and for its parent, and loading checks it, so a manifest never describes other weights.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from compress.audio.config import FeatureConfig
from compress.files import atomic_directory
from compress.errors import VoiceLoadError
from compress.manifest import upgrade
from compress.models.arch import HifiGanArch, SambertArch
from compress.models.symbols import SymbolTables
from compress.models.voice import Voice, assemble_voice

ARCH_FORMAT = "sambert-compress/arch"
WEIGHTS = "model.safetensors"


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
        "version": 1,
        "sambert": voice.am.arch.to_dict(),
        "hifigan": voice.vocoder.arch.to_dict(),
        "speakers": list(voice.tables.speakers),
        "audio": voice.audio.to_kantts(),
        "kantts_configs": voice.kantts_configs,
    }


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def save_checkpoint(voice: Voice, out_dir: Path, manifest: dict,
                    extra_files: dict[str, bytes] | None = None) -> Path:
    """Write the dir atomically (temp dir, then rename); fills manifest['weights_sha256']."""
    data = serialize(voice_tensors(voice))
    manifest["weights_sha256"] = sha256(data)
    with atomic_directory(out_dir) as tmp:
        (tmp / WEIGHTS).write_bytes(data)
        write_json(tmp / "arch.json", arch_document(voice))
        write_json(tmp / "manifest.json", manifest)
        for name, content in (extra_files or {}).items():
            (tmp / name).write_bytes(content)
    return Path(out_dir)


def read_json(path: Path) -> dict:
    if not path.is_file():
        raise VoiceLoadError(f"missing {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise VoiceLoadError(f"{path} is not valid JSON: {err}") from None


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


def voice_from_arch(arch: dict, tensors: dict[str, torch.Tensor], source: Path) -> Voice:
    """A voice from an arch.json document and its tensors."""
    am_arch = SambertArch.from_dict(arch["sambert"])
    return assemble_voice(am_arch, HifiGanArch.from_dict(arch["hifigan"]), tensors,
                          SymbolTables.build(arch["speakers"], am_arch.tables),
                          FeatureConfig.for_voice(arch["audio"], f"{source}/arch.json"), source,
                          arch.get("kantts_configs"))


def load_checkpoint(ckpt_dir: Path) -> Voice:
    ckpt_dir = Path(ckpt_dir)
    arch = read_json(ckpt_dir / "arch.json")
    if arch.get("format") != ARCH_FORMAT:
        raise VoiceLoadError(f"{ckpt_dir / 'arch.json'} is not a sambert-compress arch file")
    manifest = load_manifest(ckpt_dir)
    tensors, digest = read_tensors(ckpt_dir / WEIGHTS)
    if manifest["weights_sha256"] != digest:
        raise VoiceLoadError(
            f"{ckpt_dir}: manifest.json does not match its weights (sha256 of {WEIGHTS} is "
            f"{digest[:12]}…, the manifest records {str(manifest['weights_sha256'])[:12]}…)")
    return voice_from_arch(arch, tensors, ckpt_dir)
