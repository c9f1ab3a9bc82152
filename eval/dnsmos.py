"""DNSMOS P.835 / P.808 (Microsoft's DNS-challenge MOS predictors), offline via `speechmos`.

`speechmos` bundles the ONNX models and runs them with onnxruntime; it needs 16 kHz float
audio in [-1, 1]. Clips shorter than 9.01 s are tiled to that length (speechmos, as the
reference DNSMOS script); longer ones are scored on 9 s windows with a 1 s hop and averaged.
"""

from __future__ import annotations

import numpy as np

from eval.features import ANALYSIS_RATE

FIELDS = {"p808": "p808_mos", "ovrl": "ovrl_mos", "sig": "sig_mos", "bak": "bak_mos"}


def score(x: np.ndarray) -> dict[str, float]:
    """DNSMOS of one 16 kHz waveform: {"p808", "ovrl", "sig", "bak"} (1..5 MOS scale)."""
    from speechmos import dnsmos

    audio = np.clip(np.asarray(x, dtype=np.float32), -1.0, 1.0)
    if not audio.size or not np.any(audio):
        raise ValueError("DNSMOS needs a non-silent waveform")
    result = dnsmos.run(audio, sr=ANALYSIS_RATE)
    return {name: float(result[key]) for name, key in FIELDS.items()}


def mean_scores(scores: list[dict[str, float]]) -> dict[str, float | None]:
    return {name: (float(np.mean([s[name] for s in scores])) if scores else None) for name in FIELDS}
