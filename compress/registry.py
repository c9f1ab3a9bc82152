"""The stage registry: name -> (config dataclass, recipe group, stage object).

Commands and the pipeline look stages up here and never import a stage class to run it. The
built-in stages are named by module path and imported on first use, so that `--help` and the
frontend do not pay for torch; tests (and plugins) add stages with `register`.

Two kinds of step: a voice stage (prune, qat, export) reads one voice and writes a stage dir
that is a voice; an analysis (sensitivity, bench) reads voices and writes a report dir. The
pipeline runs both kinds from the same entries and never branches on a step's name.

A stage's config serializes as {"type": name, "version": N, "values": {...}} and loads back
through the recipe checker, so a stored config is validated exactly like a typed one.
"""

from __future__ import annotations

import dataclasses
import importlib
from dataclasses import dataclass

from compress.errors import CompressError

# Built-in stages: name -> module whose ENTRY is the StageEntry.
BUILTIN = {
    "prune": "compress.prune.stage",
    "qat": "compress.quant.stage",
    "export": "compress.export.stage",
}
# Built-in analyses: name -> module whose ANALYSIS is the AnalysisEntry.
BUILTIN_ANALYSES = {
    "sensitivity": "sensitivity.step",
    "bench": "eval.step",
}


class UnknownStageError(CompressError):
    """A name that no registered stage has."""


@dataclass(frozen=True)
class StageEntry:
    name: str
    config_class: type  # a dataclass validated in __post_init__
    group: str  # its recipe group under recipes/
    stage: object  # apply(voice, config, ctx) -> StageResult; restore(voice, mode, dir) -> voice
    version: int = 1  # of the config's JSON form
    label: str = ""  # what a voice that went through it is called in summaries ("Pruned", "INT8")


@dataclass(frozen=True)
class AnalysisEntry:
    """A step that writes a report instead of a voice.

    run(voices, out_dir, recipe, overrides, progress) -> one-line summary; `voices` are the
    chain so far (the input voice first, then every stage dir), and `out_dir` must not exist:
    the analysis writes it atomically."""

    name: str
    config_class: type
    group: str
    run: object
    reads: str = "first"  # "first": the input voice only; "all": the whole chain


_REGISTERED: dict[str, StageEntry] = {}
_ANALYSES: dict[str, AnalysisEntry] = {}


def register(entry: StageEntry) -> StageEntry:
    _REGISTERED[entry.name] = entry
    return entry


def unregister(name: str) -> None:
    _REGISTERED.pop(name, None)


def names() -> list[str]:
    return sorted(set(BUILTIN) | set(_REGISTERED))


def _lookup(name: str, registered: dict, builtin: dict[str, str], attribute: str, kind: str):
    """A registered entry, importing a built-in one's module (its `attribute`) on first use."""
    if name not in registered and name in builtin:
        registered[name] = getattr(importlib.import_module(builtin[name]), attribute)
    if name not in registered:
        raise UnknownStageError(f"unknown {kind} {name!r}; registered: "
                                f"{', '.join(sorted(set(builtin) | set(registered)))}")
    return registered[name]


def get(name: str) -> StageEntry:
    return _lookup(name, _REGISTERED, BUILTIN, "ENTRY", "stage")


def analysis_names() -> list[str]:
    return sorted(set(BUILTIN_ANALYSES) | set(_ANALYSES))


def get_analysis(name: str) -> AnalysisEntry:
    return _lookup(name, _ANALYSES, BUILTIN_ANALYSES, "ANALYSIS", "analysis")


def all_entries() -> list:
    """Every step a recipe can name: the stages, then the analyses."""
    return [get(n) for n in names()] + [get_analysis(n) for n in analysis_names()]


def chain_label(stages: list[str]) -> str:
    """A voice's name by the stages it went through: "Baseline", "Pruned", "Pruned+INT8"."""
    labels = [get(s).label or s for s in stages if s in names()]
    return "+".join(labels) or "Baseline"


def config_to_json(entry: StageEntry, config) -> dict:
    if not isinstance(config, entry.config_class):
        raise TypeError(f"{entry.name} takes a {entry.config_class.__name__}, got {type(config).__name__}")
    return {"type": entry.name, "version": entry.version, "values": dataclasses.asdict(config)}


def config_from_json(document: dict):
    """The typed config of a stored {"type", "version", "values"} document."""
    from compress.recipe import RecipeError, build

    if not isinstance(document, dict) or not {"type", "version", "values"} <= set(document):
        raise RecipeError("a stored config needs type, version and values")
    entry = get(document["type"])
    if document["version"] != entry.version:
        raise RecipeError(f"stored {entry.name} config has version {document['version']}; "
                          f"this tool reads {entry.version}")
    return build(entry.config_class, document["values"], entry.group)
