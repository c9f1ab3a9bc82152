"""Copy-synthesis: does a voice's vocoder follow the pitch of recordings it did not train on?

Each held-out utterance of a demo-voice dataset is vocoded from its own features (the
recorded mel, and for an NSF voice the recorded F0 in Hz and voicing), with a fixed seed.
The F0 of the result and of the recording are estimated by the same tracker
(compress.audio.pitch), and on the frames both call voiced the relative error
|F0_out - F0_rec| / F0_rec is taken; its median is reported per speaker. A vocoder that
renders voiced speech as a buzz at the hop rate has a large error whatever the recording's
pitch; one driven by the recording's F0 follows it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from compress.audio.config import FeatureConfig
from compress.audio.pitch import frame_f0
from compress.demo_voice import dataset
from compress.demo_voice.train import vocoder_items
from compress.errors import FeatureError
from compress.models.voice import Voice
from compress.synthesis import vocode

COPY_SEED = 0


def f0_errors(recording: np.ndarray, copy: np.ndarray, config: FeatureConfig) -> np.ndarray:
    """|F0_copy - F0_recording| / F0_recording on every frame both call voiced (two waveforms
    of the same length); empty when there is no such frame."""
    frames = len(recording) // config.hop_length
    try:
        ref, out = frame_f0(recording, config, frames), frame_f0(copy, config, frames)
    except FeatureError:  # one of them has no voiced frame
        return np.zeros(0)
    both = (ref.uv > 0) & (out.uv > 0)
    return np.abs(out.f0[both] - ref.f0[both]) / ref.f0[both]


def copy_synthesis(voice: Voice, root: Path, split: str = "valid", limit: int | None = None) -> dict[str, dict]:
    """Per speaker: utterances, frames voiced in both, and the median relative F0 error over
    all those frames (the first `limit` utterances of `split`)."""
    config = dataset.load_config(root)
    rows = [row for row in dataset.load_index(root) if row.get("split", "train") == split][:limit]
    items = vocoder_items(root, split, nsf=voice.vocoder.arch.nsf)[: len(rows)]
    errors: dict[str, list[np.ndarray]] = {}
    counts: dict[str, int] = {}
    for row, item in zip(rows, items):
        copy = vocode(voice, item["mel"], seed=COPY_SEED)
        errors.setdefault(row["speaker"], []).append(f0_errors(item["wav"], copy, config))
        counts[row["speaker"]] = counts.get(row["speaker"], 0) + 1
    report = {}
    for speaker, parts in errors.items():
        every = np.concatenate(parts)
        report[speaker] = {"utterances": counts[speaker], "frames_voiced_in_both": int(every.size),
                           "median_f0_error": float(np.median(every)) if every.size else None}
    return report

