"""Copy-synthesis: does a voice's vocoder follow the pitch of recordings it did not train on?

Each held-out utterance of a demo-voice dataset is vocoded from its own features (the
recorded mel, and for an NSF voice the recorded F0 in Hz and voicing), with a fixed seed.
The F0 of the result and of the recording are estimated by the same tracker
(compress.audio.pitch), and on the frames both call voiced the relative error
|F0_out - F0_rec| / F0_rec is taken; its median is reported per speaker. A vocoder that
renders voiced speech as a buzz at the hop rate has a large error whatever the recording's
pitch; one driven by the recording's F0 follows it.

Where is the output periodic? On steady voiced windows of the input (6 frames, voiced, F0
within 2%, its period not near the hop or half of it), the normalised autocorrelation of the
copy at the recording's pitch period and at the hop: a recording reads about 0.8 and 0.0, a
vocoder that repeats every hop the reverse. It moves long before the F0 tracker's verdict
flips, so it shows where a training is heading.
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
WINDOW_FRAMES = 6  # a steady window: voiced throughout, F0 within STEADY of its mean
STEADY = 0.02


def _autocorrelation(segment: np.ndarray, lag: int) -> float:
    a, b = segment[:-lag], segment[lag:]
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum() + 1e-12))


def periodicity(wav: np.ndarray, voc_in: np.ndarray, hop: int, sample_rate: int) -> list[tuple[float, float]]:
    """(autocorrelation at the pitch period, at the hop) of `wav` on each steady voiced window
    of the NSF vocoder input `voc_in` (frames, channels: F0 in Hz and 0/1 voicing last)."""
    found = []
    for start in range(0, len(voc_in) - WINDOW_FRAMES + 1, WINDOW_FRAMES // 2):
        window = voc_in[start : start + WINDOW_FRAMES]
        f0 = window[:, -2]
        if (window[:, -1] < 1).any() or f0.std() > STEADY * f0.mean():
            continue
        period = int(round(sample_rate / float(f0.mean())))
        if min(abs(period - hop), abs(2 * period - hop)) < 0.075 * hop or period * 2 >= WINDOW_FRAMES * hop:
            continue  # indistinguishable from the hop, or too long for the window
        segment = wav[start * hop : (start + WINDOW_FRAMES) * hop]
        found.append((_autocorrelation(segment, period), _autocorrelation(segment, hop)))
    return found


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
    windows: dict[str, list[tuple[float, float]]] = {}
    for row, item in zip(rows, items):
        copy = vocode(voice, item["mel"], seed=COPY_SEED)
        errors.setdefault(row["speaker"], []).append(f0_errors(item["wav"], copy, config))
        counts[row["speaker"]] = counts.get(row["speaker"], 0) + 1
        if voice.vocoder.arch.nsf:
            windows.setdefault(row["speaker"], []).extend(
                periodicity(copy, item["mel"], config.hop_length, config.sampling_rate))
    report = {}
    for speaker, parts in errors.items():
        every = np.concatenate(parts)
        found = np.array(windows.get(speaker, []), dtype=np.float64).reshape(-1, 2)
        report[speaker] = {"utterances": counts[speaker], "frames_voiced_in_both": int(every.size),
                           "median_f0_error": float(np.median(every)) if every.size else None,
                           "steady_windows": len(found),
                           "periodicity_at_pitch": float(found[:, 0].mean()) if len(found) else None,
                           "periodicity_at_hop": float(found[:, 1].mean()) if len(found) else None}
    return report

