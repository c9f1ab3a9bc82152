"""HiFi-GAN generator of KAN-TTS (`kantts/models/hifigan/hifigan.py::Generator`).

Convs hold plain weights (weight norm folded, as inference loaders do); `apply_weight_norm`
re-parametrizes them for training. Causal: every conv pads on the left only and transposed
convs drop their last k - s samples, so output sample n depends on mel frames <= n / hop.

Streaming: `forward(mel, state)` with a dict that lives as long as one stream. Each causal
conv keeps the tail of its input there and uses it instead of zero padding, so running
chunk after chunk computes what one run over the whole mel computes.

NSF vocoders (NSF.md §2) read two more input channels, F0 in Hz and voicing, from which
their source module makes an excitation at the sample rate; each stage adds it, downsampled
by its `source_downs` conv. A stream of an NSF vocoder starts with `new_stream(frames)`,
which makes the random draws for the whole stream at once, as one whole run would.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrizations, parametrize

from compress.models.arch import HifiGanArch
from compress.models.nsf import SourceModule

FINAL_LEAKY_SLOPE = 0.01  # the last activation uses F.leaky_relu's default, not the config's


class Conv(nn.Module):
    """Conv1d wrapper named `conv1d`; causal (left pad) or centred (symmetric pad, `padding`
    per side when given). A causal conv ignores `padding`, as KAN-TTS's CausalConv1d does.
    A strided causal conv streams when every chunk is a multiple of its stride."""

    def __init__(self, c_in: int, c_out: int, kernel: int, dilation: int = 1, causal: bool = True,
                 stride: int = 1, padding: int | None = None):
        super().__init__()
        total = (kernel - 1) * dilation
        side = total // 2 if padding is None else padding
        self.pad = (total, 0) if causal else (side, side)
        self.conv1d = nn.Conv1d(c_in, c_out, kernel, stride=stride, dilation=dilation)

    def forward(self, x: torch.Tensor, state: dict | None = None) -> torch.Tensor:
        if state is None or not self.pad[0]:
            return self.conv1d(F.pad(x, self.pad))
        past = state.get(self)
        if past is None:
            past = x.new_zeros(x.shape[0], x.shape[1], self.pad[0])
        full = torch.cat([past, x], dim=-1)
        state[self] = full[..., -self.pad[0]:]
        return self.conv1d(full)


class TransposedConv(nn.Module):
    """ConvTranspose1d wrapper named `deconv` whose output has exactly T * stride samples."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, causal: bool = True):
        super().__init__()
        padding = 0 if causal else (kernel - stride) // 2
        self.stride = stride
        self.history = -(-(kernel - stride) // stride)  # past inputs an output sample needs
        self.deconv = nn.ConvTranspose1d(c_in, c_out, kernel, stride, padding=padding)

    def forward(self, x: torch.Tensor, state: dict | None = None) -> torch.Tensor:
        length = x.shape[-1] * self.stride
        if state is None or not self.history:
            return self.deconv(x)[..., :length]
        past = state.get(self)
        if past is None:
            past = x.new_zeros(x.shape[0], x.shape[1], self.history)
        full = torch.cat([past, x], dim=-1)
        state[self] = full[..., -self.history:]
        start = self.history * self.stride
        return self.deconv(full)[..., start : start + length]


class ResidualBlock(nn.Module):
    """For each dilation: x += conv2(lrelu(conv1(lrelu(x)))); conv1's width may be pruned."""

    def __init__(self, channels, kernel, dilations, inner, slope, causal):
        super().__init__()
        self.slope = slope
        self.convs1 = nn.ModuleList(
            Conv(channels, w, kernel, d, causal) for d, w in zip(dilations, inner)
        )
        self.convs2 = nn.ModuleList(Conv(w, channels, kernel, 1, causal) for w in inner)

    def forward(self, x: torch.Tensor, state: dict | None = None) -> torch.Tensor:
        for c1, c2 in zip(self.convs1, self.convs2):
            x = x + c2(F.leaky_relu(c1(F.leaky_relu(x, self.slope), state), self.slope), state)
        return x


class Generator(nn.Module):
    def __init__(self, arch: HifiGanArch):
        super().__init__()
        self.arch = arch
        ch, slope, causal, k = arch.stage_channels, arch.leaky_slope, arch.causal, arch.kernel_size
        self.conv_pre = Conv(arch.in_channels, ch[0], k, 1, causal)
        self.transpose_upsamples = nn.ModuleList()
        self.repeat_upsamples = nn.ModuleList()
        self.conv_blocks = nn.ModuleList()
        for i, (scale, up_k) in enumerate(zip(arch.upsample_scales, arch.upsample_kernel_sizes)):
            self.transpose_upsamples.append(nn.Sequential(
                nn.LeakyReLU(slope), TransposedConv(ch[i], ch[i + 1], up_k, scale, causal)))
            self.repeat_upsamples.append(nn.Sequential(
                nn.Upsample(scale_factor=scale, mode="nearest"), nn.LeakyReLU(slope),
                Conv(ch[i], ch[i + 1], k, 1, causal)))
            for j, (res_k, dils) in enumerate(zip(arch.resblock_kernel_sizes, arch.resblock_dilations)):
                self.conv_blocks.append(ResidualBlock(
                    ch[i + 1], res_k, dils, arch.resblock_inner[i][j], slope, causal))
        self.conv_post = Conv(ch[-1], arch.out_channels, k, 1, causal)
        if arch.nsf:
            self.source_module = SourceModule(arch.nsf_harmonics, arch.nsf_sample_rate, arch.hop)
            self.source_downs = nn.ModuleList(
                Conv(1, ch[i + 1], 1) if u == 1 else Conv(1, ch[i + 1], 2 * u, 1, causal, stride=u, padding=u // 2)
                for i, u in enumerate(arch.source_rates))

    def stage(self, i: int, x: torch.Tensor, state: dict | None = None,
              excitation: torch.Tensor | None = None) -> torch.Tensor:
        """Upsampling stage i: sin-residual, repeat + transposed branches (+ the downsampled
        excitation of an NSF vocoder), mean of resblocks."""
        x = torch.sin(x) + x
        upsample, rep_act, rep_conv = self.repeat_upsamples[i]
        up_act, up_conv = self.transpose_upsamples[i]
        rep = rep_conv(rep_act(upsample(x)), state)
        if excitation is not None:
            rep = rep + self.source_downs[i](excitation, state)
        x = rep + up_conv(up_act(x), state)[..., : rep.shape[-1]]
        n = len(self.arch.resblock_kernel_sizes)
        blocks = self.conv_blocks[i * n : (i + 1) * n]
        out = blocks[0](x, state)
        for block in blocks[1:]:
            out = out + block(x, state)
        return out / n

    def new_stream(self, frames: int, batch: int = 1) -> dict:
        """The state of a stream of `frames` mel frames in all: an NSF vocoder's random draws
        are made here, for the whole stream (seed the global generator just before)."""
        if not self.arch.causal:
            raise ValueError("only a causal vocoder can run chunk by chunk")
        state: dict = {}
        if self.arch.nsf:
            state[self.source_module] = self.source_module.draw(batch, frames * self.arch.hop)
        return state

    def forward(self, x: torch.Tensor, state: dict | None = None) -> torch.Tensor:
        """x (B, input_channels, T): the mel, then for NSF F0 (Hz) and voicing (0/1) ->
        waveform (B, 1, T * hop) in [-1, 1].

        With `state` (from `new_stream`; causal generators only), continues that stream."""
        if state is not None and not self.arch.causal:
            raise ValueError("only a causal vocoder can run chunk by chunk")
        excitation = None
        if self.arch.nsf:
            if state is not None and self.source_module not in state:
                raise ValueError("an NSF vocoder's stream must come from new_stream(frames)")
            draws = None if state is None else state[self.source_module]
            excitation = self.source_module(x[:, -2:-1], x[:, -1:], draws)
            x = x[:, :-2]
        return self.render(x, excitation, state)

    def render(self, mel: torch.Tensor, excitation: torch.Tensor | None = None,
               state: dict | None = None) -> torch.Tensor:
        """The network after the source: mel (B, in_channels, T) and, for NSF, the source's
        excitation (B, 1, T * hop) -> waveform (B, 1, T * hop). The export traces this, its
        driver computing the source in numpy."""
        x = self.conv_pre(mel, state)
        for i in range(len(self.arch.upsample_scales)):
            x = self.stage(i, x, state, excitation)
        return torch.tanh(self.conv_post(F.leaky_relu(x, FINAL_LEAKY_SLOPE), state))


def _weighted_convs(model: nn.Module):
    return [m for m in model.modules() if isinstance(m, (nn.Conv1d, nn.ConvTranspose1d))]


def apply_weight_norm(model: nn.Module) -> nn.Module:
    """Weight-norm every conv (dim 0, as KAN-TTS trains them)."""
    for conv in _weighted_convs(model):
        parametrizations.weight_norm(conv, name="weight", dim=0)
    return model


def remove_weight_norm(model: nn.Module) -> nn.Module:
    """Fold weight norm back into plain weights (w = g * v / ||v||)."""
    for conv in _weighted_convs(model):
        if parametrize.is_parametrized(conv, "weight"):
            parametrize.remove_parametrizations(conv, "weight", leave_parametrized=True)
    return model
