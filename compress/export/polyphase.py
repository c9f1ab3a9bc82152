"""A stride-s ConvTranspose1d as a Conv1d with s times the output channels, then an interleave.

ONNX Runtime has no INT8 kernel for ConvTranspose; a Conv1d runs as QLinearConv. Output
sample n = q*s + r of the transposed conv is the bias plus sum_j W[:, :, j*s + r]^T x[q - j]:
for each phase r, a causal conv over the input with taps j = 0..J-1 (J = ceil(K / s)). The
s phase convs are one Conv1d whose output channel c*s + r is phase r of channel c; reshaping
(C, s, T) -> (C, T*s) interleaves them. The result equals the transposed conv up to float
rounding (tests/export/test_polyphase.py).
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from compress.models.hifigan import Generator, TransposedConv


class PolyphaseTransposedConv(nn.Module):
    """Drop-in for `hifigan.TransposedConv`: same output, same streaming state width."""

    def __init__(self, source: TransposedConv):
        super().__init__()
        deconv = source.deconv
        if deconv.groups != 1 or deconv.dilation[0] != 1 or deconv.output_padding[0] != 0:
            raise ValueError("the polyphase rewrite takes plain ConvTranspose1d layers only")
        c_in, c_out, kernel = deconv.weight.shape
        s = deconv.stride[0]
        if kernel < s:  # the transposed conv then makes fewer than T * s samples
            raise ValueError(f"the polyphase rewrite needs kernel >= stride, got {kernel} < {s}")
        taps = -(-kernel // s)
        self.stride, self.channels, self.taps = s, c_out, taps
        self.padding = deconv.padding[0]  # the transposed conv's crop at the start
        self.history = source.history  # == taps - 1: the past inputs one output needs
        weight = deconv.weight.new_zeros(c_out, s, c_in, taps)
        for r in range(s):
            for j in range(taps):
                k = j * s + r
                if k < kernel:  # Conv1d correlates: tap i reads x[q - (taps - 1 - i)]
                    weight[:, r, :, taps - 1 - j] = deconv.weight[:, :, k].T
        self.conv = nn.Conv1d(c_in, c_out * s, taps)
        with torch.no_grad():
            self.conv.weight.copy_(weight.reshape(c_out * s, c_in, taps))
            bias = deconv.bias if deconv.bias is not None else deconv.weight.new_zeros(c_out)
            self.conv.bias.copy_(bias[:, None].expand(c_out, s).reshape(-1))

    def _interleave(self, y: torch.Tensor) -> torch.Tensor:
        b, _, t = y.shape
        return y.view(b, self.channels, self.stride, t).transpose(2, 3).reshape(b, self.channels, t * self.stride)

    def forward(self, x: torch.Tensor, state: dict | None = None) -> torch.Tensor:
        length = x.shape[-1] * self.stride
        if state is None or not self.history:
            right = -(-self.padding // self.stride)  # enough extra phases to cover the crop
            y = self._interleave(self.conv(F.pad(x, (self.taps - 1, right))))
            return y[..., self.padding : self.padding + length]
        past = state.get(self)
        if past is None:
            past = x.new_zeros(x.shape[0], x.shape[1], self.history)
        full = torch.cat([past, x], dim=-1)
        state[self] = full[..., -self.history:]
        return self._interleave(self.conv(full))


def polyphase_generator(generator: Generator) -> Generator:
    """A copy of the vocoder with every transposed upsampling conv rewritten."""
    rewritten = copy.deepcopy(generator)
    for branch in rewritten.transpose_upsamples:
        branch[1] = PolyphaseTransposedConv(branch[1])
    return rewritten.eval()
