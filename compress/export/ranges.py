"""What a qat stage learned, in the form an ONNX quantizer takes, and the float voice it applies to.

`baked_float(voice)` returns (float voice, ranges):

* the float voice is the qat voice with every fake-quantized layer back to a float layer
  whose weight is the *fake-quantized* weight (already on the INT8 grid), so that a float
  graph traced from it computes what the QAT model computes apart from the activations'
  rounding, and a quantizer that re-derives per-channel scales from it finds the same ones;
* ranges hold, per INT8 layer, the activation amax of its input, the per-channel amax of
  its weight (scale = amax / 127, TensorRT's and QAT's convention) and, for a conv whose
  output QAT quantized, that output's amax.

Graph nodes are matched to layers by their weight values (`WeightIndex`): the traced names
of ONNX nodes follow scopes that TorchScript shortens and numbers, but a layer's weight is
unique, whether stored as is (Conv, Gemm) or transposed (MatMul of a Linear).
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from compress.models.voice import Voice
from compress.quant import backend
from compress.quant.swap import quantized_layers, strip


@dataclass
class LayerRange:
    """One INT8 layer's learned ranges."""

    name: str
    input_amax: float
    weight_amax: np.ndarray  # (channels,) along `weight_axis` of the torch weight
    weight_axis: int  # 0 for conv/linear; 0 (input) or 1 (output) for a transposed conv
    output_amax: float | None = None  # a conv's output range, where QAT quantized it

    @property
    def input_scale(self) -> float:
        return self.input_amax / backend.BOUND

    def weight_scales(self) -> np.ndarray:
        return (self.weight_amax / backend.BOUND).astype(np.float32)


def learned_ranges(voice: Voice) -> dict[str, LayerRange]:
    """Every fake-quantized layer's ranges by prefixed name ("voc.conv_pre.conv1d")."""
    ranges = {}
    for name, layer in quantized_layers(voice).items():
        amax = backend.amax(layer.weight_quantizer).detach().reshape(-1).double().numpy()
        output = None if layer.output_quantizer is None else float(backend.amax(layer.output_quantizer))
        ranges[name] = LayerRange(name, float(backend.amax(layer.input_quantizer)), amax, layer.weight_axis, output)
    return ranges


def baked_float(voice: Voice) -> tuple[Voice, dict[str, LayerRange]]:
    """The float voice with INT8-grid weights, and the learned ranges (see the module doc)."""
    ranges = learned_ranges(voice)
    baked = copy.deepcopy(voice)
    with torch.no_grad():
        for layer in quantized_layers(baked).values():
            layer.weight.copy_(layer.effective_weight())
    return strip(baked), ranges


def _key(array: np.ndarray) -> str:
    data = np.ascontiguousarray(array, dtype=np.float32)
    return hashlib.sha256(str(data.shape).encode() + data.tobytes()).hexdigest()


class WeightIndex:
    """Layer names by weight value: the torch weight, its transpose (MatMul), and any derived
    weight registered for a rewritten layer (the polyphase conv of a transposed conv)."""

    def __init__(self):
        self._names: dict[str, tuple[str, str]] = {}

    def add(self, name: str, weight: torch.Tensor, layout: str = "torch") -> None:
        array = weight.detach().float().cpu().numpy()
        self._names[_key(array)] = (name, layout)
        if array.ndim == 2 and layout == "torch":
            self._names[_key(array.T)] = (name, "transposed")

    def add_model(self, prefix: str, model: nn.Module) -> None:
        for path, module in model.named_modules():
            if isinstance(module, (nn.Conv1d, nn.ConvTranspose1d, nn.Linear)):
                self.add(f"{prefix}.{path}", module.weight)

    def find(self, array: np.ndarray) -> tuple[str, str] | None:
        """(layer name, layout) of an initializer: layout "torch" (as stored in torch),
        "transposed" (a Linear's weight as MatMul's B) or a derived layout's name."""
        return self._names.get(_key(array))
