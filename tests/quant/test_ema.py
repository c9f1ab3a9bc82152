"""The EMA of per-batch maxima, against a series computed by hand."""

import pytest

from compress.quant.ema import EmaState


def test_the_first_batch_sets_the_value_then_each_batch_moves_it_by_one_minus_decay():
    state = EmaState(decay=0.9)
    # 1.0; 0.9 * 1.0 + 0.1 * 3.0 = 1.2; 0.9 * 1.2 + 0.1 * 2.0 = 1.28; 0.9 * 1.28 + 0.1 * 0.0 = 1.152
    for batch, expected in zip([1.0, 3.0, 2.0, 0.0], [1.0, 1.2, 1.28, 1.152]):
        assert state.update(batch) == pytest.approx(expected, abs=1e-12)
    assert state.batches == 4
