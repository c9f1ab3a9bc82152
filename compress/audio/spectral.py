"""Features of the STFT magnitude, as KAN-TTS computes them: the log-mel spectrogram and frame energy.

The facts (docs/features.md): a centred STFT with reflect padding of n_fft/2 on each side (librosa
0.9's default, which KAN-TTS used), a periodic Hann window of win_length centred in n_fft, the
magnitude (not the power), a Slaney-style mel filterbank (librosa's default: slaney mel scale and
slaney area normalization), `20*log10(max(1e-5, mel)) - ref_level_db`, then a clip into
[0, max_norm] (or [-max_norm, max_norm] when symmetric). Energy is the L2 norm of each magnitude
frame. A signal of N samples gives 1 + N // hop_length frames.

Everything here is numpy; `mel_torch` is the same mel in torch.
"""

from __future__ import annotations

import numpy as np
import scipy.fft
import scipy.signal

from compress.audio.config import FeatureConfig

_PREEMPHASIS = 0.98
_AMP_FLOOR = 1e-5


def num_frames(num_samples: int, config: FeatureConfig) -> int:
    """Frames of a centred STFT over `num_samples` samples."""
    return 1 + num_samples // config.hop_length


def stft_window(config: FeatureConfig) -> np.ndarray:
    """Periodic Hann of win_length, zero-padded to n_fft with the window in the middle."""
    window = np.zeros(config.n_fft, dtype=np.float64)
    left = (config.n_fft - config.win_length) // 2
    window[left : left + config.win_length] = scipy.signal.get_window("hann", config.win_length)
    return window


def preemphasis(wav: np.ndarray, config: FeatureConfig) -> np.ndarray:
    if not config.preemphasize:
        return wav
    return scipy.signal.lfilter([1.0, -_PREEMPHASIS], [1.0], wav).astype(wav.dtype)


def stft_magnitude(wav: np.ndarray, config: FeatureConfig) -> np.ndarray:
    """|STFT| as (frames, n_fft // 2 + 1) float32 (computed in float64: the stored features are
    then within float32 rounding of the exact values, and the torch mel within 1e-4 of them)."""
    wav = np.asarray(wav, dtype=np.float64)
    if wav.ndim != 1:
        raise ValueError(f"expected a mono waveform, got shape {wav.shape}")
    half = config.n_fft // 2
    padded = np.pad(wav, half, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, config.n_fft)[:: config.hop_length]
    return np.abs(scipy.fft.rfft(frames * stft_window(config), axis=1)).astype(np.float32)


def _hz_to_mel(hz):
    """Slaney's mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / (200.0 / 3)
    log_part = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hz >= 1000.0, log_part, linear)


def _mel_to_hz(mel):
    mel = np.asarray(mel, dtype=np.float64)
    linear = mel * (200.0 / 3)
    log_part = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
    return np.where(mel >= 15.0, log_part, linear)


def mel_basis(config: FeatureConfig) -> np.ndarray:
    """(n_mels, n_fft // 2 + 1) float32 triangular filters with slaney area normalization."""
    fft_hz = np.fft.rfftfreq(config.n_fft, d=1.0 / config.sampling_rate)
    edges = _mel_to_hz(
        np.linspace(_hz_to_mel(config.fmin), _hz_to_mel(config.fmax), config.n_mels + 2)
    )
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_hz[None, :]
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)


def amplitude_to_unit(mel_amp: np.ndarray, config: FeatureConfig) -> np.ndarray:
    """Mel amplitude -> dB re ref_level_db -> clipped to KAN-TTS's [0, max_norm] scale."""
    db = 20.0 * np.log10(np.maximum(_AMP_FLOOR, mel_amp)) - config.ref_level_db
    scaled = (db - config.min_level_db) / -config.min_level_db
    if config.symmetric:
        return np.clip(2 * config.max_norm * scaled - config.max_norm, -config.max_norm, config.max_norm)
    return np.clip(config.max_norm * scaled, 0.0, config.max_norm)


def log_mel(wav: np.ndarray, config: FeatureConfig, basis: np.ndarray | None = None) -> np.ndarray:
    """The KAN-TTS mel of a waveform, (frames, n_mels) float32, before mean/std normalization."""
    magnitude = stft_magnitude(preemphasis(np.asarray(wav, np.float64), config), config)
    return mel_from_magnitude(magnitude, config, basis)


def mel_from_magnitude(
    magnitude: np.ndarray, config: FeatureConfig, basis: np.ndarray | None = None
) -> np.ndarray:
    basis = mel_basis(config) if basis is None else basis
    mel_amp = magnitude.astype(np.float64) @ basis.T.astype(np.float64)
    return amplitude_to_unit(mel_amp, config).astype(np.float32)


def frame_energy(magnitude: np.ndarray) -> np.ndarray:
    """KAN-TTS energy: the L2 norm of each |STFT| frame (no log), (frames,) float32."""
    return np.sqrt(np.sum(np.square(magnitude, dtype=np.float64), axis=1)).astype(np.float32)
