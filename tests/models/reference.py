"""Running a voice on a reference folder's inputs and collecting what the reference stores."""

from __future__ import annotations

import numpy as np
import torch

from compress.models.symbols import encode, parse_tokens


def utterances(ref) -> list[str]:
    return sorted({k.split(".")[0] for k in ref.files if k.startswith("utt")})


def run_acoustic(voice, ref, utt: str, mode: str) -> dict[str, np.ndarray]:
    """Outputs under the reference's key names for `utt` in mode 'pred' or 'fixdur'."""
    enc = encode(voice.tables, parse_tokens(str(ref[f"{utt}.symbols"])))
    durations = torch.from_numpy(ref[f"{utt}.fixdur.duration_targets"]) if mode == "fixdur" else None
    out = voice.am.infer(torch.from_numpy(enc.ling)[None], torch.from_numpy(enc.emotion)[None],
                         torch.from_numpy(enc.speaker)[None], durations=durations, trace=True)
    found = {k: v.numpy() for k, v in out.trace.items()}
    found.update({
        "mel": out.mel.numpy(),
        "log_duration_predictions": out.log_durations[None].numpy(),
        "pitch_predictions": out.pitch[None].numpy(),
        "energy_predictions": out.energy[None].numpy(),
        "durations_int": out.durations[None].numpy(),
        "x_band_width": np.array(out.band_width),
        "LR_length_rounded": np.array([out.mel.shape[0]]),
    })
    return found


def stored(ref, utt: str, mode: str) -> dict[str, np.ndarray]:
    prefix = f"{utt}.{mode}."
    return {k[len(prefix):]: ref[k] for k in ref.files if k.startswith(prefix) and not k.endswith("duration_targets")}
