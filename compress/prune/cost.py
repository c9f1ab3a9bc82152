"""What a parameter costs at inference: how often each weight is used per second of audio.

A weight of the text encoder runs once per token, one of the decoder once per r frames, one
of the vocoder's last stage once per output sample: removing a unit there saves very
different amounts of compute for the same parameter count. `usage_rates` watches every
operator of a few syntheses and counts, per parameter tensor and per second of audio:

* MACs per element: the multiply-accumulates each element took part in, so rate x elements
  is the tensor's MACs per second of audio;
* loads: how often the whole tensor is read: once per operator call, once per time step in a
  recurrent layer. Where a weight is used for one position per call (the decoder runs one
  step of batch 1 at a time), reading it from memory, not multiplying, is what takes the
  time: on the 2-core build machine the 16 kHz voice's decoder step costs about 0.25 ms per
  million weights at well under 1% of the CPU's arithmetic rate (eval/README.md).

Counting rule: an operator that reads a parameter (or a view of it) uses each element once per
output position, i.e. output elements / the tensor's first dimension (a linear layer over T
steps: T; a convolution with T output samples: T). Views are not uses. Two operators are
special: a transposed convolution uses each weight once per *input* sample, and aten.lstm uses
every weight once per time step. The step decoder computes with re-packed copies of its
weights (models/pnca_steps.py: scaled, stacked); their elements are counted as the parameters
they were made from.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from compress.models import pnca_steps
from compress.models.symbols import EncodedSymbols
from compress.models.voice import Voice


@dataclass
class Usage:
    """Per parameter name, per second of audio."""

    macs: dict[str, float]  # multiply-accumulates of each element
    loads: dict[str, float]  # operator calls that read the whole tensor


def _storage(t: torch.Tensor) -> int:
    return t.untyped_storage().data_ptr()


class _UsageCounter(TorchDispatchMode):
    def __init__(self, parameters: dict[str, torch.Tensor]):
        super().__init__()
        # storage -> (tensor whose first dimension counts positions, parameter names it holds)
        self.sources = {_storage(p): (p, [name]) for name, p in parameters.items()}
        self.derived: list[torch.Tensor] = []  # kept alive: a freed storage's address gets reused
        self.deriving = False  # inside a weight re-packing: outputs are weights, not uses
        self.uses: dict[str, float] = defaultdict(float)
        self.loads: dict[str, float] = defaultdict(float)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        flat, _ = tree_flatten((args, kwargs or {}))
        read = {_storage(t) for t in flat if isinstance(t, torch.Tensor) and _storage(t) in self.sources}
        first_out = tree_flatten(out)[0][0] if read else None
        if not read or (isinstance(first_out, torch.Tensor) and _storage(first_out) in read):
            return out  # no weight read, or a view of one: no arithmetic
        if self.deriving:
            names = sorted({n for key in read for n in self.sources[key][1]})
            self.sources[_storage(first_out)] = (first_out, names)
            self.derived.append(first_out)
            return out
        for key in read:
            base, names = self.sources[key]
            per_element, loads = _uses(func, args, first_out, base), _loads(func, args)
            for name in names:
                self.uses[name] += per_element
                self.loads[name] += loads
        return out


@contextmanager
def _counting_repacked_weights(counter: _UsageCounter):
    original = pnca_steps.step_weights

    def counted(block):
        counter.deriving = True
        try:
            return original(block)
        finally:
            counter.deriving = False

    pnca_steps.step_weights = counted
    try:
        yield
    finally:
        pnca_steps.step_weights = original


def _uses(func, args, out: torch.Tensor, param: torch.Tensor) -> float:
    """Times each element of `param` is multiplied in this call."""
    if func is torch.ops.aten.lstm.input:
        steps = args[0]  # (T, B, C), (B, T, C) or unbatched (T, C): once per step and sequence
        return float(steps.shape[0] * steps.shape[1]) if steps.dim() == 3 else float(steps.shape[0])
    if func is torch.ops.aten.convolution.default and args[6]:  # transposed: once per input sample
        inp = args[0]
        return float(inp.numel() // inp.shape[1])
    return float(out.numel()) / max(param.shape[0], 1)


def _loads(func, args) -> float:
    """Reads of each weight in this call: once, except in a recurrent layer, which needs every
    weight again at each time step."""
    if func is torch.ops.aten.lstm.input:
        steps, batch_first = args[0], args[8]
        return float(steps.shape[1] if steps.dim() == 3 and batch_first else steps.shape[0])
    return 1.0


def usage_rates(voice: Voice, sentences: list[EncodedSymbols], frames_per_token: int | None = None) -> Usage:
    """MACs per element and loads of every parameter (names as in voice_tensors) per second of audio.

    The voice's own durations by default; `frames_per_token` fixes them (a voice whose
    duration predictor is untrained would otherwise make seconds of audio meaningless)."""
    from compress import synthesis

    named = {f"am.{n}": p for n, p in voice.am.named_parameters()}
    named.update({f"voc.{n}": p for n, p in voice.vocoder.named_parameters()})
    counter = _UsageCounter(named)
    samples = 0
    with torch.inference_mode(), _counting_repacked_weights(counter), counter:
        for s in sentences:
            fixed = None if frames_per_token is None else synthesis.uniform_durations([s], frames_per_token)
            samples += len(synthesis.synthesize(voice, [s], durations=fixed).wav)
    seconds = max(samples / voice.sample_rate, 1e-9)
    return Usage(macs={name: counter.uses.get(name, 0.0) / seconds for name in named},
                 loads={name: counter.loads.get(name, 0.0) / seconds for name in named})


def element_weights(usage: Usage, shapes: dict[str, torch.Size], macs_weight: float,
                    load_macs: float = 0.0) -> dict[str, float]:
    """Cost per element: its share of the parameters plus `macs_weight` x its share of the
    compute, where one load of a tensor counts as `load_macs` multiply-accumulates per element."""
    params = sum(s.numel() for s in shapes.values())
    compute = {k: usage.macs.get(k, 0.0) + load_macs * usage.loads.get(k, 0.0) for k in shapes}
    total = sum(compute[k] * s.numel() for k, s in shapes.items()) or 1.0
    return {k: 1.0 / params + macs_weight * compute[k] / total for k in shapes}


def macs_per_second(rates: dict[str, float], shapes: dict[str, torch.Size]) -> float:
    """MACs per second of audio of tensors with these shapes (the rates are per element)."""
    return sum(rates.get(k, 0.0) * s.numel() for k, s in shapes.items())
