"""Deliberately degraded copies of a voice, to check that the bench and its gate catch them.

`add_weight_noise` adds Gaussian noise to every floating-point weight of one network, scaled
to each tensor's own standard deviation, reproducibly (seeded). `save_degraded` writes the
result as a project checkpoint dir that `bench` takes as a RUN.
"""

from __future__ import annotations

from pathlib import Path

import torch

NETWORKS = ("am", "voc")


def add_weight_noise(voice, relative_std: float, seed: int = 0, network: str = "voc"):
    """In place: w += N(0, (relative_std * std(w))^2) for every float parameter of `network`."""
    if network not in NETWORKS:
        raise ValueError(f"network must be one of {', '.join(NETWORKS)}, got {network!r}")
    if relative_std < 0:
        raise ValueError(f"relative_std must be >= 0, got {relative_std}")
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in voice.modules()[network].parameters():
            if param.is_floating_point() and param.numel() > 1:
                noise = torch.randn(param.shape, generator=generator, dtype=param.dtype)
                param.add_(noise * (relative_std * float(param.std())))
    return voice


def save_degraded(source: str | Path, out: str | Path, relative_std: float, seed: int = 0,
                  network: str = "voc") -> Path:
    """Load `source`, add weight noise and save it as a checkpoint dir at `out`."""
    from compress.checkpoint import save_checkpoint
    from compress.origin import import_plain
    from compress.loading import load_voice

    voice = add_weight_noise(load_voice(source), relative_std, seed, network)
    record = import_plain(voice)  # a test voice: its root is the noisy voice itself
    record.update(format="degraded", degraded={"from": str(source), "relative_std": relative_std,
                                               "network": network, "seed": seed})
    return save_checkpoint(voice, Path(out), [record])
