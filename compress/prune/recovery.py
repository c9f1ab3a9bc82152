"""Recovering a pruned voice by distillation from its unpruned parent, on text alone.

The acoustic model learns the teacher's durations, pitch, energy and mel for the same
symbols (the KAN-TTS losses, teacher targets instead of recordings), with dropout off (the
target is deterministic and the student must match it at inference) and a learning rate that
warms up then decays to zero along half a cosine. The vocoder learns to
turn the teacher's mels into the teacher's waveforms (multi-resolution STFT and mel losses).
No recordings are needed. A part the prune left unchanged is not trained: distilling a model
towards itself can only move it away (on the demo voice, an unpruned vocoder after 300 steps
was 0.74 dB MCD from its parent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from compress.errors import InputError
from compress.files import read_text_lines
from compress.models.nsf import vocoder_input
from compress.models.symbols import EncodedSymbols
from compress.models.voice import Voice
from compress.synthesis import vocode
from compress.train import distributed
from compress.train.hifigan_trainer import VocoderTrainConfig, train_vocoder
from compress.train.sambert_trainer import SambertTrainConfig, TrainLog, train_sambert
from compress.train.teacher import teacher_items


# Text for distillation by default: sentences written for the project in general domains
# (recovery needs only text, whatever the voice), in the package's own data.
DISTILLATION_TEXT = Path(__file__).resolve().parent.parent / "data" / "distillation.txt"


@dataclass
class RecoveryConfig:
    steps: int = 1500  # acoustic-model steps; 0 disables recovery entirely
    vocoder_steps: int = 300  # -1: the same as steps
    lr: float = 3e-4
    vocoder_lr: float = 1e-4
    max_frames: int = 1800
    vocoder_batch: int = 8
    sentences: int = 270
    texts: str | None = None  # distillation sentences, one per line; None: DISTILLATION_TEXT

    def __post_init__(self):
        if self.steps < 0 or self.vocoder_steps < -1:
            raise ValueError("recovery.steps must be >= 0 and recovery.vocoder_steps >= -1")
        if self.lr <= 0 or self.vocoder_lr <= 0 or self.max_frames <= 0 or self.vocoder_batch <= 0:
            raise ValueError("recovery learning rates, max_frames and vocoder_batch must be positive")
        if self.sentences <= 0:
            raise ValueError("recovery.sentences must be positive")

    def text_lines(self) -> list[str]:
        """The first `sentences` distillation sentences of `texts` (or of the package's file)."""
        path = Path(self.texts) if self.texts else DISTILLATION_TEXT
        lines = read_text_lines(path, "recovery.texts file")
        if not lines:
            raise InputError(f"recovery.texts: {path} holds no sentences")
        return lines[: self.sentences]

    @property
    def voc_steps(self) -> int:
        return self.steps if self.vocoder_steps < 0 else self.vocoder_steps

    @property
    def part_steps(self) -> dict[str, int]:
        """Training steps of each part ("acoustic", "vocoder")."""
        return {"acoustic": self.steps, "vocoder": self.voc_steps}


def vocoder_pair(teacher: Voice, mel) -> dict:
    """A vocoder training item: the vocoder input of an acoustic output and the teacher's
    waveform for it (an NSF teacher draws with a fixed seed)."""
    voc_in = vocoder_input(torch.from_numpy(mel), teacher.am.arch.f0_norm).numpy()
    return {"mel": voc_in, "wav": vocode(teacher, voc_in, seed=0)}


def recover(student: Voice, teacher: Voice, sentences: list[EncodedSymbols], config: RecoveryConfig,
            mel_fn: Callable[[torch.Tensor], torch.Tensor], seed: int = 0,
            progress: Callable[[str, int, dict], None] | None = None,
            parts: frozenset[str] = frozenset({"acoustic", "vocoder"})) -> dict[str, TrainLog]:
    """Train the `parts` of `student` ("acoustic", "vocoder") in place towards `teacher`;
    returns the loss curves."""
    logs: dict[str, TrainLog] = {}
    trained = {part for part in parts if config.part_steps[part]}
    if config.steps == 0 or not trained:
        return logs
    items = teacher_items(teacher, sentences)
    if "acoustic" in trained:
        am_config = SambertTrainConfig(steps=config.steps, max_frames=config.max_frames, lr=config.lr,
                                       warmup=max(1, config.steps // 10), seed=seed,
                                       log_every=max(1, config.steps // 20), dropout=False, decay="cosine")
        logs["acoustic"] = train_sambert(student.am, items, am_config,
                                         lambda step, row: progress and progress("acoustic", step, row))
    if "vocoder" in trained:
        pairs = distributed.gather_shared(lambda item: vocoder_pair(teacher, item["mel"]), items)
        voc_config = VocoderTrainConfig(steps=config.voc_steps, batch_size=config.vocoder_batch, lr=config.vocoder_lr,
                                        seed=seed, log_every=max(1, config.voc_steps // 20))
        logs["vocoder"] = train_vocoder(student.vocoder, pairs, mel_fn, voc_config,
                                        progress=lambda step, row: progress and progress("vocoder", step, row))
    for module in (student.am, student.vocoder):
        module.eval()
    return logs
