"""Prunable unit groups: which slices of which tensors make up each unit.

A group is a set of units that are removed together across dependent layers (an FFN's
inner channels: rows of w_1 and columns of w_2; an LSTM's hidden units: four gate rows,
the recurrent column, and the consumer's input column). Groups with several blocks (the
heads of an attention layer, the two directions of a BLSTM, the layers of a stacked LSTM)
keep the same number of units in every block, because the module needs equal widths.

Zeroing a unit's producer slices silences the unit exactly as removing it does (an LSTM
unit whose four gate rows are zero keeps c = 0 and h = 0), so the same description serves
masking (sensitivity) and physical removal (pruning).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Member:
    """The slices of one tensor that belong to a group's units.

    Unit u of block b sits at index `part + b * stride + u` along `dim`, for every part
    offset (the four LSTM gates, the q/k/v thirds of a projection). `block` restricts the
    member to one block whose tensor holds that block alone (one LSTM direction or layer)."""

    param: str
    dim: int
    parts: tuple[int, ...] = (0,)
    stride: int = 0
    block: int | None = None
    producer: bool = False

    def indices(self, kept: list[list[int]]) -> list[int]:
        """Indices along `dim` that survive, in the order the pruned module expects."""
        if self.block is not None:
            return [p + u for p in self.parts for u in kept[self.block]]
        return [p + b * self.stride + u for p in self.parts for b, units in enumerate(kept) for u in units]


# Records a group's new block size in the architecture: (arches {"am", "voc"}, size).
Resize = Callable[[dict, int], None]


@dataclass
class UnitGroup:
    name: str
    kind: str  # ffn | heads | lstm | fsmn_memory | prenet | conv
    blocks: int
    block_size: int
    members: list[Member]
    resize: Resize

    @property
    def size(self) -> int:
        return self.blocks * self.block_size

    def all_units(self) -> list[list[int]]:
        return [list(range(self.block_size)) for _ in range(self.blocks)]


def producer(param: str, dim: int = 0, bias: bool = True) -> list[Member]:
    """A layer whose output channels are the units (weight rows, or dim 1 of a transposed conv)."""
    members = [Member(f"{param}.weight", dim, producer=True)]
    if bias:
        members.append(Member(f"{param}.bias", 0, producer=True))
    return members


def consumer(param: str, dim: int = 1, offset: int = 0) -> Member:
    """A layer that reads the units as input channels starting at `offset`."""
    return Member(f"{param}.weight", dim, (offset,))


def lstm_layer(prefix: str, tag: str, hidden: int, block: int | None = None) -> list[Member]:
    """Gate rows, biases and recurrent columns of one LSTM layer or direction (`tag` l0, l0_reverse...)."""
    gates = (0, hidden, 2 * hidden, 3 * hidden)
    return [
        Member(f"{prefix}.weight_ih_{tag}", 0, gates, block=block, producer=True),
        Member(f"{prefix}.weight_hh_{tag}", 0, gates, block=block, producer=True),
        Member(f"{prefix}.bias_ih_{tag}", 0, gates, block=block, producer=True),
        Member(f"{prefix}.bias_hh_{tag}", 0, gates, block=block, producer=True),
        Member(f"{prefix}.weight_hh_{tag}", 1, block=block),
    ]


def head_members(n_head: int, d_head: int, qkv: str, outs: list[str], kv: str | None = None) -> list[Member]:
    """q/k/v rows of every head (and the memory k/v rows), and the output projections' columns."""
    width = n_head * d_head
    members = [Member(f"{qkv}.weight", 0, (0, width, 2 * width), d_head, producer=True),
               Member(f"{qkv}.bias", 0, (0, width, 2 * width), d_head, producer=True)]
    if kv is not None:
        members += [Member(f"{kv}.weight", 0, (0, width), d_head, producer=True),
                    Member(f"{kv}.bias", 0, (0, width), d_head, producer=True)]
    return members + [Member(f"{out}.weight", 1, (0,), d_head) for out in outs]


def unit_cost(group: UnitGroup, shapes: dict[str, torch.Size]) -> int:
    """Parameters removed when every block of the group loses one unit."""
    total = 0
    for m in group.members:
        shape = shapes[m.param]
        slices = len(m.parts) * (group.blocks if m.block is None else 1)
        total += slices * (shape.numel() // shape[m.dim])
    return total
