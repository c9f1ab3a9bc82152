"""Driving the activation quantizers: calibration, tracking during QAT, freezing.

Phases of every quantizer of a model:

    calibrate   ranges are collected (EMA or max), outputs stay float
    track       ranges keep updating and outputs are fake-quantized (QAT before freeze_step)
    frozen      ranges fixed, outputs fake-quantized (after freeze_step, and on load)

The calibration pass runs the acoustic model in its teacher-forced form (durations, pitch,
energy and previous frames from the float parent), so that every layer, the decoder's
included, sees what it sees in synthesis through its module (the step path of synthesis
reads the modules' ranges but does not collect); the vocoder runs on the parent's mels.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from compress.models.voice import Voice
from compress.quant import backend
from compress.quant.modules import is_quantized
from compress.train.batching import collate

PHASES = {"calibrate": (True, False), "track": (True, True), "frozen": (False, True)}


def activation_quantizers(model: nn.Module) -> list[nn.Module]:
    """Input quantizers, and output quantizers where layers have them."""
    return [q for m in model.modules() if is_quantized(m)
            for q in (m.input_quantizer, m.output_quantizer) if q is not None]


def set_phase(model: nn.Module, phase: str) -> None:
    calibrate, quantize = PHASES[phase]
    for quantizer in activation_quantizers(model):
        backend.set_mode(quantizer, calibrate, quantize)
    for module in model.modules():
        if is_quantized(module):
            backend.set_mode(module.weight_quantizer, False, True)


def phase_of(model: nn.Module) -> str | None:
    """The phase every activation quantizer of the model is in (None: no quantizers)."""
    found = {(q._if_calib, q._if_quant) for q in activation_quantizers(model)}
    if not found:
        return None
    if len(found) > 1:
        raise ValueError("the model's quantizers are in different phases")
    modes = found.pop()
    return next(name for name, value in PHASES.items() if value == modes)


@torch.no_grad()
def calibrate(voice: Voice, items: list[dict], progress: Callable[[int, int], None] | None = None) -> None:
    """One pass over the parent's targets (teacher_items): acoustic model teacher-forced,
    vocoder on the parent's mels; one sentence per batch (one EMA update per sentence)."""
    set_phase(voice.am, "calibrate")
    set_phase(voice.vocoder, "calibrate")
    voice.am.eval()
    voice.vocoder.eval()
    for index, item in enumerate(items):
        voice.am(**collate([item], voice.am.r).model_inputs())
        voice.vocoder(torch.as_tensor(item["mel"]).T[None])
        if progress:
            progress(index + 1, len(items))


class FreezeAfter:
    """Counts the training forwards of a model (one per optimizer step in the trainers) and
    freezes its quantizers' ranges after `steps` of them (-1: never). A training forward is
    one that records gradients: the acoustic-model distillation trains in eval mode (dropout
    off), and calibration and measurement run without gradients."""

    def __init__(self, model: nn.Module, steps: int):
        self.model, self.steps, self.count = model, steps, 0
        set_phase(model, "frozen" if steps == 0 else "track")
        self._handle = model.register_forward_pre_hook(self._before)

    def _before(self, module: nn.Module, args) -> None:
        if not torch.is_grad_enabled():
            return
        self.count += 1
        if self.steps >= 0 and self.count == self.steps + 1:
            set_phase(self.model, "frozen")

    def close(self) -> None:
        self._handle.remove()
        set_phase(self.model, "frozen")
