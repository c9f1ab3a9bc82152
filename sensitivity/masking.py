"""Silencing units of a live voice for one measurement, and putting them back.

`compress.units.masking.mask_units` zeroes a unit's producer slices, which computes exactly
what removing the unit computes. Here it runs on the voice's own parameter tensors, after
saving the tensors it touches, so the voice is bit-for-bit restored afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from compress.models.voice import Voice
from compress.units.groups import UnitGroup
from compress.units.masking import mask_units
from compress.units.ranking import top_units


def live_tensors(voice: Voice) -> dict[str, torch.Tensor]:
    """The voice's parameters under their group-member names ("am.<key>", "voc.<key>"),
    sharing storage with the modules (writes change the model)."""
    return {
        f"{prefix}.{key}": param.data
        for prefix, module in voice.modules().items()
        for key, param in module.named_parameters()
    }


@contextmanager
def masked(tensors: dict[str, torch.Tensor], group: UnitGroup, removed: list[list[int]]) -> Iterator[None]:
    """Within the block, the `removed` units (per block) of `group` output zero."""
    touched = sorted({m.param for m in group.members if m.producer})
    saved = {name: tensors[name].clone() for name in touched}
    try:
        with torch.no_grad():
            mask_units(tensors, group, removed)
        yield
    finally:
        with torch.no_grad():
            for name, value in saved.items():
                tensors[name].copy_(value)


def units_to_remove(fraction: float, block_size: int) -> int:
    """Units per block that pruning a fraction removes: round half up, within [0, block_size]."""
    return min(block_size, max(0, math.floor(fraction * block_size + 0.5)))


def least_important(scores: list[list[float]], count: int) -> list[list[int]]:
    """Per block, the `count` units with the lowest importance: everything the pruning
    allocator would not keep (compress.units.ranking.top_units, the same tie-breaking)."""
    removed = []
    for block in scores:
        kept = set(top_units(block, len(block) - count))
        removed.append([u for u in range(len(block)) if u not in kept])
    return removed


def whole_block(group: UnitGroup, block: int) -> list[list[int]]:
    """Every unit of one block (a whole attention head), nothing of the others."""
    return [list(range(group.block_size)) if b == block else [] for b in range(group.blocks)]
