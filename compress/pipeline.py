"""One recipe, every step: the pipeline that chains stages and analyses, resumable.

The recipe's `pipeline.steps` names registered steps in order. A voice stage (prune, qat,
export) reads the newest voice of the chain and writes `RUN_DIR/NN-<stage>`, numbered from
01; an analysis that reads the input voice alone (sensitivity) writes `00-<name>`, one that
reads the whole chain (bench) writes `<name>`. `run.json` records the resolved recipe and
every step's status, key and output sha256, rewritten atomically after each step.

Resume: a step's key is the sha256 of its typed config, the key of what it reads (the input
voice's content digest, or the step before) and the tool version. A step whose key is the
one recorded, with its dir intact, is reused; the first step whose key changed reruns, and
so does every step after it. Every dir is written atomically by its step (a killed run
leaves only a hidden temp dir, removed at the next start), so an interrupted run continues
at the step it stopped in.

Under torchrun (`pipeline --nproc N`) every rank walks the same steps: the stages train on
their share of each batch, rank 0 alone writes (stage dirs, analyses, run.json), and the ranks
wait for each other after every step.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import compress
from compress import registry
from compress.errors import CompressError, InputError
from compress.files import atomic_write_bytes
from compress.train import distributed

RUN_FILE = "run.json"
SCHEMA = "sambert-compress/run"
VERSION = 1


class PipelineError(CompressError):
    """A pipeline recipe or run dir that cannot be run."""


@dataclass
class PipelineConfig:
    steps: list[str] = field(default_factory=list)

    def __post_init__(self):
        known = registry.names() + registry.analysis_names()
        for name in self.steps:
            if name not in known:
                raise ValueError(f"unknown step {name!r}; valid: {', '.join(sorted(known))}")
        if len(set(self.steps)) != len(self.steps):
            raise ValueError(f"a step appears twice in {self.steps}")


@dataclass
class Step:
    name: str
    kind: str  # "stage" or "analysis"
    dir_name: str
    entry: object  # registry.StageEntry or registry.AnalysisEntry
    config: object  # the typed config of the entry's recipe group

    def config_json(self) -> dict:
        return {"group": self.entry.group, "values": dataclasses.asdict(self.config)}


def checked_configs(recipe: dict) -> dict[str, object]:
    """The typed config of every section of the recipe, by group: every section belongs to a
    registered step and checks as its config (a key no step owns, or a bad key of a step the
    preset does not run, is still an error)."""
    from compress.recipe import RecipeError, build

    entries = {e.group: e for e in registry.all_entries()}
    configs = {}
    for group, section in recipe.items():
        if group == "pipeline":
            continue
        if group not in entries:
            raise RecipeError(f"recipe section {group!r} belongs to no step; sections: "
                              f"{', '.join(sorted([*entries, 'pipeline']))}")
        configs[group] = build(entries[group].config_class, section, group)
    return configs


def plan(config: PipelineConfig, recipe: dict) -> list[Step]:
    """Every step with its dir and its checked config: a bad key fails before any work."""
    from compress.recipe import build

    configs = checked_configs(recipe)
    steps, stage_number = [], 0
    for name in config.steps:
        if name in registry.names():
            entry, kind = registry.get(name), "stage"
            stage_number += 1
            dir_name = f"{stage_number:02d}-{name}"
        else:
            entry, kind = registry.get_analysis(name), "analysis"
            dir_name = f"00-{name}" if entry.reads == "first" else name
        step_config = configs[entry.group] if entry.group in configs else build(entry.config_class, None, entry.group)
        steps.append(Step(name, kind, dir_name, entry, step_config))
    return steps


def content_digest(path: Path) -> str:
    """sha256 over every file under a voice dir (relative names and bytes, sorted)."""
    digest = hashlib.sha256()
    files = sorted(p for p in Path(path).rglob("*") if p.is_file()) if Path(path).is_dir() else [Path(path)]
    for file in files:
        digest.update(str(file.relative_to(path) if Path(path).is_dir() else file.name).encode("utf-8") + b"\0")
        with open(file, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def step_key(step: Step, input_key: str) -> str:
    text = json.dumps({"step": step.name, "config": step.config_json(), "input": input_key,
                       "tool_version": compress.__version__}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _output_sha256(step: Step, target: Path) -> str | None:
    if step.kind == "stage":
        from compress.checkpoint import load_manifest

        return load_manifest(target)["history"][-1].get("output_sha256")
    return content_digest(target)


def why_rerun(old: dict | None, step: Step, input_key: str, target: Path) -> str | None:
    """Why a recorded step cannot be reused (None: it can)."""
    if old is None:
        return "not run yet"
    if old.get("config") != step.config_json():
        changed = sorted(k for k, v in step.config_json()["values"].items()
                         if (old.get("config") or {}).get("values", {}).get(k) != v)
        return f"its recipe changed ({', '.join(f'{step.entry.group}.{k}' for k in changed) or 'config'})"
    if old.get("input_key") != input_key:
        return "what it reads changed"
    if old.get("tool_version") != compress.__version__:
        return f"the tool version changed ({old.get('tool_version')} -> {compress.__version__})"
    if old.get("status") not in ("done", "skipped"):
        return f"it ended {old.get('status')!r} last time"
    if old["status"] == "done" and not target.is_dir():
        return f"{target.name} is missing"
    if old["status"] == "done" and _output_sha256(step, target) != old.get("sha256"):
        return f"{target.name} was modified"
    return None


@dataclass
class Pipeline:
    voice: Path  # the resolved input voice dir
    out: Path
    recipe: dict
    overrides: list[str]
    say: Callable[[str], None] = print
    progress: Callable | None = None
    document: dict = field(default_factory=dict)

    def run(self, steps: list[Step], from_step: str | None = None) -> dict:
        if from_step is not None and from_step not in [s.name for s in steps]:
            raise InputError(f"--from-stage {from_step!r} is not a step of this recipe: "
                             f"{', '.join(s.name for s in steps)}")
        if distributed.is_writer():
            self.out.mkdir(parents=True, exist_ok=True)
            _remove_stale_temps(self.out)
        distributed.barrier()
        previous = _read_run(self.out)
        self.document = self._new_document()
        if previous and previous.get("voice_sha256") != self.document["voice_sha256"]:
            raise PipelineError(f"{self.out} holds the run of another voice ({previous.get('voice')}); "
                                f"choose a new --out for {self.voice}")
        recorded = {r["name"]: r for r in previous.get("steps", [])}
        distributed.barrier()  # every rank has read the old run.json before it is rewritten
        self._save()  # marks the dir as a run dir before the first step
        chain, input_key, stale = [self.voice], self.document["voice_sha256"], False
        for step in steps:
            target = self.out / step.dir_name
            key = step_key(step, input_key)
            reason = "--from-stage" if step.name == from_step else why_rerun(recorded.get(step.name), step, input_key, target)
            if stale and reason is None:
                reason = "a step before it reran"
            if reason is None:
                record = recorded[step.name]
                self.say(f"{step.name}: unchanged, reusing {target}" if record["status"] == "done"
                         else f"{step.name}: unchanged, skipped again: {record['reason']}")
            else:
                if recorded.get(step.name) is not None and not stale:
                    self.say(f"{step.name}: rerunning it and every step after it: {reason}")
                stale = True
                record = self._run_step(step, chain, target, key, input_key)
            self.document["steps"].append(record)
            self._save()
            if record["status"] == "done" and step.kind == "stage":
                chain.append(target)
                input_key = key
        self.document["status"] = "done"
        self._save()
        return self.document

    def _run_step(self, step: Step, chain: list[Path], target: Path, key: str, input_key: str) -> dict:
        if target.exists() and distributed.is_writer():
            shutil.rmtree(target)
        distributed.barrier()
        record = {"name": step.name, "kind": step.kind, "dir": step.dir_name, "key": key, "input_key": input_key,
                  "config": step.config_json(), "tool_version": compress.__version__, "status": "running",
                  "reason": None, "summary": None, "sha256": None, "seconds": None}
        started = time.perf_counter()
        self.say(f"{step.name}: running into {target}")
        try:
            if step.kind == "stage":
                record.update(self._run_stage(step, chain[-1], target))
            elif distributed.is_writer():  # an analysis trains nothing: rank 0 runs it alone
                reads = chain if step.entry.reads == "all" else chain[:1]
                record.update(status="done", summary=step.entry.run(reads, target, self.recipe, self.overrides,
                                                                    self.progress))
            else:
                record.update(status="done")
            distributed.barrier()
        except BaseException as err:
            record.update(status="failed", reason=f"{type(err).__name__}: {err}".splitlines()[0])
            record["seconds"] = round(time.perf_counter() - started, 1)
            self.document["steps"].append(record)
            self.document["status"] = "failed"
            self._save()
            raise
        record["seconds"] = round(time.perf_counter() - started, 1)
        if record["status"] == "done":
            record["sha256"] = _output_sha256(step, target)
        else:
            self.say(f"{step.name}: skipped: {record['reason']}")
        return record

    def _run_stage(self, step: Step, parent: Path, target: Path) -> dict:
        from compress.loading import load_voice
        from compress.stage import StageContext, run_stage

        voice = load_voice(parent)
        refusal = getattr(step.entry.stage, "refusal", lambda *_: None)(voice, step.config)
        if refusal:
            return {"status": "skipped", "reason": refusal}
        ctx = StageContext(recipe=self.recipe, overrides=self.overrides, seed=getattr(step.config, "seed", 0),
                           progress=self.progress if distributed.is_writer() else None)
        run_stage(step.entry, voice, step.config, ctx, target, save=distributed.is_writer())
        return {"status": "done", "summary": f"{step.name} of {parent}"}

    def _new_document(self) -> dict:
        now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        return {"schema": SCHEMA, "version": VERSION, "tool_version": compress.__version__, "updated": now,
                "voice": str(self.voice), "voice_sha256": content_digest(self.voice), "recipe": self.recipe,
                "overrides": list(self.overrides), "status": "running", "steps": []}

    def _save(self) -> None:
        if not distributed.is_writer():
            return
        self.document["updated"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        text = json.dumps(self.document, indent=2, ensure_ascii=False, default=str) + "\n"
        atomic_write_bytes(self.out / RUN_FILE, text.encode("utf-8"))


def _read_run(out: Path) -> dict:
    path = out / RUN_FILE
    if not path.is_file():
        if any(out.iterdir()):
            raise PipelineError(f"{out} holds files but no {RUN_FILE}: not a pipeline run dir; choose a new --out")
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise PipelineError(f"{path} is not readable JSON ({err}); move it away to start the run afresh") from None
    if document.get("schema") != SCHEMA or document.get("version") != VERSION:
        raise PipelineError(f"{path} is not a version-{VERSION} {SCHEMA} document")
    return document


def _remove_stale_temps(out: Path) -> None:
    """Hidden temp dirs and files that a killed step or write left behind."""
    for path in out.iterdir():
        if path.name.startswith(".") and (".tmp-" in path.name or path.name.endswith(".tmp")):
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
