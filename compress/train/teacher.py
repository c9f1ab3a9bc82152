"""Targets from a teacher model, so that a student trains on text alone (distillation)."""

from __future__ import annotations

import numpy as np

from compress.models.symbols import EncodedSymbols
from compress.models.voice import Voice
from compress.synthesis import acoustic
from compress.train import distributed


def teacher_items(teacher: Voice, sentences: list[EncodedSymbols]) -> list[dict]:
    """Acoustic-model training items: the teacher's durations, pitch, energy and mel (under
    torchrun each rank computes its share, and every rank gets them all)."""
    def item(symbols: EncodedSymbols) -> dict:
        out = acoustic(teacher, symbols)
        return {
            "ling": symbols.ling, "emotion": symbols.emotion, "speaker": symbols.speaker,
            "durations": out.durations.numpy(), "pitch": out.pitch.numpy().astype(np.float32),
            "energy": out.energy.numpy().astype(np.float32), "mel": out.mel.numpy(),
        }

    return distributed.gather_shared(item, list(sentences))
