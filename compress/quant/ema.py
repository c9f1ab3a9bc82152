"""The exponential moving average that tracks an activation's range.

    amax_1 = m_1
    amax_n = decay * amax_(n-1) + (1 - decay) * m_n

where m_n is the max |x| of batch n, or a percentile of |x| (backend.batch_statistic; the
recipe's default is the 99.99th, measured in compress/quant/README.md). The first batch sets
the value (no warm-up from zero, which would clip everything early in calibration).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class EmaState:
    decay: float
    value: float | None = None
    batches: int = 0

    def update(self, batch_max: float) -> float:
        self.value = batch_max if self.value is None else self.decay * self.value + (1 - self.decay) * batch_max
        self.batches += 1
        return self.value
