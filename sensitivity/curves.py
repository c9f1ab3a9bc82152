"""Per-group sensitivity curves: speech change in dB against the fraction of units pruned.

Pruning a fraction f of a group removes, in every block, the round(f * block_size) units of
lowest Taylor importance (round half up). Removal is simulated by masking, which computes
exactly what removal computes, on the live voice, restored after each point. Each point is
the dB distance of measure.Measurer over the calibration sentences. Fractions that round to
the same unit count are measured once, and the returned fraction is the one actually pruned
(count / block_size), and at most block_size - 1 units are removed (pruning keeps one).
Every curve starts at (0.0, 0.0): no unit removed leaves the outputs
identical, so that point holds by definition and is not measured.
"""

from __future__ import annotations

from collections.abc import Callable

from compress.models.symbols import EncodedSymbols
from compress.models.voice import Voice
from compress.units.groups import UnitGroup
from sensitivity.masking import least_important, units_to_remove
from sensitivity.measure import Measurer

DEFAULT_FRACTIONS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

Curves = dict[str, list[tuple[float, float]]]
Progress = Callable[[str, int, int], None]


def check_fractions(fractions) -> list[float]:
    values = [float(f) for f in fractions]
    if not values or any(not 0.0 < f <= 1.0 for f in values):
        raise ValueError(f"fractions must be a non-empty list of numbers in (0, 1], got {list(fractions)}")
    return sorted(set(values))


def _check_importance(group: UnitGroup, scores) -> None:
    if scores is None:
        raise ValueError(f"no importance scores for group {group.name}")
    if len(scores) != group.blocks or any(len(block) != group.block_size for block in scores):
        raise ValueError(f"importance of {group.name} is not {group.blocks} blocks of {group.block_size} units")


def group_curve(measurer: Measurer, group: UnitGroup, scores: list[list[float]],
                fractions: list[float]) -> list[tuple[float, float]]:
    # pruning keeps at least one unit per block, so a curve stops one unit short of all
    counts = sorted({min(units_to_remove(f, group.block_size), group.block_size - 1) for f in fractions} - {0})
    points = [(0.0, 0.0)]
    for count in counts:
        removed = least_important(scores, count)
        points.append((count / group.block_size, measurer.masked_distance(group, removed)))
    return points


def sensitivity_curves(voice: Voice, groups: list[UnitGroup], importance: dict[str, list[list[float]]],
                       calibration: list[EncodedSymbols], fractions=DEFAULT_FRACTIONS, *,
                       am_distance: str = "mel", measurer: Measurer | None = None,
                       progress: Progress | None = None) -> Curves:
    """Group name -> [(fraction pruned, dB change), ...], starting at (0.0, 0.0).

    `measurer` reuses reference outputs already computed for `calibration` (its own
    am_distance then applies). The voice is left as it was."""
    wanted = check_fractions(fractions)
    for group in groups:
        _check_importance(group, importance.get(group.name))
    measurer = measurer or Measurer(voice, calibration, am_distance)
    curves = {}
    for index, group in enumerate(groups):
        curves[group.name] = group_curve(measurer, group, importance[group.name], wanted)
        if progress:
            progress("sensitivity curves", index + 1, len(groups))
    return curves
