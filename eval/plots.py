"""PNG plots of a bench: latency and memory bars, a quality chart, spectrograms per run."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eval.features import ANALYSIS_RATE, at_analysis_rate


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def write_plots(folder: Path, result) -> list[str]:
    """Writes the figures into `folder`; returns their file names."""
    plt = _pyplot()
    runs = result.document["runs"]
    figures = {
        "latency.png": _speed_figure(plt, runs),
        "memory.png": _memory_figure(plt, runs),
        "quality.png": _quality_figure(plt, runs),
        "spectrograms.png": _spectrogram_figure(plt, runs, result),
    }
    for name, fig in figures.items():
        fig.savefig(folder / name, dpi=100, bbox_inches="tight")
        plt.close(fig)
    return list(figures)


def _bars(ax, names, values, title, unit, errors=None):
    shown = [np.nan if v is None else v for v in values]
    ax.bar(range(len(names)), shown, yerr=errors, capsize=4, color=["#4c72b0"] + ["#dd8452"] * (len(names) - 1))
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.set_title(title)
    ax.set_ylabel(unit)
    upper = errors[1] if errors else [0] * len(values)
    top = max([(v or 0) + e for v, e in zip(values, upper)], default=0)
    ax.set_ylim(0, top * 1.15 if top > 0 else 1)
    for x, v in enumerate(values):
        ax.annotate("n/a" if v is None else f"{v:.3g}", (x, 0 if v is None else v), ha="center", va="bottom",
                    fontsize=8)


def _speed_figure(plt, runs):
    names = [r["name"] for r in runs]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    stats = [r["speed"].get("full_latency_s") for r in runs]
    medians = [s["median"] if s else None for s in stats]
    spread = [[0 for _ in stats], [(s["p90"] - s["median"]) if s else 0 for s in stats]]
    _bars(axes[0], names, medians, "full sentence latency (median, bar to p90)", "s", spread)
    first = [r["speed"].get("first_audio_s") for r in runs]
    _bars(axes[1], names, [f["median"] if f else None for f in first], "first audio (median)", "s")
    _bars(axes[2], names, [r["speed"].get("throughput_sps") for r in runs], "throughput", "sentences / s")
    return fig


def _memory_figure(plt, runs):
    names = [r["name"] for r in runs]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    mb = lambda v: None if v is None else v / 1e6  # noqa: E731
    _bars(axes[0], names, [mb(r["memory"].get("peak_rss_bytes")) for r in runs], "peak RSS (load + synthesize)", "MB")
    _bars(axes[1], names, [mb(r["size"]["disk_bytes"]) for r in runs], "weights on disk", "MB")
    macs = [r["memory"].get("macs_per_audio_s") for r in runs]
    _bars(axes[2], names, [None if v is None else v / 1e9 for v in macs], "MACs per second of audio", "GMAC")
    return fig


def _quality_figure(plt, runs):
    names = [r["name"] for r in runs]
    panels = [("mcd_db", "MCD vs reference", "dB"), ("f0_rmse_cents", "F0 RMSE vs reference", "cents"),
              ("pesq_wb", "PESQ (wide-band)", "MOS-LQO"), ("stoi", "STOI", ""), ("dnsmos_p808", "DNSMOS P.808", "MOS")]
    fig, axes = plt.subplots(1, len(panels), figsize=(16, 3.8))
    for ax, (key, title, unit) in zip(axes, panels):
        _bars(ax, names, [r["quality"].get(key) for r in runs], title, unit)
    return fig


def _spectrogram_figure(plt, runs, result):
    """Log-mel spectrogram (80 bands, 16 kHz) of the first sentence, free-running, per run."""
    import librosa

    fig, axes = plt.subplots(len(runs), 1, figsize=(10, 2.4 * len(runs)), squeeze=False)
    item = result.items[0].id
    for ax, run in zip(axes[:, 0], runs):
        rendered = result.audio[run["name"]].free[0]
        x = at_analysis_rate(rendered.wav, rendered.sample_rate).astype(np.float32)
        mel = librosa.feature.melspectrogram(y=x, sr=ANALYSIS_RATE, n_fft=1024, hop_length=200, n_mels=80)
        ax.imshow(librosa.power_to_db(mel + 1e-10, ref=np.max), origin="lower", aspect="auto", cmap="magma",
                  extent=[0, len(x) / ANALYSIS_RATE, 0, 80], vmin=-80, vmax=0)
        ax.set_title(f"{run['name']}: {item}")
        ax.set_ylabel("mel band")
    axes[-1, 0].set_xlabel("s")
    fig.tight_layout()
    return fig
