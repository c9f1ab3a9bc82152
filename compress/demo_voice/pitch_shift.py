"""Pitch-shifted copies of NSF vocoder items: the same spectral envelope at another pitch.

Fine-tuned on the acoustic model's smooth mels, the demo vocoder can read the pitch only from
its source. Copies of each item re-synthesized by WORLD at a random factor of its F0 (the
envelope and aperiodicity kept, the F0 column of the vocoder input scaled alike) pair one mel
with several pitches, so the mel path cannot carry a pitch of its own: the source has to. This
also puts the low voice's envelope (zhibei, F0 near the 80 Hz hop rate) at pitches away from
the hop.
"""

from __future__ import annotations

import numpy as np

from compress.audio.pitch import world_module


def shift_item(item: dict, factor: float, sample_rate: int, hop: int) -> dict:
    """One NSF vocoder item ({"mel": (frames, C) with F0 in Hz and 0/1 voicing last, "wav"})
    at `factor` times its pitch: WORLD's envelope (CheapTrick) and aperiodicity (D4C) of the
    recording at the item's own F0 track, re-synthesized with the scaled F0."""
    world = world_module()
    mel, wav = item["mel"], np.asarray(item["wav"], dtype=np.float64)
    f0 = np.where(mel[:, -1] > 0.5, mel[:, -2], 0.0).astype(np.float64)
    times = np.arange(len(f0)) * hop / sample_rate
    envelope = world.cheaptrick(wav, f0, times, sample_rate)
    aperiodicity = world.d4c(wav, f0, times, sample_rate)
    shifted = world.synthesize(f0 * factor, envelope, aperiodicity, sample_rate,
                               frame_period=1000.0 * hop / sample_rate)[: len(wav)]
    shifted = np.pad(shifted, (0, len(wav) - len(shifted)))
    scaled = mel.copy()
    scaled[:, -2] *= factor
    return {"mel": scaled, "wav": shifted.astype(np.float32)}


def shifted_copies(items: list[dict], low: float, high: float, seed: int,
                   sample_rate: int, hop: int) -> list[dict]:
    """One copy of each item at a factor drawn log-uniformly from [low, high]."""
    if not 0 < low <= high:
        raise ValueError(f"pitch-shift factors must satisfy 0 < low <= high, got {low}, {high}")
    rng = np.random.default_rng(seed)
    factors = np.exp(rng.uniform(np.log(low), np.log(high), size=len(items)))
    return [shift_item(item, float(k), sample_rate, hop) for item, k in zip(items, factors)]
