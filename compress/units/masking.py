"""Silencing units in place: zeroing their producer slices.

A unit whose producer slices are zero outputs exactly zero (groups.py), so a masked voice
computes what the voice with those units removed computes. Sensitivity measures with masks;
pruning's tests check removal against them.
"""

from __future__ import annotations

import torch

from compress.units.groups import UnitGroup


def mask_units(tensors: dict[str, torch.Tensor], group: UnitGroup, removed: list[list[int]]) -> None:
    """Zero the producer slices of `removed` units (per block) in place: the units output zero."""
    for member in group.members:
        if member.producer:
            index = torch.tensor(member.indices(removed), dtype=torch.long)
            if len(index):
                tensors[member.param].index_fill_(member.dim, index, 0.0)
