import pytest

from sensitivity.curves import check_fractions, sensitivity_curves
from sensitivity.measure import Measurer
from sensitivity.taylor import taylor_importance

NAMES = ["am.encoder.0.ffn", "am.pitch.blstm", "am.duration.lstm", "voc.stage.2", "voc.stage.3"]


@pytest.fixture(scope="module")
def curves(tiny_voice, tiny_groups, tiny_calibration):
    groups = [tiny_groups[n] for n in NAMES]
    importance = taylor_importance(tiny_voice, groups, tiny_calibration, passes=2)
    measurer = Measurer(tiny_voice, tiny_calibration[:1])
    return sensitivity_curves(tiny_voice, groups, importance, tiny_calibration[:1],
                              fractions=(0.1, 0.12, 0.5, 0.9), measurer=measurer)


def test_curves_start_at_zero_and_rise(curves, tiny_groups):
    assert list(curves) == NAMES
    for name, points in curves.items():
        size = tiny_groups[name].block_size
        assert points[0] == (0.0, 0.0)
        fractions = [f for f, _ in points]
        assert fractions == sorted(set(fractions)) and fractions[-1] <= (size - 1) / size
        assert all(f * size == round(f * size) for f in fractions)  # whole units
        assert all(d >= 0 for _, d in points)
    # monotone-ish where removal clearly bites
    for name in ("am.pitch.blstm", "voc.stage.2"):
        points = curves[name]
        assert points[-1][1] > points[1][1] > 0


def test_rounding_and_cap(curves):
    # voc.stage.3 of the tiny vocoder has 2 channels: only one can go
    assert [f for f, _ in curves["voc.stage.3"]] == [0.0, 0.5]
    # pitch BLSTM has 8 units a direction: 0.1 and 0.12 both round to one unit
    assert [f for f, _ in curves["am.pitch.blstm"]] == [0.0, 0.125, 0.5, 0.875]


def test_bad_input(tiny_voice, tiny_groups, tiny_calibration):
    group = tiny_groups["am.encoder.0.ffn"]
    with pytest.raises(ValueError, match="fractions"):
        check_fractions([0.0, 0.5])
    with pytest.raises(ValueError, match="fractions"):
        check_fractions([])
    with pytest.raises(ValueError, match="no importance"):
        sensitivity_curves(tiny_voice, [group], {}, tiny_calibration[:1])
    with pytest.raises(ValueError, match="is not 1 blocks of 32 units"):
        sensitivity_curves(tiny_voice, [group], {group.name: [[0.0] * 3]}, tiny_calibration[:1])
