"""The cost of a weight when ranking pruning steps: its share of the size plus its share of
the compute (counted by compress/units/compute.py, per second of audio)."""

from __future__ import annotations

import torch

from compress.units.compute import Usage


def element_weights(usage: Usage, shapes: dict[str, torch.Size], macs_weight: float,
                    load_macs: float = 0.0) -> dict[str, float]:
    """Cost per element: its share of the parameters plus `macs_weight` x its share of the
    compute, where one load of a tensor counts as `load_macs` multiply-accumulates per element."""
    params = sum(s.numel() for s in shapes.values())
    compute = {k: usage.macs.get(k, 0.0) + load_macs * usage.loads.get(k, 0.0) for k in shapes}
    total = sum(compute[k] * s.numel() for k, s in shapes.items()) or 1.0
    return {k: 1.0 / params + macs_weight * compute[k] / total for k in shapes}
