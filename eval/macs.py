"""Multiply-accumulates of a synthesis, per second of audio produced, split into the acoustic
model and the vocoder.

Counted by the project's one counter (compress/units/compute.py), the same rule pruning ranks
by: every linear, matrix product, convolution (transposed too) and LSTM, with its bias; matrix
products between activations (attention); not element-wise work (activations, norms, softmax,
additions) or embedding lookups.
"""

from __future__ import annotations

import dataclasses

import torch

from compress.units.compute import count


def synthesis_macs(voice, encoded: list) -> dict:
    """MACs of free-running synthesis of one sentence's lines: {"am", "voc", "audio_s"}."""
    from compress import synthesis

    # An export runs its graphs in ONNX Runtime, where no hook sees the work: count the same
    # function on its float modules (a copy of the voice without the runtime).
    voice = dataclasses.replace(voice, runtime={}) if getattr(voice, "runtime", None) else voice
    am = voc = samples = 0
    with torch.no_grad():
        for symbols in encoded:
            with count(voice.am) as a:
                out = synthesis.acoustic(voice, symbols)
            with count(voice.vocoder) as v:
                wav = synthesis.vocode(voice, out.vocoder_input)
            am, voc, samples = am + a["macs"], voc + v["macs"], samples + len(wav)
    return {"am": am, "voc": voc, "audio_s": samples / voice.sample_rate}
