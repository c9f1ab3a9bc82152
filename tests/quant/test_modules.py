"""The fake-quantized conv, transposed conv and linear: their numbers, axes and float copies."""

import torch
import torch.nn.functional as F
from torch import nn

from compress.models.hifigan import apply_weight_norm, remove_weight_norm
from compress.quant import backend
from compress.quant.modules import (QuantConv1d, QuantConvTranspose1d, QuantLinear, dequantized, quantized,
                                    weight_axis_for)

torch.manual_seed(0)


def _frozen(module, amax):
    backend.set_mode(module.input_quantizer, calibrate=False, quantize=True)
    module.input_quantizer._amax.fill_(amax)
    return module.eval()


def _per_channel(weight, axis):
    dims = tuple(d for d in range(weight.dim()) if d != axis)
    scale = weight.detach().abs().amax(dim=dims) / 127
    return torch.fake_quantize_per_channel_affine(weight, scale, torch.zeros_like(scale, dtype=torch.int32),
                                                  axis, -128, 127)


def test_a_quantized_conv_computes_int8_inputs_times_per_channel_int8_weights():
    conv = nn.Conv1d(4, 6, 3, padding=1, dilation=1)
    q = _frozen(quantized(conv, 0), 1.5)
    assert isinstance(q, QuantConv1d) and isinstance(q, nn.Conv1d)
    x = torch.randn(2, 4, 11)
    expected = F.conv1d(backend.fake_quant_per_tensor(x, 1.5 / 127), _per_channel(conv.weight, 0), conv.bias,
                        padding=1)
    assert torch.equal(q(x), expected)
    assert tuple(q.weight_quantizer._amax.shape) == (6, 1, 1)


def test_a_transposed_conv_records_its_per_channel_axis():
    deconv = nn.ConvTranspose1d(4, 6, 4, stride=2)
    assert weight_axis_for(deconv, "output") == 1 and weight_axis_for(deconv, "input") == 0
    for name, axis, shape in (("output", 1, (1, 6, 1)), ("input", 0, (4, 1, 1))):
        q = _frozen(quantized(deconv, weight_axis_for(deconv, name)), 2.0)
        assert isinstance(q, QuantConvTranspose1d) and q.weight_axis == axis
        assert tuple(q.weight_quantizer._amax.shape) == shape
        x = torch.randn(1, 4, 9)
        expected = F.conv_transpose1d(backend.fake_quant_per_tensor(x, 2.0 / 127), _per_channel(deconv.weight, axis),
                                      deconv.bias, stride=2)
        assert torch.equal(q(x), expected)


def test_a_quantized_linear_and_its_float_copy():
    linear = nn.Linear(5, 3)
    q = _frozen(quantized(linear, 0), 0.8)
    x = torch.randn(7, 5)
    assert isinstance(q, QuantLinear)
    assert torch.equal(q(x), F.linear(backend.fake_quant_per_tensor(x, 0.8 / 127), _per_channel(linear.weight, 0),
                                      linear.bias))
    back = dequantized(q)
    assert type(back) is nn.Linear and torch.equal(back.weight, linear.weight) and torch.equal(back(x), linear(x))
    assert set(q.state_dict()) == {"weight", "bias", "input_quantizer._amax", "weight_quantizer._amax"}


def test_weight_ranges_follow_the_weights_when_training_in_eval_mode_too():
    linear = quantized(nn.Linear(3, 2), 0).eval()
    with torch.no_grad():
        linear.weight.mul_(3.0)
        linear(torch.ones(1, 3))
    assert torch.allclose(linear.weight_quantizer._amax * 3.0, linear.weight.abs().amax(dim=1, keepdim=True))
    linear(torch.ones(1, 3))  # a forward that records gradients: a QAT step
    assert torch.equal(linear.weight_quantizer._amax, linear.weight.detach().abs().amax(dim=1, keepdim=True))


def test_weight_ranges_follow_the_weights_in_training_and_weight_norm_still_applies():
    conv = quantized(nn.Conv1d(3, 2, 3), 0)
    holder = nn.Sequential(conv)
    apply_weight_norm(holder)
    holder.train()
    with torch.no_grad():
        conv.parametrizations.weight.original0.mul_(2.0)  # weight_g: every channel twice as large
    holder(torch.randn(1, 3, 8))
    remove_weight_norm(holder)
    assert type(conv) is QuantConv1d
    assert torch.allclose(conv.weight_quantizer._amax, conv.weight.abs().amax(dim=(1, 2), keepdim=True))


def test_a_conv_with_an_output_range_rounds_its_output_and_a_linear_never_gets_one():
    conv = nn.Conv1d(4, 6, 3, padding=1)
    q = _frozen(quantized(conv, 0, conv_output=True), 1.5)
    backend.set_mode(q.output_quantizer, calibrate=False, quantize=True)
    q.output_quantizer._amax.fill_(0.9)
    x = torch.randn(2, 4, 11)
    inner = F.conv1d(backend.fake_quant_per_tensor(x, 1.5 / 127), _per_channel(conv.weight, 0), conv.bias, padding=1)
    assert torch.equal(q(x), backend.fake_quant_per_tensor(inner, 0.9 / 127))
    assert "output_quantizer._amax" in q.state_dict()
    assert quantized(nn.Linear(5, 3), 0, conv_output=True).output_quantizer is None
    assert quantized(conv, 0).output_quantizer is None
