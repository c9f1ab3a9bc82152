"""Targets from a teacher model, so that a student trains on text alone (distillation)."""

from __future__ import annotations

import numpy as np

from compress.models.symbols import EncodedSymbols
from compress.models.voice import Voice
from compress.synthesis import acoustic


def teacher_items(teacher: Voice, sentences: list[EncodedSymbols]) -> list[dict]:
    """Acoustic-model training items: the teacher's durations, pitch, energy and mel."""
    items = []
    for symbols in sentences:
        out = acoustic(teacher, symbols)
        items.append({
            "ling": symbols.ling, "emotion": symbols.emotion, "speaker": symbols.speaker,
            "durations": out.durations.numpy(), "pitch": out.pitch.numpy().astype(np.float32),
            "energy": out.energy.numpy().astype(np.float32), "mel": out.mel.numpy(),
        })
    return items
