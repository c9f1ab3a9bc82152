"""The stage contract: every compression stage reads one voice and writes one stage dir.

    name: str
    apply(voice, config, ctx) -> (voice, StageRecord)

`run_stage` does the rest the same way for every stage: it records the parent (path, sha256
of its weights, its arch and manifest), stores in revert.safetensors every parent tensor the
stage changed or removed, and writes the dir atomically. `revert` rebuilds the parent from
the stage dir alone and checks it against the recorded sha256.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Callable, Protocol

import torch

from compress.checkpoint import (WEIGHTS, arch_document, load_manifest, read_json, read_tensors, save_checkpoint,
                                 serialize, sha256, voice_from_arch, voice_tensors, write_json)
from compress.errors import VoiceLoadError
from compress.manifest import new_manifest
from compress.models.voice import Voice
from compress.models.voice_dir import is_project_checkpoint

REVERT = "revert.safetensors"


@dataclass
class StageRecord:
    """What a stage did, for manifest.json and report.md."""

    changes: list[dict] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    report: str = ""  # markdown body of report.md


@dataclass
class StageContext:
    recipe: dict
    overrides: list[str]
    seed: int = 0
    progress: Callable[[str, int, int], None] | None = None  # (phase, done, total)

    def step(self, phase: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(phase, done, total)


class Stage(Protocol):
    name: str

    def apply(self, voice: Voice, config, ctx: StageContext) -> tuple[Voice, StageRecord]: ...


def parent_record(voice: Voice, tensors: dict[str, torch.Tensor]) -> dict:
    record = {"path": str(voice.source), "sha256": sha256(serialize(tensors)), "arch": arch_document(voice),
              "manifest": None}
    if is_project_checkpoint(voice.source):
        record["manifest"] = read_json(Path(voice.source) / "manifest.json")
    return record


def totals(before: dict[str, torch.Tensor], after: dict[str, torch.Tensor]) -> dict:
    def size(t):
        return sum(v.numel() for v in t.values()), sum(v.numel() * v.element_size() for v in t.values())

    (p0, b0), (p1, b1) = size(before), size(after)
    return {"params_before": p0, "params_after": p1, "params_kept": round(p1 / p0, 4),
            "bytes_before": b0, "bytes_after": b1}


def run_stage(stage: Stage, voice: Voice, config, ctx: StageContext, out_dir: Path) -> tuple[Path, Voice]:
    parent_tensors = voice_tensors(voice)
    new_voice, record = stage.apply(voice, config, ctx)
    new_tensors = voice_tensors(new_voice)
    changed = {k: v for k, v in parent_tensors.items()
               if k not in new_tensors or new_tensors[k].shape != v.shape or not torch.equal(new_tensors[k], v)}
    manifest = new_manifest(stage.name, parent_record(voice, parent_tensors), recipe=ctx.recipe,
                            overrides=ctx.overrides, seed=ctx.seed)
    manifest["config"] = asdict(config) if is_dataclass(config) else config
    manifest["changes"] = record.changes
    manifest["totals"] = totals(parent_tensors, new_tensors)
    manifest["metrics"] = record.metrics
    manifest["revert"] = {"file": REVERT, "tensors": len(changed)}
    extra = {REVERT: serialize(changed), "report.md": record.report.encode("utf-8")}
    new_voice.source = Path(out_dir)
    return save_checkpoint(new_voice, out_dir, manifest, extra), new_voice


def revert(stage_dir: Path, out_dir: Path) -> Path:
    """Write the stage's parent, bit for bit, as a project checkpoint dir."""
    stage_dir = Path(stage_dir)
    manifest = load_manifest(stage_dir)
    parent = manifest.get("parent")
    if not parent or "arch" not in parent:
        raise VoiceLoadError(f"{stage_dir} has no parent to revert to (stage {manifest['stage']!r})")
    current, digest = read_tensors(stage_dir / WEIGHTS)
    if digest != manifest["weights_sha256"]:
        raise VoiceLoadError(f"{stage_dir}: manifest.json does not match its weights")
    restored, _ = read_tensors(stage_dir / REVERT)
    voice = voice_from_arch(parent["arch"], {**current, **restored}, Path(parent["path"]))
    tensors = voice_tensors(voice)
    missing = set(current) | set(restored)
    if set(tensors) - missing:
        raise VoiceLoadError(f"{stage_dir}: revert data lacks {sorted(set(tensors) - missing)[0]}")
    if sha256(serialize(tensors)) != parent["sha256"]:
        raise VoiceLoadError(f"{stage_dir}: the rebuilt parent does not match the recorded sha256 "
                             f"{parent['sha256'][:12]}…; the stage dir was modified")
    manifest_out = parent["manifest"] or new_manifest("import", {"path": parent["path"], "sha256": None})
    path = save_checkpoint(voice, out_dir, dict(manifest_out))
    if parent["manifest"]:
        write_json(path / "manifest.json", parent["manifest"])  # the parent's own, unchanged
    return path
