"""Waveform-pair metrics: a run's output against the reference run's, time-aligned.

Both waveforms come from the same phone durations (see eval.render), so they have the same
length and frames correspond one to one; no DTW. Definitions (eval/README.md):

- MCD (dB): per frame (10 / ln 10) * sqrt(2 * sum_{d=1..24} (c_d - c'_d)^2) over SPTK-style
  mel-cepstra (eval.features), c0 (energy) excluded, averaged over all frames of all sentences.
- F0 RMSE (cents): sqrt(mean((1200 log2(f0 / f0'))^2)) over frames voiced in both.
- Voicing error: the fraction of all frames whose voiced/unvoiced decisions differ.
- PESQ: ITU-T P.862.2 wide-band at 16 kHz (the `pesq` package); mean over sentences.
- STOI: short-time objective intelligibility (`pystoi`, classic, not extended); mean over sentences.
- LSD above 4 kHz (dB): per frame sqrt(mean over the STFT bins from 4 kHz to 8 kHz of
  (10 log10(P / P'))^2), over the frames where the reference is within 60 dB of its loudest
  frame, averaged over those frames of all sentences: the high-frequency error that a
  careless INT8 vocoder shows as metallic highs (where precision islands are judged).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from eval.features import ANALYSIS_RATE, analyse

MCD_SCALE = 10.0 / np.log(10.0) * np.sqrt(2.0)


@dataclass
class PairScores:
    """One sentence's comparison, as sums so that sentences pool by frames."""

    frames: int
    mcd_sum: float
    f0_voiced_both: int
    f0_sq_cents_sum: float
    vuv_mismatch: int
    pesq_wb: float | None
    stoi: float | None
    lsd_hf_sum: float = 0.0
    lsd_hf_frames: int = 0


def mcd_per_frame(ref_mcep: np.ndarray, deg_mcep: np.ndarray) -> np.ndarray:
    diff = ref_mcep[:, 1:] - deg_mcep[:, 1:]
    return MCD_SCALE * np.sqrt((diff * diff).sum(axis=1))


def f0_compare(ref_f0: np.ndarray, deg_f0: np.ndarray) -> tuple[int, float, int]:
    """(frames voiced in both, sum of squared cent errors there, voicing mismatches)."""
    ref_v, deg_v = ref_f0 > 0, deg_f0 > 0
    both = ref_v & deg_v
    cents = 1200.0 * np.log2(deg_f0[both] / ref_f0[both])
    return int(both.sum()), float((cents * cents).sum()), int((ref_v != deg_v).sum())


LSD_FFT, LSD_HOP, LSD_LOW_HZ = 512, 128, 4000.0
LSD_FLOOR = 1e-10  # power floor (|x| <= 1 waveforms): keeps log10 finite on digital silence
LSD_RANGE_DB = 60.0


def _power_spectrogram(x: np.ndarray) -> np.ndarray:
    """(frames, LSD_FFT // 2 + 1) power of Hann-windowed frames, no padding."""
    if len(x) < LSD_FFT:
        return np.zeros((0, LSD_FFT // 2 + 1))
    frames = np.lib.stride_tricks.sliding_window_view(x, LSD_FFT)[::LSD_HOP]
    spectrum = np.fft.rfft(frames * np.hanning(LSD_FFT), axis=1)
    return spectrum.real ** 2 + spectrum.imag ** 2


def lsd_high(ref: np.ndarray, deg: np.ndarray) -> tuple[float, int]:
    """(sum over the scored frames of the per-frame LSD above 4 kHz in dB, scored frames)."""
    p_ref, p_deg = _power_spectrogram(ref), _power_spectrogram(deg)
    if not len(p_ref):
        return 0.0, 0
    energy = p_ref.sum(axis=1)
    loud = energy > energy.max() * 10.0 ** (-LSD_RANGE_DB / 10.0)
    band = np.fft.rfftfreq(LSD_FFT, 1.0 / ANALYSIS_RATE) >= LSD_LOW_HZ
    ratio_db = 10.0 * np.log10((p_ref[loud][:, band] + LSD_FLOOR) / (p_deg[loud][:, band] + LSD_FLOOR))
    per_frame = np.sqrt((ratio_db * ratio_db).mean(axis=1))
    return float(per_frame.sum()), int(loud.sum())


def pesq_wb(ref: np.ndarray, deg: np.ndarray) -> float | None:
    """Wide-band PESQ (MOS-LQO, 1.04..4.64); None where PESQ finds no speech to score."""
    from pesq import PesqError, pesq

    if not np.any(ref) or not np.any(deg):
        return None
    try:
        return float(pesq(ANALYSIS_RATE, ref, deg, "wb"))
    except PesqError:
        return None


def stoi(ref: np.ndarray, deg: np.ndarray) -> float | None:
    """STOI (0..1); None where the speech part is too short to score (under ~0.4 s).

    pystoi returns 1e-5 with a warning in that case, which would read as a real score."""
    from pystoi import stoi as pystoi

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = float(pystoi(ref, deg, ANALYSIS_RATE, extended=False))
    if any("Not enough STFT frames" in str(w.message) for w in caught) or not np.isfinite(value):
        return None
    return value


def compare(ref: np.ndarray, deg: np.ndarray, f0_method: str = "dio",
            with_pesq: bool = True, with_stoi: bool = True) -> PairScores:
    """Compare two 16 kHz float64 waveforms (see eval.features.at_analysis_rate)."""
    n = min(len(ref), len(deg))
    ref, deg = ref[:n], deg[:n]
    a, b = analyse(ref, f0_method), analyse(deg, f0_method)
    frames = min(len(a.f0), len(b.f0))
    voiced, sq, mismatch = f0_compare(a.f0[:frames], b.f0[:frames])
    lsd_sum, lsd_frames = lsd_high(ref, deg)
    return PairScores(
        frames=frames,
        mcd_sum=float(mcd_per_frame(a.mcep[:frames], b.mcep[:frames]).sum()),
        f0_voiced_both=voiced, f0_sq_cents_sum=sq, vuv_mismatch=mismatch,
        pesq_wb=pesq_wb(ref, deg) if with_pesq else None,
        stoi=stoi(ref, deg) if with_stoi else None,
        lsd_hf_sum=lsd_sum, lsd_hf_frames=lsd_frames,
    )


def _mean(values) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


def summarize(scores: list[PairScores]) -> dict:
    """Pool sentences: MCD and F0 by frames, PESQ and STOI as sentence means."""
    frames = sum(s.frames for s in scores)
    voiced = sum(s.f0_voiced_both for s in scores)
    lsd_frames = sum(s.lsd_hf_frames for s in scores)
    return {
        "mcd_db": sum(s.mcd_sum for s in scores) / frames if frames else None,
        "f0_rmse_cents": float(np.sqrt(sum(s.f0_sq_cents_sum for s in scores) / voiced)) if voiced else None,
        "vuv_error": sum(s.vuv_mismatch for s in scores) / frames if frames else None,
        "pesq_wb": _mean(s.pesq_wb for s in scores),
        "stoi": _mean(s.stoi for s in scores),
        "lsd_hf_db": sum(s.lsd_hf_sum for s in scores) / lsd_frames if lsd_frames else None,
        "frames": frames,
        "f0_frames_voiced_both": voiced,
        "pesq_unscored": sum(1 for s in scores if s.pesq_wb is None),
        "stoi_unscored": sum(1 for s in scores if s.stoi is None),
    }


def self_check(seconds: float = 1.5, f0: float = 140.0) -> dict:
    """A synthetic voiced signal against itself: MCD 0, F0 RMSE 0, PESQ ~4.64, STOI 1."""
    t = np.arange(int(seconds * ANALYSIS_RATE)) / ANALYSIS_RATE
    vibrato = f0 * (1 + 0.05 * np.sin(2 * np.pi * 3 * t))
    phase = 2 * np.pi * np.cumsum(vibrato) / ANALYSIS_RATE
    x = sum(np.sin(k * phase) / k for k in range(1, 20)) * 0.1 * (0.6 + 0.4 * np.sin(2 * np.pi * 2 * t) ** 2)
    x = x + 0.001 * np.random.default_rng(0).standard_normal(len(t))
    return summarize([compare(x, x.copy())])
