"""The import record: the user's voice as it was on disk, kept so that revert can write it back.

Loading a KAN-TTS voice changes it: weight norm is folded (`weight_g`/`weight_v` become one
`weight`), older key names are renamed, tensors the model does not use are dropped. The first
stage over such a voice therefore keeps, in `import.safetensors`, every original tensor of the
checkpoints' `model` entries that the loaded voice does not hold bit for bit, and the bytes of
every other file of the voice dir (configs, mvn.npy). With the voice as loaded, that is enough
to write the original voice dir back: the same keys in the same order, the same dtypes, equal
tensors (checked against a digest of each original state dict). Not kept: the optimizer,
scheduler and discriminator entries of the checkpoints (written back empty), and checkpoint
files other than the latest one of each model, which is the one KAN-TTS loads.
"""

from __future__ import annotations

from pathlib import Path

import torch

from compress.checkpoint import arch_document, serialize, sha256, voice_tensors
from compress.errors import VoiceLoadError
from compress.files import atomic_directory
from compress.manifest import import_record
from compress.models.kantts_io import read_checkpoint, rename_legacy_vocoder_keys
from compress.models.voice import Voice
from compress.models.voice_dir import latest_checkpoint

IMPORT_FILE = "import.safetensors"
FILE_PREFIX = "file:"  # kept files are stored as uint8 tensors under "file:<relative path>"


def _state_digest(state: dict[str, torch.Tensor]) -> str:
    return sha256(serialize({k: v.contiguous() for k, v in state.items()}))


def _original_states(voice_dir: Path) -> dict[str, tuple[Path, dict, dict]]:
    """{"am"|"voc": (checkpoint path, whole checkpoint, the model's state dict)}."""
    states = {}
    for part in ("am", "voc"):
        path = latest_checkpoint(voice_dir / part / "ckpt")
        whole = read_checkpoint(path)
        state = whole["model"] if part == "am" else whole["model"].get("generator")
        if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
            raise VoiceLoadError(f"{path}: the model entry is not a flat dict of tensors")
        states[part] = (path, whole, state)
    return states


def import_kantts(voice: Voice) -> tuple[dict, dict[str, torch.Tensor]]:
    """history[0] for a voice loaded from a KAN-TTS dir, and the tensors to keep beside it."""
    voice_dir = Path(voice.source)
    files = {str(p.relative_to(voice_dir)): sha256(p.read_bytes())
             for p in sorted(voice_dir.rglob("*")) if p.is_file()}
    loaded = voice_tensors(voice)
    keep: dict[str, torch.Tensor] = {}
    renamed, keys, checkpoints, steps, digests = {}, {}, {}, {}, {}
    for part, (path, whole, state) in _original_states(voice_dir).items():
        names = rename_legacy_vocoder_keys(dict.fromkeys(state)) if part == "voc" else dict.fromkeys(state)
        for (key, tensor), new_key in zip(state.items(), names):
            target = f"{part}.{new_key}"
            same = (target in loaded and loaded[target].dtype == tensor.dtype
                    and loaded[target].shape == tensor.shape and torch.equal(loaded[target], tensor))
            if not same:
                keep[f"{part}.{key}"] = tensor.contiguous()
            elif new_key != key:
                renamed[f"{part}.{key}"] = target
        keys[part], steps[part] = list(state), whole.get("steps")
        checkpoints[part] = str(path.relative_to(voice_dir))
        digests[part] = _state_digest(state)
    ckpt_files = set(checkpoints.values())
    for rel in files:
        if rel not in ckpt_files and not rel.endswith(".pth"):
            data = (voice_dir / rel).read_bytes()
            keep[FILE_PREFIX + rel] = torch.frombuffer(bytearray(data), dtype=torch.uint8) if data \
                else torch.zeros(0, dtype=torch.uint8)
    changes = {"file": IMPORT_FILE, "kept_tensors": sum(not k.startswith(FILE_PREFIX) for k in keep),
               "keys": keys, "renamed": renamed, "checkpoints": checkpoints, "steps": steps,
               "state_sha256": digests,
               "not_kept": "optimizer, scheduler and discriminator entries; older checkpoint files"}
    record = import_record(voice_dir.resolve(), "kantts", sha256(serialize(loaded)), arch_document(voice), files=files,
                           load_changes=changes)
    return record, keep


def import_plain(voice: Voice) -> dict:
    """history[0] for a voice that came from nowhere this tool can write back (built in memory)."""
    return import_record(voice.source, "memory", sha256(serialize(voice_tensors(voice))), arch_document(voice))


def write_kantts(record: dict, kept: dict[str, torch.Tensor], tensors: dict[str, torch.Tensor],
                 out_dir: Path) -> Path:
    """The user's original voice dir from its import record, the kept tensors and the voice
    as loaded (`tensors`, "am.*"/"voc.*"). Each state dict is checked against its digest."""
    changes = record["load_changes"]
    with atomic_directory(out_dir) as tmp:
        for key, data in kept.items():
            if key.startswith(FILE_PREFIX):
                rel = key[len(FILE_PREFIX):]
                target = tmp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data.numpy().tobytes())
                if sha256(target.read_bytes()) != record["files"].get(rel):
                    raise VoiceLoadError(f"{IMPORT_FILE}: {rel} does not match the import record")
        states = {}
        for part in ("am", "voc"):
            state = {}
            for key in changes["keys"][part]:
                name = f"{part}.{key}"
                source = kept.get(name)
                if source is None:
                    source = tensors.get(changes["renamed"].get(name, name))
                if source is None:
                    raise VoiceLoadError(f"cannot rebuild the original {name}: it is neither kept nor in the voice")
                state[key] = source.clone()
            if _state_digest(state) != changes["state_sha256"][part]:
                raise VoiceLoadError(f"the rebuilt {part} checkpoint does not match the original's digest")
            states[part] = state
        for part, model in (("am", states["am"]), ("voc", {"generator": states["voc"], "discriminator": {}})):
            path = tmp / changes["checkpoints"][part]
            path.parent.mkdir(parents=True, exist_ok=True)
            torch.save({"model": model, "steps": changes["steps"][part], "optimizer": {}, "scheduler": {}}, path)
    return Path(out_dir)
