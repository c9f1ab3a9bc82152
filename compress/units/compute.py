"""What a synthesis computes: multiply-accumulates (MACs) and weight reads, per parameter.

The one MAC counter of the project: pruning ranks units by the compute their weights cost
(compress/prune/cost.py), the benchmark and the profile report a voice's MACs (eval/). A weight
of the text encoder runs once per token, one of the decoder once per r frames, one of the
vocoder's last stage once per output sample: removing a unit there saves very different
amounts of compute for the same parameter count. A TorchDispatchMode watches every operator
and counts, per parameter tensor:

* MACs per element: how many multiply-accumulates each element takes part in, so uses x
  elements is the tensor's MACs;
* loads: how often the whole tensor is read: once per operator call, once per time step in a
  recurrent layer. Where a weight is used for one position per call (the decoder runs one
  step of batch 1 at a time), reading it from memory, not multiplying, is what takes the
  time: on the 2-core build machine the 16 kHz voice's decoder step costs about 0.25 ms per
  million weights at well under 1% of the CPU's arithmetic rate (eval/README.md).

The rule. Only operators that multiply with a weight count MACs (linear and matrix products,
convolutions, LSTMs); they use each element of the weight, and of its bias, once per output
position: output elements / the weight's first dimension (a linear layer over T steps: T; a
convolution with T output samples: T). A transposed convolution uses each weight once per
*input* sample (its bias once per output sample); an LSTM every weight once per time step
and sequence. Element-wise work that
reads a parameter (norm scales, embedding lookups, a position table added to the input) reads
it (a load) but does no MACs. Views are not uses. Matrix products between activations only
(attention scores and their weighted sums) are counted apart, as `activation_macs`: no
parameter owns them. The step decoder computes with re-packed copies of its weights
(models/pnca_steps.py: scaled, stacked); their elements count as the parameters they were
made from, and so do the INT8 grid copies a fake-quantized layer multiplies with.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from compress.models import pnca_steps
from compress.models.symbols import EncodedSymbols
from compress.models.voice import Voice

# Operators that multiply with their weight operand (names of aten overload packets: the
# decomposed and the undecomposed forms, whichever the dispatcher hands the mode).
_MATMULS = {"linear", "addmm", "mm", "matmul", "bmm", "baddbmm", "addmv", "mv"}
_CONVOLUTIONS = {"conv1d", "conv2d", "convolution", "_convolution"}
_TRANSPOSED = {"conv_transpose1d", "conv_transpose2d"}
_LSTMS = {"lstm", "mkldnn_rnn_layer"}  # the whole LSTM (inference mode), one layer and direction (no_grad)
# Operators whose output stands for the weight they read: a fake-quantized layer (compress/quant)
# multiplies with the INT8 grid copy of its weight, which counts as the weight itself.
_WEIGHT_COPIES = {"fake_quantize_per_channel_affine", "fake_quantize_per_tensor_affine",
                  "fake_quantize_per_channel_affine_cachemask", "fake_quantize_per_tensor_affine_cachemask"}


@dataclass
class Usage:
    """Per parameter name, per second of audio."""

    macs: dict[str, float]  # multiply-accumulates of each element
    loads: dict[str, float]  # operator calls that read the whole tensor


def _storage(t: torch.Tensor) -> int:
    return t.untyped_storage().data_ptr()


def _kind(func) -> str:
    return func.overloadpacket.__name__


class ComputeCounter(TorchDispatchMode):
    """Counts uses and loads of `parameters` (name -> tensor) and the activation-only matrix
    products of every operator run inside the mode."""

    def __init__(self, parameters: dict[str, torch.Tensor]):
        super().__init__()
        # storage -> (tensor whose first dimension counts positions, parameter names it holds)
        self.sources = {_storage(p): (p, [name]) for name, p in parameters.items()}
        self.parameters = parameters
        self.derived: list[torch.Tensor] = []  # kept alive: a freed storage's address gets reused
        self.deriving = False  # inside a weight re-packing: outputs are weights, not uses
        self.uses: dict[str, float] = defaultdict(float)
        self.loads: dict[str, float] = defaultdict(float)
        self.activation_macs = 0.0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        flat, _ = tree_flatten((args, kwargs or {}))
        read = {_storage(t) for t in flat if isinstance(t, torch.Tensor) and _storage(t) in self.sources}
        outputs = tree_flatten(out)[0]
        first_out = outputs[0] if outputs else None
        if not read:
            self.activation_macs += _activation_macs(func, args, first_out)
            return out
        if isinstance(first_out, torch.Tensor) and _storage(first_out) in read:
            return out  # a view of a weight: no arithmetic
        if self.deriving or _kind(func) in _WEIGHT_COPIES:
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

    def parameter_macs(self) -> float:
        return sum(self.uses.get(n, 0.0) * p.numel() for n, p in self.parameters.items())

    def total_macs(self) -> float:
        return self.parameter_macs() + self.activation_macs


@contextmanager
def _counting_repacked_weights(counter: ComputeCounter):
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


@contextmanager
def counting(parameters: dict[str, torch.Tensor]) -> Iterator[ComputeCounter]:
    """Counts everything run inside the block; the counter's figures are complete at exit."""
    counter = ComputeCounter(parameters)
    with _counting_repacked_weights(counter), counter:
        yield counter


@contextmanager
def count(model: nn.Module) -> Iterator[dict]:
    """MACs of everything run inside the block on `model`: yields a dict whose "macs" (an int:
    parameter MACs plus activation-only matrix products) is filled at exit."""
    found = {"macs": 0}
    with counting(dict(model.named_parameters())) as counter:
        yield found
    found["macs"] = round(counter.total_macs())


def _uses(func, args, out: torch.Tensor, param: torch.Tensor) -> float:
    """Times each element of `param` is multiplied in this call (0 for element-wise work)."""
    kind = _kind(func)
    if kind in _LSTMS:
        return _lstm_steps(func, args)[0]
    transposed = kind in _TRANSPOSED or (kind in {"convolution", "_convolution"} and args[6])
    if transposed and param.dim() > 1:
        inp = args[0]  # once per input sample; channels are dim 1, or dim 0 of a batch-less input
        return float(inp.numel() // inp.shape[0 if inp.dim() == 2 else 1])
    if kind in _MATMULS or kind in _CONVOLUTIONS or transposed:
        return float(out.numel()) / max(param.shape[0], 1)
    return 0.0


def _loads(func, args) -> float:
    """Reads of each weight in this call: once, except in a recurrent layer, which needs every
    weight again at each time step."""
    return _lstm_steps(func, args)[1] if _kind(func) in _LSTMS else 1.0


def _lstm_steps(func, args) -> tuple[float, float]:
    """(step x sequence positions, time steps) of an LSTM call: every weight is multiplied once
    per position and read once per time step."""
    steps = args[0]
    if func is torch.ops.aten.lstm.data:  # packed (sum of lengths, C); batch_sizes: one per step
        return float(steps.shape[0]), float(len(args[1]))
    if _kind(func) == "mkldnn_rnn_layer":  # one layer and direction, time-major (T, B, C) or packed
        batch_sizes = args[8]
        if batch_sizes:
            return float(steps.shape[0]), float(len(batch_sizes))
        return float(steps.shape[0] * steps.shape[1]), float(steps.shape[0])
    # aten.lstm.input: (T, B, C), (B, T, C) with batch_first, or unbatched (T, C)
    if steps.dim() == 2:
        return float(steps.shape[0]), float(steps.shape[0])
    time_steps = steps.shape[1] if args[8] else steps.shape[0]
    return float(steps.shape[0] * steps.shape[1]), float(time_steps)


def _activation_macs(func, args, out) -> float:
    """A matrix product of two activations: output elements x the reduced length."""
    kind = _kind(func)
    if kind not in _MATMULS or not isinstance(out, torch.Tensor):
        return 0.0
    left = args[1] if kind in {"addmm", "baddbmm", "addmv"} else args[0]
    return float(out.numel() * left.shape[-1])


def usage_rates(voice: Voice, sentences: list[EncodedSymbols], frames_per_token: int | None = None) -> Usage:
    """MACs per element and loads of every parameter (names as in voice_tensors) per second of audio.

    The voice's own durations by default; `frames_per_token` fixes them (a voice whose
    duration predictor is untrained would otherwise make seconds of audio meaningless)."""
    from compress import synthesis

    named = {f"am.{n}": p for n, p in voice.am.named_parameters()}
    named.update({f"voc.{n}": p for n, p in voice.vocoder.named_parameters()})
    samples = 0
    with torch.inference_mode(), counting(named) as counter:
        for s in sentences:
            fixed = None if frames_per_token is None else synthesis.uniform_durations([s], frames_per_token)
            samples += len(synthesis.synthesize(voice, [s], durations=fixed).wav)
    seconds = max(samples / voice.sample_rate, 1e-9)
    return Usage(macs={name: counter.uses.get(name, 0.0) / seconds for name in named},
                 loads={name: counter.loads.get(name, 0.0) / seconds for name in named})


def macs_per_second(rates: dict[str, float], shapes: dict[str, torch.Size]) -> float:
    """MACs per second of audio of tensors with these shapes (the rates are per element)."""
    return sum(rates.get(k, 0.0) * s.numel() for k, s in shapes.items())
