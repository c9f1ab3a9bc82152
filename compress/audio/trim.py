"""Silence trimming and the waveform/mel length contract, as KAN-TTS does them.

Trimming (docs/features.md): frame RMS over win_length samples every hop_length (centred frames),
in dB relative to the loudest frame; frames above -trim_silence_threshold_db are speech; the kept
span is [first speech frame * hop, (last speech frame + 1) * hop), so it starts on a hop boundary.

Length: a trimmed waveform of N samples has F = 1 + N // hop mel frames; the vocoder's dataset pads
the waveform at the end by reflection and cuts it to exactly F * hop samples.
"""

from __future__ import annotations

import numpy as np

from compress.audio.config import FeatureConfig

_POWER_FLOOR = 1e-10


def _frame_rms(wav: np.ndarray, frame_length: int, hop_length: int) -> np.ndarray:
    padded = np.pad(wav, frame_length // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, frame_length)[::hop_length]
    return np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1))


def speech_span(wav: np.ndarray, config: FeatureConfig) -> tuple[int, int]:
    """(start, end) samples of the non-silent part (all of it when it is all equally silent)."""
    wav = np.asarray(wav, dtype=np.float32)
    if len(wav) == 0:
        return 0, 0
    power = np.square(_frame_rms(wav, config.win_length, config.hop_length))
    db = 10.0 * np.log10(np.maximum(power, _POWER_FLOOR))
    db -= 10.0 * np.log10(max(power.max(), _POWER_FLOOR))
    speech = np.flatnonzero(db > -config.trim_silence_threshold_db)
    if len(speech) == 0:
        return 0, 0
    start = int(speech[0]) * config.hop_length
    end = min(len(wav), (int(speech[-1]) + 1) * config.hop_length)
    return start, end


def pad_to_frames(wav: np.ndarray, frames: int, hop_length: int) -> np.ndarray:
    """Reflect-pad the end and cut so that len == frames * hop_length (KAN-TTS's Voc_Dataset)."""
    target = frames * hop_length
    if len(wav) >= target:
        return wav[:target]
    mode = "reflect" if len(wav) > 1 else "constant"
    return np.pad(wav, (0, target - len(wav)), mode=mode)
