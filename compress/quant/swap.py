"""Swapping float layers for fake-quantized ones and back, by the precision table.

`swap` is the stage's convert (and its restore: on load the same table, read from the
manifest's mode, rebuilds the same modules before the tensors load, so that the state_dict
holds exactly the saved keys, quantizer ranges included). `strip` gives the float weights
back.
"""

from __future__ import annotations

import copy

from torch import nn
from torch.nn.utils import parametrize

from compress.models.voice import Voice
from compress.quant.backend import CalibratorSpec
from compress.quant.modules import dequantized, is_quantized, quantized
from compress.quant.policy import INT8, LayerPlan


def _split(voice: Voice, name: str) -> tuple[nn.Module, str]:
    """(parent module, attribute) of a prefixed layer name."""
    prefix, path = name.split(".", 1)
    model = voice.modules()[prefix]
    parent, _, attribute = path.rpartition(".")
    return (model.get_submodule(parent) if parent else model), attribute


def swap(voice: Voice, plans: list[LayerPlan], spec: CalibratorSpec, conv_outputs: tuple[str, ...] = ()) -> list[str]:
    """Replace every int8 layer of the table by its fake-quantized copy, in place (the convs
    of the models named in `conv_outputs`, "voc" say, quantize their outputs too); returns
    the names swapped."""
    swapped = []
    for plan in plans:
        if plan.precision != INT8:
            continue
        parent, attribute = _split(voice, plan.name)
        layer = getattr(parent, attribute)
        if is_quantized(layer):
            raise ValueError(f"{plan.name} is already quantized")
        if parametrize.is_parametrized(layer):  # loaders fold weight norm; a live one would be quantized as g, v
            raise ValueError(f"{plan.name} still has weight norm; fold it before quantizing")
        output = plan.name.split(".", 1)[0] in conv_outputs
        setattr(parent, attribute, quantized(layer, plan.weight_axis, spec, output))
        swapped.append(plan.name)
    return swapped


def strip(voice: Voice) -> Voice:
    """A copy of the voice with every fake-quantized layer back to a float layer (the
    same float weights, quantizers dropped)."""
    stripped = copy.deepcopy(voice)
    for model in stripped.modules().values():
        for path, module in list(model.named_modules()):
            if is_quantized(module):
                parent, _, attribute = path.rpartition(".")
                setattr(model.get_submodule(parent) if parent else model, attribute, dequantized(module))
    return stripped


def quantized_layers(voice: Voice) -> dict[str, nn.Module]:
    """Every fake-quantized layer by prefixed name."""
    return {f"{prefix}.{path}": module for prefix, model in voice.modules().items()
            for path, module in model.named_modules() if is_quantized(module)}
