"""PNG plots of a sensitivity report (from report.json's content; matplotlib, no display)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np



def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def heads_heatmap(report: dict, path: Path) -> bool:
    heads = report["probes"]["heads"]
    if not heads:
        return False
    plt = _pyplot()
    names = list(heads["db"])
    width = max(len(v) for v in heads["db"].values())
    grid = np.full((len(names), width), np.nan)
    for row, name in enumerate(names):
        grid[row, : len(heads["db"][name])] = heads["db"][name]
    fig, ax = plt.subplots(figsize=(max(5.0, 1.6 + 0.7 * width), 1.2 + 0.35 * len(names)))
    image = ax.imshow(grid, aspect="auto", cmap="viridis")
    for (row, col), value in np.ndenumerate(grid):
        if np.isfinite(value):
            under = value < heads["summary"]["threshold_db"]
            ax.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=7,
                    color="red" if under else "white", fontweight="bold" if under else "normal")
    ax.set_xticks(range(width), [f"h{h}" for h in range(width)])
    ax.set_yticks(range(len(names)), [n.removeprefix("am.").removesuffix(".heads") for n in names])
    ax.set_title(f"dB change per masked head\n(red: < {heads['summary']['threshold_db']} dB)", fontsize=10)
    fig.colorbar(image, ax=ax, label="dB")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def gate_bars(report: dict, path: Path) -> bool:
    gates = report["probes"]["lstm_gates"]
    if not gates:
        return False
    plt = _pyplot()
    labels, values = [], []
    for name, layers in gates["layers"].items():
        for suffix, per_gate in layers.items():
            labels.append(f"{name.removeprefix('am.').replace('variance_adaptor.', '').replace('_predictor', '')}\n{suffix}")
            values.append([per_gate[g] for g in ("input", "forget", "cell", "output")])
    values = np.asarray(values)
    fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(labels)), 4))
    x = np.arange(len(labels))
    for k, gate in enumerate(("input", "forget", "cell", "output")):
        ax.bar(x + (k - 1.5) * 0.2, values[:, k], 0.2, label=gate)
    ax.set_xticks(x, labels, fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_ylabel("fraction active")
    ax.set_title("LSTM gate activity")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def weight_histograms(report: dict, path: Path) -> bool:
    weights = report["probes"]["vocoder_weights"]
    if not weights:
        return False
    plt = _pyplot()
    edges = np.asarray(weights["histogram_edges"])
    stages = defaultdict(lambda: np.zeros(len(edges) - 1))
    total = np.zeros(len(edges) - 1)
    for name, layer in weights["layers"].items():
        stages[layer["stage"]] += layer["histogram"]
        total += layer["histogram"]
    panels = [("all convs", total)] + list(stages.items())
    cols = 3
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(12, 2.8 * rows), squeeze=False)
    t = weights["threshold"]
    for ax, (title, counts) in zip(axes.flat, panels):
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge")
        ax.axvspan(-t, t, color="orange", alpha=0.2)
        ax.set_title(title, fontsize=9)
        ax.set_yscale("log")
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.suptitle(f"Vocoder conv weights (folded); shaded: ±{t}, {100 * weights['share']:.1f}% of all")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def weight_shares(report: dict, path: Path) -> bool:
    weights = report["probes"]["vocoder_weights"]
    if not weights:
        return False
    plt = _pyplot()
    names = list(weights["layers"])
    shares = [weights["layers"][n]["share"] for n in names]
    fig, ax = plt.subplots(figsize=(max(8, 0.12 * len(names)), 4))
    ax.bar(range(len(names)), shares)
    ax.axhline(weights["share"], color="red", lw=1, label="all convs")
    ax.set_xticks(range(len(names)), [n.removeprefix("voc.") for n in names], rotation=90, fontsize=5)
    ax.set_ylabel(f"share within ±{weights['threshold']}")
    ax.set_ylim(0, 1)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def curve_plots(report: dict, out: Path) -> list[str]:
    curves = report["curves"]
    if not curves:
        return []
    plt = _pyplot()
    by_kind = defaultdict(list)
    for name, curve in curves.items():
        by_kind[curve["kind"]].append((name, curve["points"]))
    written = []
    for kind, items in by_kind.items():
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for name, points in items:
            f, d = zip(*points)
            ax.plot(f, d, marker=".", lw=1, label=name if len(items) <= 16 else None)
        ax.set_xlabel("fraction of units pruned (least important first)")
        ax.set_ylabel("dB change")
        ax.set_title(f"Sensitivity curves: {kind} ({len(items)} groups)")
        if len(items) <= 16:
            ax.legend(fontsize=6, ncol=2)
        fig.tight_layout()
        name = f"curves_{kind}.png"
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        written.append(name)
    return written


def write_plots(report: dict, out: Path) -> list[str]:
    """Every plot the report has data for; returns the file names written."""
    out = Path(out)
    written = []
    for name, draw in (("heads_heatmap.png", heads_heatmap), ("lstm_gates.png", gate_bars),
                       ("vocoder_weights.png", weight_histograms), ("vocoder_weight_share.png", weight_shares)):
        if draw(report, out / name):
            written.append(name)
    return written + curve_plots(report, out)
