"""An export dir loaded as a torch `Voice` runs its graphs in ONNX Runtime.

Loading an export dir through compress.loading restores the float modules (the stage dir is
still a voice) and, through the stage's restore, `voice.runtime`. compress.synthesis and
compress.streaming ask `onnx_voice` first, so that every caller that synthesizes (bench,
samples, eval) runs what the export runs. The sessions open on first use, with as many
intra-op threads as torch has in this process, so that a bench compares equal budgets.
"""

from __future__ import annotations

import numpy as np
import torch

from compress.models.sambert import AcousticOutput


def onnx_voice(voice):
    """The ONNX Runtime voice of an export (opened once, kept), or None for a torch voice."""
    runtime = getattr(voice, "runtime", None) or {}
    if runtime.get("backend") != "onnxruntime":
        return None
    if "session" not in runtime:
        from compress.export.runtime import load_export

        runtime["session"] = load_export(runtime["dir"], {"threads": torch.get_num_threads()})
    return runtime["session"]


def as_acoustic_output(sentence) -> AcousticOutput:
    """The driver's numpy sentence in the torch API's type."""
    mel = torch.from_numpy(np.ascontiguousarray(sentence.mel))
    return AcousticOutput(
        mel=mel, vocoder_input=torch.from_numpy(np.ascontiguousarray(sentence.vocoder_input)),
        durations=torch.from_numpy(sentence.durations),
        log_durations=torch.from_numpy(sentence.log_durations), pitch=torch.from_numpy(sentence.pitch),
        energy=torch.from_numpy(sentence.energy), band_width=sentence.band_width)
