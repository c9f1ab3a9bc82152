"""Pictures of utterances (matplotlib): one with its token boundaries, F0 and energy; several
renderings of one sentence stacked for comparison."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np

from compress.audio.normalize import denormalize
from compress.demo_voice.dataset import Utterance
from compress.demo_voice.features import CorpusStats
from compress.files import atomic_write_bytes
from compress.models.symbols import parse_tokens


def plot_utterance(utt: Utterance, stats: CorpusStats, path: str | Path, frame_seconds: float) -> Path:
    """Mel spectrogram (KAN-TTS [0, 1] scale) with token boundaries, F0 (Hz) and energy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mel = denormalize(utt.mel, stats.mel)
    f0 = denormalize(utt.frame_f0, stats.f0) * utt.frame_uv
    times = np.arange(len(mel)) * frame_seconds
    edges = np.concatenate([[0], np.cumsum(utt.duration)]) * frame_seconds
    labels = [t[0] for t in parse_tokens(utt.symbols)]

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 6), sharex=True, height_ratios=[3, 1])
    top.imshow(mel.T, origin="lower", aspect="auto", cmap="magma",
               extent=(0, len(mel) * frame_seconds, 0, mel.shape[1]))
    for edge, start, end, label in zip(edges[:-1], edges[:-1], edges[1:], labels):
        top.axvline(edge, color="white", linewidth=0.6, alpha=0.7)
        top.text((start + end) / 2, mel.shape[1] - 4, label.replace("_c", ""), color="white",
                 fontsize=7, ha="center", va="top", rotation=90)
    top.set_ylabel("mel bin")
    font = _cjk_font()
    said = utt.meta.get("text", "") if font else " ".join(
        p for p in utt.meta.get("pinyin", "").split() if not p.startswith("#"))
    top.set_title(f"{utt.id} ({utt.meta['speaker']}, {utt.meta['emotion']}): {said}", fontproperties=font,
                  fontsize=9)
    bottom.plot(times, np.where(f0 > 0, f0, np.nan), color="tab:blue", label="F0 (Hz)")
    bottom.set_ylabel("F0 (Hz)")
    energy = bottom.twinx()
    energy.plot(times, utt.frame_energy, color="tab:orange", linewidth=0.8, label="energy (norm.)")
    energy.set_ylabel("energy (normalized)")
    bottom.set_xlabel("seconds")
    fig.tight_layout()
    return _save_png(fig, path, dpi=110)


def _cjk_font():
    """A font with Chinese glyphs if the system has one (titles fall back to boxes otherwise)."""
    from matplotlib import font_manager

    for font in font_manager.fontManager.ttflist:
        if any(key in font.name for key in ("Noto Sans CJK", "WenQuanYi", "Droid Sans Fallback", "AR PL")):
            return font_manager.FontProperties(fname=font.fname)
    return None


HARMONIC_FFT = 2048  # 7.8 Hz bins at 16 kHz
HARMONIC_WINDOW = 1024  # 64 ms: harmonics 80 Hz apart stay apart
HARMONIC_TOP_HZ = 3000.0


def harmonic_spectrogram(wav: np.ndarray, config) -> tuple[np.ndarray, float]:
    """(frames, bins up to HARMONIC_TOP_HZ) magnitude in dB of the voice's centred STFT with a
    long window, and the bin width in Hz: fine enough in frequency to show each harmonic,
    unlike an 80-band mel."""
    from compress.audio.spectral import stft_magnitude

    long = dataclasses.replace(config, n_fft=HARMONIC_FFT, win_length=HARMONIC_WINDOW)
    bin_hz = config.sampling_rate / HARMONIC_FFT
    spectrum = stft_magnitude(wav, long)[:, : int(HARMONIC_TOP_HZ / bin_hz) + 1]
    return 20 * np.log10(np.maximum(spectrum, 1e-5)), bin_hz


def plot_comparison(waves: dict[str, np.ndarray], config, title: str, path: str | Path) -> Path:
    """Spectrograms (0-3 kHz, long window: the harmonics show) of the same sentence stacked on
    one time axis: label -> waveform."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    specs = {label: harmonic_spectrogram(wav, config)[0] for label, wav in waves.items()}
    seconds = max(len(s) for s in specs.values()) * config.frame_seconds
    top = max(float(s.max()) for s in specs.values())
    fig, axes = plt.subplots(len(specs), 1, figsize=(12, 2.8 * len(specs)), sharex=True, squeeze=False)
    for ax, (label, spec) in zip(axes[:, 0], specs.items()):
        ax.imshow(spec.T, origin="lower", aspect="auto", cmap="magma", vmin=top - 70, vmax=top,
                  extent=(0, len(spec) * config.frame_seconds, 0, HARMONIC_TOP_HZ))
        ax.set_xlim(0, seconds)
        ax.set_ylabel("Hz")
        ax.set_title(label, fontsize=9, loc="left")
    axes[-1, 0].set_xlabel("seconds")
    font = _cjk_font()  # without one, Chinese would print as boxes: keep the rest of the title
    fig.suptitle(title if font else "".join(c for c in title if c.isascii()).strip(), fontproperties=font,
                 fontsize=10)
    fig.tight_layout()
    return _save_png(fig, path, dpi=100)


def _save_png(fig, path: str | Path, dpi: int) -> Path:
    """Write the figure as a PNG that appears only complete, and close it."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    path = Path(path)
    atomic_write_bytes(path, buffer.getvalue())
    return path
