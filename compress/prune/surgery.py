"""Applying a pruning plan: silencing units (masking) or removing them (surgery).

A plan maps group names to the units kept in each block. Removal selects the kept indices
of every member tensor along its dimension, writes the smaller widths into a copy of the
architecture, rebuilds the modules and loads the smaller tensors, so the pruned voice is an
ordinary model that runs (and saves) like any other.
"""

from __future__ import annotations

import copy
from collections import defaultdict

import torch

from compress.checkpoint import voice_tensors
from compress.errors import CompressError
from compress.models.voice import Voice, assemble_voice
from compress.units.groups import UnitGroup

Plan = dict[str, list[list[int]]]  # group name -> kept units per block


class PruneError(CompressError):
    """A pruning plan does not fit the voice."""


def check_plan(groups: dict[str, UnitGroup], plan: Plan) -> None:
    for name, kept in plan.items():
        group = groups.get(name)
        if group is None:
            raise PruneError(f"the plan names an unknown group {name!r}")
        if len(kept) != group.blocks:
            raise PruneError(f"{name}: {len(kept)} blocks in the plan, the group has {group.blocks}")
        counts = {len(units) for units in kept}
        if len(counts) != 1 or 0 in counts:
            raise PruneError(f"{name}: every block must keep the same, non-zero number of units")
        for units in kept:
            if sorted(set(units)) != list(units) or units[0] < 0 or units[-1] >= group.block_size:
                raise PruneError(f"{name}: kept units must be sorted, unique and < {group.block_size}")


def removed_units(group: UnitGroup, kept: list[list[int]]) -> list[list[int]]:
    removed = []
    for block in kept:
        keep = set(block)
        removed.append([u for u in range(group.block_size) if u not in keep])
    return removed


def selections(groups: dict[str, UnitGroup], plan: Plan,
               shapes: dict[str, torch.Size]) -> dict[str, dict[int, list[int]]]:
    """For every touched tensor, the kept indices along each touched dimension.

    Kept = every index not removed, in original order: that is the layout the smaller module
    expects (gate by gate, head by head), and it leaves untouched any part of the dimension
    that no group owns (the condition columns after a prenet's in the duration LSTM)."""
    dropped: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for name, kept in plan.items():
        gone = removed_units(groups[name], kept)
        for member in groups[name].members:
            if member.param in shapes:
                dropped[member.param][member.dim].update(member.indices(gone))
    return {
        param: {dim: [i for i in range(shapes[param][dim]) if i not in gone] for dim, gone in dims.items()}
        for param, dims in dropped.items()
    }


def remove(voice: Voice, groups: dict[str, UnitGroup], plan: Plan) -> Voice:
    """A new, smaller voice; `voice` is left as it was."""
    check_plan(groups, plan)
    tensors = voice_tensors(voice)
    for param, dims in selections(groups, plan, {k: t.shape for k, t in tensors.items()}).items():
        t = tensors[param]
        for dim, index in dims.items():
            t = t.index_select(dim, torch.tensor(index, dtype=torch.long))
        tensors[param] = t.contiguous()
    arches = {"am": copy.deepcopy(voice.am.arch), "voc": copy.deepcopy(voice.vocoder.arch)}
    for name, kept in plan.items():
        groups[name].resize(arches, len(kept[0]))
    return assemble_voice(arches["am"], arches["voc"], tensors, voice.tables, voice.audio, voice.source,
                          voice.kantts_configs)


def planned_parameters(groups: dict[str, UnitGroup], plan: Plan, shapes: dict[str, torch.Size]) -> int:
    """Exact parameter count after removal, from shapes alone (no tensors are built)."""
    return int(planned_cost(groups, plan, shapes))


def planned_cost(groups: dict[str, UnitGroup], plan: Plan, shapes: dict[str, torch.Size],
                 weights: dict[str, float] | None = None, only: set[str] | None = None) -> float:
    """Sum over tensors (or the tensors in `only`) of elements left after removal x the
    tensor's weight (default 1)."""
    if only is not None:  # just the plan entries that touch those tensors
        plan = {n: kept for n, kept in plan.items() if any(m.param in only for m in groups[n].members)}
        shapes = {k: s for k, s in shapes.items() if k in only}
    chosen = selections(groups, plan, shapes)
    total = 0.0
    for param, shape in shapes.items():
        dims = list(shape)
        for dim, index in chosen.get(param, {}).items():
            dims[dim] = len(index)
        count = 1
        for d in dims:
            count *= d
        total += count * (1.0 if weights is None else weights.get(param, 0.0))
    return total


def pad(voice: Voice, groups: dict[str, UnitGroup], plan: Plan, parent: Voice) -> Voice:
    """The inverse of `remove` at the function level: `voice` (pruned by `plan` from a voice of
    `parent`'s widths) widened back to those widths, every removed unit's slices zero.

    A unit whose producer and consumer slices are zero contributes nothing (see groups.py), so
    the widened voice computes what the pruned one does. Returned with `parent`'s modules."""
    check_plan(groups, plan)
    tensors = voice_tensors(voice)
    shapes = {k: t.shape for k, t in voice_tensors(parent).items()}
    for param, dims in selections(groups, plan, shapes).items():
        t = tensors[param]
        for dim, index in dims.items():
            size = list(t.shape)
            size[dim] = shapes[param][dim]
            t = t.new_zeros(size).index_copy_(dim, torch.tensor(index, dtype=torch.long), t)
        tensors[param] = t
    return assemble_voice(parent.am.arch, parent.vocoder.arch, tensors, voice.tables, voice.audio, voice.source,
                          voice.kantts_configs)
