"""Choosing how much of each group to prune.

Attention heads are cut to a fixed share of their dimension (every head, same count, ranked
by importance inside the head). Every other group gets a fraction from its sensitivity
curve (quality change in dB against fraction pruned): starting from nothing pruned, the
allocator repeatedly advances the group whose next curve point costs the least quality per
unit of cost removed, until the voice's exact parameter count reaches the target. Curves are
treated as additive: the predicted loss of a plan is the sum of its groups' curve values.

The cost of a plan is its parameter count, or, with `weights` (per tensor, per element),
any weighted count: the prune stage mixes parameters with multiply-accumulates per second
of audio (cost.py), so that a step that saves compute counts as well as one that saves size.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import torch

from compress.prune.surgery import Plan, PruneError, planned_cost, planned_parameters
from compress.units.groups import UnitGroup
from compress.units.ranking import top_units

Curve = list[tuple[float, float]]  # (fraction pruned, quality change in dB), fractions ascending


def kept_count(size: int, keep: float) -> int:
    """Units kept for a share `keep`: rounded half up, at least one."""
    return max(1, min(size, math.floor(size * keep + 0.5)))


def aligned_count(count: int, size: int, multiple: int) -> int:
    """`count` rounded half up to a multiple of `multiple` (at least one multiple, at most
    `size`). CPU kernels run widths in SIMD-sized blocks: 13 channels cost nearly what 16 do.
    Groups narrower than two multiples keep any count."""
    if multiple <= 1 or size < 2 * multiple:
        return count
    return min(size, max(multiple, multiple * math.floor(count / multiple + 0.5)))


def keep_plan(group: UnitGroup, importance: list[list[float]], keep_per_block: int) -> list[list[int]]:
    return [top_units(block, keep_per_block) for block in importance]


def match_patterns(patterns: list[str], names: list[str]) -> set[str]:
    """Names matched by ordered patterns: an exact name, else a regex (full match). Every
    pattern must match something."""
    matched: set[str] = set()
    for pattern in patterns:
        if pattern in names:
            matched.add(pattern)
            continue
        try:
            regex = re.compile(pattern)
        except re.error as err:
            raise PruneError(f"protect pattern {pattern!r} is not a valid regex ({err})") from None
        hits = {n for n in names if regex.fullmatch(n)}
        if not hits:
            raise PruneError(f"protect pattern {pattern!r} matches no prunable layer "
                             f"(names look like {names[0]!r}, {names[len(names) // 2]!r})")
        matched |= hits
    return matched


@dataclass
class Allocation:
    plan: Plan
    fractions: dict[str, float]  # fraction of units pruned per group
    predicted_db: float  # sum of the groups' curve values at their fractions
    params_after: int


def allocate(groups: dict[str, UnitGroup], importance: dict[str, list[list[float]]], curves: dict[str, Curve],
             shapes: dict[str, torch.Size], target_params: int, head_keep: float,
             protected: set[str], floors: dict[str, float] | None = None,
             weights: dict[str, float] | None = None, multiple: int = 1) -> Allocation:
    """A plan that brings the voice to at most `target_params` parameters, if it can.

    `floors` (group kind -> fraction) start every unprotected group of that kind at the
    first curve point that prunes at least that fraction, whatever the target. `weights`
    (tensor name -> cost per element) rank the steps; None ranks by parameters. Kept counts
    of groups other than heads are multiples of `multiple` (see aligned_count), except in the
    last group stepped, which is trimmed to meet the target exactly."""
    plan: Plan = {}
    for name, group in groups.items():
        if group.kind == "heads" and name not in protected:
            plan[name] = keep_plan(group, importance[name], kept_count(group.block_size, head_keep))
    candidates = [n for n, g in groups.items() if g.kind != "heads" and n not in protected and curves.get(n)]
    level = dict.fromkeys(candidates, 0)  # index of each group's next curve point
    taken: dict[str, tuple[float, float]] = {}  # the curve point each group stands at
    for name in candidates:
        floor = (floors or {}).get(groups[name].kind, 0.0)
        while floor > 0 and taken.get(name, (0.0, 0.0))[0] < floor:
            step = _next_step(groups[name], importance[name], curves[name], plan, level, name, multiple)
            if step is None:
                break
            plan[name], taken[name] = step
            level[name] += 1
    params = planned_parameters(groups, plan, shapes)
    while params > target_params:
        best, best_ratio = None, math.inf
        for name in candidates:
            step = _next_step(groups[name], importance[name], curves[name], plan, level, name, multiple)
            if step is None:
                continue
            entry, (fraction, db) = step
            touched = {m.param for m in groups[name].members}
            saved = (planned_cost(groups, plan, shapes, weights, touched)
                     - planned_cost(groups, {**plan, name: entry}, shapes, weights, touched))
            loss = max(db - taken.get(name, (0.0, 0.0))[1], 0.0)
            ratio = (loss + 1e-9) / max(saved, 1e-12)
            if ratio < best_ratio:
                best, best_ratio = (name, entry, (fraction, db)), ratio
        if best is None:
            raise PruneError(f"cannot reach {target_params} parameters: every unprotected layer is at its "
                             f"largest pruning fraction ({params} parameters left)")
        name, entry, taken[name] = best
        plan[name] = _trim_overshoot(groups, importance, plan, name, entry, shapes, target_params)
        params = planned_parameters(groups, plan, shapes)
        level[name] += 1
    fractions = {n: 1.0 - len(plan[n][0]) / groups[n].block_size if n in plan else 0.0 for n in candidates}
    return Allocation(plan, fractions, sum(db for _, db in taken.values()), params)


def _trim_overshoot(groups, importance, plan, name, entry, shapes, target):
    """The last step may remove more than the target needs: keep as many of its units as the
    target allows (binary search on the kept count; importance decides which units). This one
    group may end at a width that is not aligned: the target's precision comes first."""
    group = groups[name]
    current = len(plan[name][0]) if name in plan else group.block_size
    best, lo, hi = entry, len(entry[0]), current - 1  # kept counts; `lo` meets the target
    while lo < hi:
        mid = (lo + hi + 1) // 2
        trial = keep_plan(group, importance[name], mid)
        if planned_parameters(groups, {**plan, name: trial}, shapes) <= target:
            best, lo = trial, mid
        else:
            hi = mid - 1
    return best


def _next_step(group, importance, curve, plan, level, name, multiple=1):
    """The next curve point that removes at least one more unit: (plan entry, point)."""
    current = len(plan[name][0]) if name in plan else group.block_size
    while level[name] < len(curve):
        fraction, db = curve[level[name]]
        keep = aligned_count(kept_count(group.block_size, 1.0 - fraction), group.block_size, multiple)
        if keep < current:
            return keep_plan(group, importance, keep), (fraction, db)
        level[name] += 1  # this point removes nothing more
    return None
