"""The ranking rule shared by the allocator and the sensitivity curves."""

from compress.units.ranking import top_units


def test_highest_scores_win_and_ties_go_to_the_lower_index():
    assert top_units([0.1, 5.0, 3.0, 5.0], 2) == [1, 3]
    assert top_units([2.0, 2.0, 2.0], 2) == [0, 1]
    assert top_units([1.0, 3.0, 2.0], 0) == []
