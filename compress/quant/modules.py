"""Fake-quantized Conv1d, ConvTranspose1d and Linear: INT8 weights per channel, INT8 inputs per tensor.

Each is a subclass of the torch module it replaces (so code that walks convs and linears,
weight norm included, still finds it) with quantizer submodules whose amax buffers are part
of its state_dict:

    <layer>.input_quantizer._amax    ()            activation range, calibrated (EMA or max)
    <layer>.weight_quantizer._amax   keep-dims     per-channel weight range, e.g. (C_out, 1, 1)
    <layer>.output_quantizer._amax   ()            a conv's output range (optional, see below)

An output quantizer models what an INT8 kernel that writes integers computes (ONNX Runtime's
QLinearConv requantizes the conv's output, bias included, to 8 bits before the next op reads
it): with it, QAT trains, and the engine's output scale comes from, the same range.

The weight range is the weight's own per-channel max: refreshed at every forward that
records gradients (QAT; the weights move) and stored, so that an export reads the exact
scales. "Records gradients", not `training`: distillation trains with the modules in eval
mode (dropout off, sambert_trainer.py).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from compress.quant import backend

# The per-channel axis of a transposed conv's weight (C_in, C_out / groups, k): see config.py.
TRANSPOSE_AXES = {"output": 1, "input": 0}


class _Quantized:
    """What the three wrappers share: their quantizers and the fake-quantized weight."""

    weight: torch.Tensor
    input_quantizer: nn.Module
    weight_quantizer: nn.Module

    def _init_quantizers(self, weight_axis: int, spec: backend.CalibratorSpec, output: bool = False) -> None:
        self.input_quantizer = backend.input_quantizer(spec)
        self.weight_quantizer = backend.weight_quantizer(self.weight, weight_axis)
        self.output_quantizer = backend.input_quantizer(spec) if output else None

    def quantized_output(self, y: torch.Tensor) -> torch.Tensor:
        return y if self.output_quantizer is None else self.output_quantizer(y)

    def effective_weight(self) -> torch.Tensor:
        """The weight as an INT8 engine sees it (quantized and dequantized)."""
        if torch.is_grad_enabled() and self.weight.requires_grad:
            backend.refresh_weight_amax(self.weight_quantizer, self.weight)
        return self.weight_quantizer(self.weight)

    def input_scale(self) -> float:
        """The scale of the input quantizer (amax / 127)."""
        return backend.scale(self.input_quantizer)

    @property
    def weight_axis(self) -> int:
        return backend.axis(self.weight_quantizer)

    def refresh_weight_amax(self) -> None:
        backend.refresh_weight_amax(self.weight_quantizer, self.weight)


class QuantConv1d(nn.Conv1d, _Quantized):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.quantized_output(self._conv_forward(self.input_quantizer(x), self.effective_weight(), self.bias))


class QuantConvTranspose1d(nn.ConvTranspose1d, _Quantized):
    def forward(self, x: torch.Tensor, output_size=None) -> torch.Tensor:
        if output_size is not None:
            raise ValueError("QuantConvTranspose1d takes no output_size")
        return self.quantized_output(F.conv_transpose1d(
            self.input_quantizer(x), self.effective_weight(), self.bias, self.stride, self.padding,
            self.output_padding, self.groups, self.dilation))


class QuantLinear(nn.Linear, _Quantized):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(self.input_quantizer(x), self.effective_weight(), self.bias)


FLOAT_TYPES = (nn.Conv1d, nn.ConvTranspose1d, nn.Linear)
CONV_TYPES = (nn.Conv1d, nn.ConvTranspose1d)
QUANT_TYPES = (QuantConv1d, QuantConvTranspose1d, QuantLinear)


def is_quantized(module: nn.Module) -> bool:
    return isinstance(module, QUANT_TYPES)


def weight_axis_for(module: nn.Module, transpose_axis: str) -> int:
    return TRANSPOSE_AXES[transpose_axis] if isinstance(module, nn.ConvTranspose1d) else 0


def _same_shape(cls, module: nn.Module) -> nn.Module:
    """An uninitialised `cls` module with the hyper-parameters of `module`."""
    bias = module.bias is not None
    if isinstance(module, nn.Linear):
        return cls(module.in_features, module.out_features, bias=bias)
    if isinstance(module, nn.ConvTranspose1d):
        return cls(module.in_channels, module.out_channels, module.kernel_size, module.stride, module.padding,
                   module.output_padding, module.groups, bias, module.dilation, module.padding_mode)
    return cls(module.in_channels, module.out_channels, module.kernel_size, module.stride, module.padding,
               module.dilation, module.groups, bias, module.padding_mode)


def _converted(module: nn.Module, source: tuple, target: tuple) -> nn.Module | None:
    """A module of the matching target type sharing `module`'s parameters (None: no match)."""
    for source_type, target_type in zip(source, target):
        if type(module) is source_type:
            with torch.device("meta"):
                new = _same_shape(target_type, module)
            new = new.to_empty(device=module.weight.device)
            new.weight, new.bias = module.weight, module.bias
            return new.train(module.training)
    return None


def quantized(module: nn.Module, weight_axis: int,
              spec: backend.CalibratorSpec = backend.CalibratorSpec(), conv_output: bool = False) -> nn.Module:
    """The fake-quantized copy of a float conv or linear (same weights, amax of the weights);
    with `conv_output`, a conv's output is quantized too (a linear's never: ONNX Runtime
    quantizes a MatMul's output before its bias is added, a range QAT would not see)."""
    new = _converted(module, FLOAT_TYPES, QUANT_TYPES)
    if new is None:
        raise TypeError(f"cannot quantize a {type(module).__name__}")
    new._init_quantizers(weight_axis, spec, conv_output and isinstance(module, CONV_TYPES))
    return new


def dequantized(module: nn.Module) -> nn.Module:
    """The float module of a quantized one: the same (unquantized) weights, no quantizers."""
    new = _converted(module, QUANT_TYPES, FLOAT_TYPES)
    if new is None:
        raise TypeError(f"{type(module).__name__} is not a quantized module")
    return new
