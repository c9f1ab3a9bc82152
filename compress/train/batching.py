"""Utterance items and padded batches for training the acoustic model.

An item is one sub-sentence with its targets, as numpy arrays:

    ling (T, 4) int64, emotion (T,) int64, speaker (T,) int64,
    durations (T,) int64 frames per token, pitch (T,) float32, energy (T,) float32,
    mel (L, n_mels) float32 with L == durations.sum()

Targets come from recordings (the demo voice) or from a teacher model (distillation).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import torch

ITEM_KEYS = ("ling", "emotion", "speaker", "durations", "pitch", "energy", "mel")


@dataclass
class SambertBatch:
    ling: torch.Tensor  # (B, T, 4)
    emo_ids: torch.Tensor  # (B, T)
    spk_ids: torch.Tensor  # (B, T)
    lengths: torch.Tensor  # (B,)
    durations: torch.Tensor  # (B, T)
    pitch: torch.Tensor  # (B, T)
    energy: torch.Tensor  # (B, T)
    mel: torch.Tensor  # (B, L, n_mels), L a multiple of r

    def model_inputs(self) -> dict:
        return {k: getattr(self, k) for k in
                ("ling", "emo_ids", "spk_ids", "lengths", "durations", "pitch", "energy", "mel")}


def check_item(item: dict, n_mels: int) -> None:
    missing = [k for k in ITEM_KEYS if k not in item]
    if missing:
        raise ValueError(f"training item lacks {missing}")
    t = len(item["ling"])
    if any(len(item[k]) != t for k in ("emotion", "speaker", "durations", "pitch", "energy")):
        raise ValueError("token-level arrays of an item differ in length")
    if item["mel"].shape[1] != n_mels or int(item["durations"].sum()) != item["mel"].shape[0]:
        raise ValueError(f"mel {item['mel'].shape} does not match n_mels {n_mels} and "
                         f"durations summing to {int(item['durations'].sum())}")


def _pad(arrays: list[np.ndarray], length: int) -> np.ndarray:
    out = np.zeros((len(arrays), length) + arrays[0].shape[1:], dtype=arrays[0].dtype)
    for i, a in enumerate(arrays):
        out[i, : len(a)] = a
    return out


def padded_lengths(items: list[dict], r: int) -> tuple[int, int]:
    """(tokens, mel frames rounded up to a multiple of r) that a batch of `items` pads to."""
    frames = max(i["mel"].shape[0] for i in items)
    return max(len(i["ling"]) for i in items), frames + (-frames) % r


def collate(items: list[dict], r: int, pad_to: tuple[int, int] | None = None) -> SambertBatch:
    """A padded batch; `pad_to` (tokens, frames) pads further, as the whole global batch
    would be (a rank's share then computes exactly what its items compute in the whole)."""
    t, frames = pad_to or padded_lengths(items, r)

    def stack(key, length):
        return torch.from_numpy(_pad([np.asarray(i[key]) for i in items], length))

    return SambertBatch(
        ling=stack("ling", t).long(), emo_ids=stack("emotion", t).long(),
        spk_ids=stack("speaker", t).long(), lengths=torch.tensor([len(i["ling"]) for i in items]),
        durations=stack("durations", t).long(), pitch=stack("pitch", t).float(),
        energy=stack("energy", t).float(), mel=stack("mel", frames).float(),
    )


def length_batches(items: list[dict], max_frames: int, rng: random.Random) -> list[list[int]]:
    """Indices grouped by similar length so that padding is small, at most `max_frames`
    (padded) mel frames a batch, shuffled."""
    order = sorted(range(len(items)), key=lambda i: (items[i]["mel"].shape[0], rng.random()))
    batches, current, longest = [], [], 0
    for index in order:
        frames = items[index]["mel"].shape[0]
        if current and max(longest, frames) * (len(current) + 1) > max_frames:
            batches.append(current)
            current, longest = [], 0
        current.append(index)
        longest = max(longest, frames)
    if current:
        batches.append(current)
    rng.shuffle(batches)
    return batches
