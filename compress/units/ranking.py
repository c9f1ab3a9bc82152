"""Which units a score keeps: the one ranking rule of the allocator and of the sensitivity curves.

Both must agree unit for unit: a curve point measured with some units masked predicts the
quality of a plan only if the plan removes the same units.
"""

from __future__ import annotations


def top_units(scores: list[float], count: int) -> list[int]:
    """Indices of the `count` highest scores, sorted by index (ties: lower index wins)."""
    order = sorted(range(len(scores)), key=lambda u: (-scores[u], u))
    return sorted(order[:count])
