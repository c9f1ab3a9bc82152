"""Speech analysis shared by the metrics: resampling to 16 kHz, WORLD F0 and mel-cepstra.

All waveform metrics run at ANALYSIS_RATE (16 kHz: PESQ wide-band needs it, DNSMOS is
trained at it); a voice at another rate is resampled first. F0 comes from WORLD (pyworld):
DIO refined by StoneMask (fast, the default) or Harvest (slower, fewer voicing errors), with a
5 ms frame period, F0 range 71-800 Hz. Mel-cepstra are SPTK's `sp2mc` of WORLD's CheapTrick
envelope: order 24 (c0..c24) with all-pass constant 0.42, SPTK's mel-scale approximation at
16 kHz.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from compress.audio_io import resample

ANALYSIS_RATE = 16000
FRAME_PERIOD_MS = 5.0
F0_FLOOR, F0_CEIL = 71.0, 800.0
MCEP_ORDER = 24
MCEP_ALPHA = 0.42
F0_METHODS = ("dio", "harvest")


def _pyworld():
    with warnings.catch_warnings():  # pyworld imports the deprecated pkg_resources
        warnings.simplefilter("ignore")
        import pyworld
    return pyworld


def at_analysis_rate(wav: np.ndarray, rate: int) -> np.ndarray:
    """float64 mono waveform at 16 kHz, clipped to [-1, 1]."""
    x = resample(np.asarray(wav, dtype=np.float32), rate, ANALYSIS_RATE)
    return np.clip(x, -1.0, 1.0).astype(np.float64)


def f0_track(x: np.ndarray, method: str = "dio") -> tuple[np.ndarray, np.ndarray]:
    """(f0 in Hz with 0 where unvoiced, frame times in s) of a 16 kHz float64 waveform."""
    pw = _pyworld()
    x = np.ascontiguousarray(x, dtype=np.float64)
    if method == "harvest":
        return pw.harvest(x, ANALYSIS_RATE, f0_floor=F0_FLOOR, f0_ceil=F0_CEIL, frame_period=FRAME_PERIOD_MS)
    if method != "dio":
        raise ValueError(f"unknown F0 method {method!r}; choose one of {', '.join(F0_METHODS)}")
    f0, times = pw.dio(x, ANALYSIS_RATE, f0_floor=F0_FLOOR, f0_ceil=F0_CEIL, frame_period=FRAME_PERIOD_MS)
    return pw.stonemask(x, f0, times, ANALYSIS_RATE), times


@dataclass
class Analysis:
    f0: np.ndarray  # (frames,) Hz, 0 = unvoiced
    mcep: np.ndarray  # (frames, MCEP_ORDER + 1), c0 first


def analyse(x: np.ndarray, method: str = "dio") -> Analysis:
    pw = _pyworld()
    f0, times = f0_track(x, method)
    envelope = pw.cheaptrick(np.ascontiguousarray(x), f0, times, ANALYSIS_RATE, f0_floor=F0_FLOOR)
    return Analysis(f0, sp2mc(envelope, MCEP_ORDER, MCEP_ALPHA))


def sp2mc(power_spectrum: np.ndarray, order: int, alpha: float) -> np.ndarray:
    """SPTK/pysptk `sp2mc`: (frames, fft/2+1) power spectrum -> (frames, order+1) mel-cepstrum.

    The real cepstrum of the log power spectrum (c0 halved), frequency-warped by `freqt`."""
    log_power = np.log(np.maximum(power_spectrum, 1e-16))
    cepstrum = np.fft.irfft(log_power, axis=-1)
    cepstrum[..., 0] /= 2.0
    return cepstrum @ freqt_matrix(cepstrum.shape[-1], order, alpha)


@lru_cache(maxsize=8)
def freqt_matrix(length: int, order: int, alpha: float) -> np.ndarray:
    """(length, order+1) matrix W with freqt(c) = c @ W: SPTK's all-pass frequency warping.

    freqt is linear in its input, so W is its recursion run once on every unit vector."""
    basis = np.eye(length)
    beta = 1.0 - alpha * alpha
    g = np.zeros((order + 1, length))
    for i in range(length - 1, -1, -1):  # SPTK feeds c[m1], ..., c[0]
        d = g.copy()
        g[0] = basis[i] + alpha * d[0]
        if order >= 1:
            g[1] = beta * d[0] + alpha * d[1]
        for j in range(2, order + 1):
            g[j] = d[j - 1] + alpha * (d[j] - g[j - 1])
    return g.T.copy()
