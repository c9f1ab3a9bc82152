"""Training checkpoints that let a stopped or killed run continue where it was.

A trainer saves, every `every` steps, everything its loop depends on: the model and optimizer
states, the step, the random generators (Python's and torch's) and the loss rows so far. A
run started again with the same file and the same settings loads it and continues; the
result equals one uninterrupted run (tested). Files are written to a temporary name and
renamed, so a kill while saving leaves the previous checkpoint intact, and they load with
`weights_only=True`. A checkpoint made under other settings is not resumed from.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path

import torch


@dataclass
class Resumable:
    """Where a trainer keeps its checkpoint and how often it writes it (None: never)."""

    path: Path | None = None
    every: int = 200
    settings: dict | None = None  # what must match for a checkpoint to be resumed

    def __post_init__(self):
        if self.every < 1:
            raise ValueError("checkpoint interval must be at least 1 step")

    def due(self, step: int, last: int) -> bool:
        return self.path is not None and (step % self.every == 0 or step == last)

    def save(self, step: int, state: dict, rng: random.Random, rows: list[dict], seconds: float) -> None:
        payload = {"step": step, "state": state, "python_rng": _rng_state(rng), "torch_rng": torch.get_rng_state(),
                   "rows": rows, "seconds": seconds, "settings": self.settings}
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        torch.save(payload, tmp)
        os.replace(tmp, self.path)

    def load(self) -> dict | None:
        """The saved payload, or None when there is none (or it was made with other settings)."""
        if self.path is None or not self.path.is_file():
            return None
        payload = torch.load(self.path, map_location="cpu", weights_only=True)
        if payload.get("settings") != self.settings:
            return None
        return payload

    @staticmethod
    def restore_rngs(payload: dict, rng: random.Random) -> None:
        version, internal, gauss = payload["python_rng"]
        rng.setstate((version, tuple(internal), gauss))
        torch.set_rng_state(payload["torch_rng"])


def _rng_state(rng: random.Random) -> list:
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]
