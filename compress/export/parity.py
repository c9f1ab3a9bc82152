"""How far an export's graphs are from the torch voice they were traced from.

Each sentence is synthesized by the torch voice (a qat stage computes INT8 in fake
quantization), then by the graphs in ONNX Runtime with the torch voice's integer durations
held, so both make the same number of samples from the same frame layout (and an NSF
voice's source the same draws). The figures: the largest sample difference, the RMS of the
difference, and that RMS relative to the torch waveform's RMS. Spectral distances (MCD,
PESQ) come from the bench with the parent as reference: `bench --voice PARENT --voice EXPORT`.
"""

from __future__ import annotations

import numpy as np

from compress import synthesis
from compress.export import driver
from compress.export.runtime import OnnxVoice
from compress.models.nsf import torch_draws
from compress.models.voice import Voice

# An NSF voice's source draws at random: both sides draw with torch after this seed, so the
# figures measure the graphs, not two different draws.
SEED = 0


def waveform_parity(parent: Voice, exported: OnnxVoice, encoded: list) -> dict:
    """{"sentences", "max_abs", "rms", "relative_rms"} over `encoded` (EncodedSymbols)."""
    theirs, ours = [], []
    for symbols in encoded:
        reference = synthesis.synthesize(parent, [symbols], seed=SEED)
        held = [sentence.durations.numpy() for sentence in reference.sentences]
        theirs.append(np.asarray(reference.wav, dtype=np.float64))
        ours.append(np.asarray(driver.synthesize(exported, [symbols], durations=held, seed=SEED,
                                                 draws=torch_draws).wav, dtype=np.float64))
    a, b = np.concatenate(theirs), np.concatenate(ours)
    if a.shape != b.shape:
        raise ValueError(f"the export made {b.size} samples where its parent made {a.size}")
    rms = float(np.sqrt(np.mean((a - b) ** 2)))
    return {"sentences": len(encoded), "max_abs": float(np.abs(a - b).max()), "rms": rms,
            "relative_rms": rms / max(float(np.sqrt(np.mean(a ** 2))), 1e-12)}
