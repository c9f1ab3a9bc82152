"""The stage contract: every compression stage reads one voice and writes one stage dir.

    name: str
    apply(voice, config, ctx) -> StageResult(voice, record, mode, artifacts)
    restore(voice, mode, stage_dir) -> voice      # replays the mode when a stage dir loads

A stage's convert is its `apply`: it returns the voice it made, what it did (`StageRecord`),
the mode that loading must replay on the float modules rebuilt from the widths (empty when
the widths and weights say everything, as for prune; module swaps plus quantizer state for
qat; an artifact handed to its runtime for export), and the extra files it declares.

`run_stage` does the rest the same way for every stage: it continues the parent's history
(or starts one with an import record of the user's voice), stores in revert.safetensors
every parent tensor the stage changed or removed, records the sha256 of every file, and
writes the dir atomically. `revert` walks the history back, one stage or down to the root,
checking every file and every rebuilt parent against the recorded sha256.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from compress.checkpoint import (WEIGHTS, arch_document, build_from_arch, load_manifest, read_tensors,
                                 read_weights, save_checkpoint, serialize, sha256, voice_tensors)
from compress.errors import VoiceLoadError
from compress.files import check_new_directory
from compress.loading import replay
from compress.manifest import environment
from compress.models.voice import Voice, load_tensors
from compress.models.voice_dir import is_project_checkpoint
from compress.origin import IMPORT_FILE, import_kantts, import_plain, write_kantts
from compress.registry import StageEntry, config_to_json

REVERT = "revert.safetensors"
REPORT = "report.md"
RESERVED = {WEIGHTS, "arch.json", "manifest.json", REVERT, REPORT, IMPORT_FILE}


@dataclass
class StageRecord:
    """What a stage did, for manifest.json and report.md."""

    changes: list[dict] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    report: str = ""  # markdown body of report.md


@dataclass
class StageResult:
    voice: Voice
    record: StageRecord
    mode: dict = field(default_factory=dict)  # JSON; empty: nothing to replay on load
    artifacts: dict[str, bytes] = field(default_factory=dict)  # extra files of the stage dir


@dataclass
class StageContext:
    recipe: dict
    overrides: list[str]
    seed: int = 0
    progress: Callable[[str, int, int], None] | None = None  # (phase, done, total)

    def step(self, phase: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(phase, done, total)


class Stage:
    """Base of the stages: `apply` is required; `restore` only for stages that record a mode."""

    name = ""

    def apply(self, voice: Voice, config, ctx: StageContext) -> StageResult:
        raise NotImplementedError

    def refusal(self, voice: Voice, config) -> str | None:
        """Why this stage does not apply to `voice` (None: it does). A pipeline skips a
        refused stage with this reason; the stage's command raises it as an error."""
        return None

    def restore(self, voice: Voice, mode: dict, stage_dir: Path) -> Voice:
        raise VoiceLoadError(f"stage {self.name!r} recorded a mode it cannot restore")

    def widen(self, voice: Voice, entry: dict) -> Voice:
        """The same function at the widths of the stage's input (history `entry`), for writing
        a float stage in a layout that only knows uniform widths (export-kantts)."""
        raise VoiceLoadError(f"stage {self.name!r} cannot be written back at its input's widths")


def totals(before: dict[str, torch.Tensor], after: dict[str, torch.Tensor]) -> dict:
    def size(t):
        return sum(v.numel() for v in t.values()), sum(v.numel() * v.element_size() for v in t.values())

    (p0, b0), (p1, b1) = size(before), size(after)
    return {"params_before": p0, "params_after": p1, "params_kept": round(p1 / p0, 4),
            "bytes_before": b0, "bytes_after": b1}


def history_of(voice: Voice, weights_sha256: str) -> tuple[list[dict], dict[str, torch.Tensor]]:
    """The history a stage over `voice` continues, and the import tensors to keep (first stage)."""
    source = Path(voice.source)
    if is_project_checkpoint(source):
        manifest = load_manifest(source)
        if manifest["weights_sha256"] != weights_sha256:
            raise VoiceLoadError(f"the voice differs from its stage dir {source}; save it before running a stage")
        return manifest["history"], {}
    if (source / "am").is_dir() and (source / "voc").is_dir():
        record, kept = import_kantts(voice)
        return [record], kept
    return [import_plain(voice)], {}


def changed_tensors(before: dict[str, torch.Tensor], after: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Tensors of `before` that `after` lacks or holds with another shape, dtype or value."""
    return {k: v for k, v in before.items()
            if k not in after or after[k].shape != v.shape or after[k].dtype != v.dtype or not torch.equal(after[k], v)}


def run_stage(entry: StageEntry, voice: Voice, config, ctx: StageContext, out_dir: Path,
              save: bool = True) -> tuple[Path, Voice]:
    """Apply the stage and write its dir (`save` False: compute only, as the ranks of a
    distributed run other than the writer do)."""
    out_dir = check_new_directory(out_dir)
    parent_tensors = voice_tensors(voice)
    input_sha = sha256(serialize(parent_tensors))
    history, kept = history_of(voice, input_sha)
    input_arch, parent_modes = arch_document(voice), list(voice.modes)
    result = entry.stage.apply(voice, config, ctx)
    clash = sorted(set(result.artifacts) & RESERVED)
    if clash:
        raise ValueError(f"stage {entry.name!r} declares an artifact with a reserved name: {clash[0]}")
    # a stage that only adds files may hand back its input: the parent object stays as it was
    new_voice = result.voice if result.voice is not voice else dataclasses.replace(voice, modes=[], runtime={})
    new_voice.modes = parent_modes + ([{"stage": entry.name, "mode": result.mode}] if result.mode else [])
    new_tensors = voice_tensors(new_voice)
    files = {REVERT: serialize(changed_tensors(parent_tensors, new_tensors)),
             REPORT: result.record.report.encode("utf-8"), **result.artifacts}
    where = str(Path(out_dir).resolve())
    if kept:
        files[IMPORT_FILE] = serialize(kept)
        history[0]["load_changes"].update(sha256=sha256(files[IMPORT_FILE]), dir=where)
    history.append({
        "stage": entry.name, "dir": where, "config": config_to_json(entry, config), "recipe": ctx.recipe,
        "overrides": list(ctx.overrides), "seed": ctx.seed, "input_sha256": input_sha,
        "output_sha256": None, "input_arch": input_arch, "mode": result.mode, "changes": result.record.changes,
        "totals": totals(parent_tensors, new_tensors), "metrics": result.record.metrics,
        "files": {name: sha256(data) for name, data in sorted(files.items())}, **environment()})
    new_voice.source = Path(out_dir)
    if not save:
        return Path(out_dir), new_voice
    return save_checkpoint(new_voice, out_dir, history, files), new_voice


# --- revert -------------------------------------------------------------------------------

def _checked_file(directory: Path, name: str, expected: str | None) -> bytes:
    path = directory / name
    if not path.is_file():
        raise VoiceLoadError(f"missing {path} (needed to revert)")
    data = path.read_bytes()
    if expected is not None and sha256(data) != expected:
        raise VoiceLoadError(f"{path} does not match the recorded sha256 {expected[:12]}…; the file was modified")
    return data


def _entry_dir(entry: dict, fallback: Path | None) -> Path:
    if fallback is not None:
        return fallback
    if not entry.get("dir") or not Path(entry["dir"]).is_dir():
        raise VoiceLoadError(f"the dir of stage {entry['stage']!r} ({entry.get('dir')}) is needed to revert "
                             f"past it and is missing")
    return Path(entry["dir"])


def parent_tensors(entry: dict, directory: Path, tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The input of the stage `entry` (written in `directory`) from its output `tensors`."""
    if entry.get("input_arch") is None:
        raise VoiceLoadError(f"stage {entry['stage']!r} recorded no parent to revert to")
    restored = read_tensors_checked(directory, REVERT, entry["files"].get(REVERT))
    parent = build_from_arch(entry["input_arch"], directory, replay)
    expected = voice_tensors(parent)
    missing = [k for k in expected if k not in restored and k not in tensors]
    if missing:
        raise VoiceLoadError(f"{directory}: revert data lacks {missing[0]}")
    rebuilt = {k: restored.get(k, tensors.get(k)) for k in expected}
    if sha256(serialize(rebuilt)) != entry["input_sha256"]:
        raise VoiceLoadError(f"{directory}: the rebuilt parent does not match the recorded sha256 "
                             f"{entry['input_sha256'][:12]}…; the stage dir was modified")
    return rebuilt


def read_tensors_checked(directory: Path, name: str, expected: str | None) -> dict[str, torch.Tensor]:
    _checked_file(directory, name, expected)
    tensors, _ = read_tensors(directory / name)
    return tensors


def revert(stage_dir: Path, out_dir: Path, to: int | None = None, fmt: str = "auto") -> Path:
    """Write the voice as it was before history entry `to + 1` (default: the parent).

    Reverting to the root of a KAN-TTS import writes the KAN-TTS voice dir (unless fmt is
    "project"); any other target is a project checkpoint dir whose files equal the stage dir
    it was, bit for bit."""
    stage_dir = Path(stage_dir)
    manifest = load_manifest(stage_dir)
    history = manifest["history"]
    last = len(history) - 1
    if last == 0:
        raise VoiceLoadError(f"{stage_dir} holds no stage to revert (its history is only the import)")
    to = last - 1 if to is None else to
    if not 0 <= to < last:
        raise VoiceLoadError(f"--to must be between 0 (the imported voice) and {last - 1}, got {to}")
    if fmt not in ("auto", "project", "kantts"):
        raise VoiceLoadError(f"unknown revert format {fmt!r}; use auto, project or kantts")
    check_new_directory(out_dir)
    tensors = read_weights(stage_dir, manifest)
    for index in range(last, to, -1):
        directory = _entry_dir(history[index], stage_dir if index == last else None)
        tensors = parent_tensors(history[index], directory, tensors)
    root = history[0]
    if to == 0 and root["format"] == "kantts" and fmt != "project":
        first = _entry_dir(history[1], stage_dir if last == 1 else None)
        kept = read_tensors_checked(first, IMPORT_FILE, root["load_changes"].get("sha256"))
        return write_kantts(root, kept, tensors, out_dir)
    if fmt == "kantts":
        raise VoiceLoadError("only the imported KAN-TTS voice reverts as a KAN-TTS dir; "
                             "use export-kantts for a float stage")
    arch = history[to + 1]["input_arch"]
    voice = load_tensors(build_from_arch(arch, stage_dir, replay), tensors)
    own_files = {}
    if to > 0:  # the stage dir it was, complete: its revert data, report and artifacts too
        directory = _entry_dir(history[to], stage_dir if to == last else None)
        own_files = {name: _checked_file(directory, name, digest) for name, digest in history[to]["files"].items()}
    voice.source = Path(out_dir)
    return save_checkpoint(voice, out_dir, [dict(e) for e in history[: to + 1]], own_files)

