"""What a parameter costs at inference: how often each weight is used per second of audio.

A weight of the text encoder runs once per token, one of the decoder once per r frames, one
of the vocoder's last stage once per output sample: removing a unit there saves very
different amounts of compute for the same parameter count. `usage_rates` watches every
operator of a few syntheses and counts, per parameter tensor, the multiply-accumulates each
of its elements took part in, divided by the seconds of audio produced. Then
rate x elements is the tensor's MACs per second of audio.

Counting rule: an operator that reads a parameter (or a view of it) uses each element once per
output position, i.e. output elements / the parameter's first dimension (a linear layer over T
steps: T; a convolution with T output samples: T). Two operators are special: a transposed
convolution uses each weight once per *input* sample, and aten.lstm uses every weight once per
time step.
"""

from __future__ import annotations

from collections import defaultdict

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from compress.models.voice import Voice
from compress.models.symbols import EncodedSymbols


class _UsageCounter(TorchDispatchMode):
    def __init__(self, parameters: dict[str, torch.Tensor]):
        super().__init__()
        self.by_storage = {p.untyped_storage().data_ptr(): (name, p) for name, p in parameters.items()}
        self.uses: dict[str, float] = defaultdict(float)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        flat, _ = tree_flatten((args, kwargs or {}))
        touched = {}
        for t in flat:
            if isinstance(t, torch.Tensor) and t.untyped_storage().data_ptr() in self.by_storage:
                name, param = self.by_storage[t.untyped_storage().data_ptr()]
                touched[name] = param
        if touched:
            first_out = tree_flatten(out)[0][0]
            for name, param in touched.items():
                self.uses[name] += _uses(func, args, first_out, param)
        return out


def _uses(func, args, out: torch.Tensor, param: torch.Tensor) -> float:
    """Times each element of `param` is multiplied in this call."""
    if func is torch.ops.aten.lstm.input:
        steps = args[0]  # (T, B, C), (B, T, C) or unbatched (T, C): once per step and sequence
        return float(steps.shape[0] * steps.shape[1]) if steps.dim() == 3 else float(steps.shape[0])
    if func is torch.ops.aten.convolution.default and args[6]:  # transposed: once per input sample
        inp = args[0]
        return float(inp.numel() // inp.shape[1])
    return float(out.numel()) / max(param.shape[0], 1)


def usage_rates(voice: Voice, sentences: list[EncodedSymbols],
                frames_per_token: int | None = None) -> dict[str, float]:
    """Parameter name (as in voice_tensors) -> uses of each element per second of audio.

    The voice's own durations by default; `frames_per_token` fixes them (a voice whose
    duration predictor is untrained would otherwise make seconds of audio meaningless)."""
    from compress import synthesis

    named = {f"am.{n}": p for n, p in voice.am.named_parameters()}
    named.update({f"voc.{n}": p for n, p in voice.vocoder.named_parameters()})
    counter = _UsageCounter(named)
    samples = 0
    with torch.inference_mode(), counter:
        for s in sentences:
            fixed = None if frames_per_token is None else synthesis.uniform_durations([s], frames_per_token)
            samples += len(synthesis.synthesize(voice, [s], durations=fixed).wav)
    seconds = samples / voice.sample_rate
    return {name: counter.uses.get(name, 0.0) / max(seconds, 1e-9) for name in named}


def element_weights(rates: dict[str, float], shapes: dict[str, torch.Size], macs_weight: float) -> dict[str, float]:
    """Cost per element: its share of the parameters plus `macs_weight` x its share of the MACs."""
    params = sum(s.numel() for s in shapes.values())
    macs = macs_per_second(rates, shapes) or 1.0
    return {k: 1.0 / params + macs_weight * rates.get(k, 0.0) / macs for k in shapes}


def macs_per_second(rates: dict[str, float], shapes: dict[str, torch.Size]) -> float:
    """MACs per second of audio of tensors with these shapes (the rates are per element)."""
    return sum(rates.get(k, 0.0) * s.numel() for k, s in shapes.items())
