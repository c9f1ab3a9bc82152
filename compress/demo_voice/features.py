"""One rendered utterance -> its unnormalized KAN-TTS features, trimmed and length-consistent.

The order is KAN-TTS's: loudness gain (wav_normalize), silence trim, then mel, F0 and energy from
the trimmed waveform, durations aligned to the trimmed mel. Afterwards, by construction:

    len(mel) == len(f0) == len(energy) == F,   sum(durations) == F,   len(wav) == F * hop

Normalization needs corpus statistics and happens later (`normalized_targets`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compress.audio.config import FeatureConfig
from compress.audio.normalize import MeanStd, average_by_duration, normalize, normalize_keep_zeros
from compress.audio.pitch import frame_f0
from compress.audio.spectral import frame_energy, mel_from_magnitude, num_frames, preemphasis, stft_magnitude
from compress.audio.trim import pad_to_frames, speech_span
from compress.demo_voice.align import frame_durations
from compress.demo_voice.plan import SpeechPlan
from compress.demo_voice.render import Rendering
from compress.errors import AlignmentError, FeatureError

MIN_SECONDS = 0.5  # KAN-TTS drops shorter waveforms
DIO_SPEED = 4  # see compress.audio.pitch: same F0 on this corpus, ~2.7x faster
_PEAK = 0.999


@dataclass
class UtteranceFeatures:
    wav: np.ndarray  # (F * hop,) float32
    mel: np.ndarray  # (F, n_mels) float32, KAN-TTS scale, not mean/std normalized
    f0: np.ndarray  # (F,) continuous F0 in Hz
    uv: np.ndarray  # (F,) voicing 0/1
    energy: np.ndarray  # (F,)
    durations: np.ndarray  # (tokens,) int32 frames

    @property
    def frames(self) -> int:
        return len(self.mel)

    @property
    def f0uv(self) -> np.ndarray:
        return (self.f0 * self.uv).astype(np.float32)


def apply_gain(wav: np.ndarray, gain: float) -> np.ndarray:
    """Scale by the corpus gain, lowered for this utterance if it would clip."""
    peak = float(np.max(np.abs(wav))) if len(wav) else 0.0
    if peak * gain > _PEAK:
        gain = _PEAK / peak
    return (wav * gain).astype(np.float32)


def extract(
    rendering: Rendering, plan: SpeechPlan, config: FeatureConfig, gain: float, basis: np.ndarray
) -> UtteranceFeatures:
    wav = apply_gain(rendering.wav, gain) if config.wav_normalize else rendering.wav
    start, end = speech_span(wav, config) if config.trim_silence else (0, len(wav))
    trimmed = wav[start:end]
    if len(trimmed) < MIN_SECONDS * config.sampling_rate:
        raise FeatureError(f"only {len(trimmed) / config.sampling_rate:.2f} s of speech")
    frames = num_frames(len(trimmed), config)
    magnitude = stft_magnitude(trimmed, config)
    emphasized = preemphasis(trimmed, config)
    mel = mel_from_magnitude(
        magnitude if emphasized is trimmed else stft_magnitude(emphasized, config), config, basis
    )
    pitch = frame_f0(trimmed, config, frames, dio_speed=DIO_SPEED)
    durations = frame_durations(rendering.bounds - start, plan, frames, config.hop_length)
    _check_finals(durations, plan)
    return UtteranceFeatures(
        wav=pad_to_frames(trimmed, frames, config.hop_length),
        mel=mel,
        f0=pitch.f0,
        uv=pitch.uv,
        energy=frame_energy(magnitude),
        durations=durations.astype(np.int32),
    )


def _check_finals(durations: np.ndarray, plan: SpeechPlan) -> None:
    """Every final must own at least one frame, or the alignment lost a syllable."""
    for syllable, index in zip(plan.syllables, plan.final_token_indices):
        if durations[index] < 1:
            raise AlignmentError(f"the final of {syllable.pinyin} (token {index}) got no frame")


@dataclass(frozen=True)
class CorpusStats:
    mel: MeanStd
    f0: MeanStd
    energy: MeanStd


def normalized_targets(features: UtteranceFeatures, stats: CorpusStats) -> dict[str, np.ndarray]:
    """What the acoustic model trains on: normalized mel, phone-level pitch/energy, frame tracks."""
    frame_pitch = normalize_keep_zeros(features.f0uv, stats.f0)
    frame_energy_norm = normalize_keep_zeros(features.energy, stats.energy)
    return {
        "mel": normalize(features.mel, stats.mel),
        "pitch": average_by_duration(frame_pitch, features.durations),
        "energy": average_by_duration(frame_energy_norm, features.durations),
        "frame_f0": normalize_keep_zeros(features.f0, stats.f0),
        "frame_uv": features.uv.astype(np.float32),
        "frame_energy": frame_energy_norm,
    }
