"""Sambert mel decoder: PNCA blocks, autoregressive over groups of r frames.

Two forms compute the same function: `forward` (teacher-forced, parallel, for training)
and `infer`/`steps` (one step at a time with a KV cache, for synthesis). The input of step t
is the last frame of step t-1's output (zeros at t = 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from torch import nn

from compress.models.arch import SambertArch
from compress.models.attention import PncaAttention
from compress.models.layers import ConvFeedForward, Prenet, layer_norm, zero_masked
from compress.models.pnca_steps import decode_steps


class PncaBlock(nn.Module):
    def __init__(self, d_model: int, d_mem: int, attn, d_inner: int):
        super().__init__()
        self.pnca_attn = PncaAttention(d_model, d_mem, attn)
        self.pos_ffn = ConvFeedForward(d_model, d_inner, kernel_sizes=(1, 1))

    def forward(self, x, memory, x_mask, h_mask, mask=None):
        x = zero_masked(self.pnca_attn(x, memory, x_mask, h_mask), mask)
        return zero_masked(self.pos_ffn(x, mask), mask)


def band_masks(n: int, x_bw: int, h_bw: int, pad_mask: torch.Tensor | None = None, device=None):
    """(B or 1, n, n) masks, True = excluded: x keeps [i - x_bw, i], h keeps [i, i + h_bw].

    With padding, padded keys are excluded and padded query rows see everything (their
    outputs are zeroed later; this only keeps the softmax finite)."""
    i = torch.arange(n, device=device)[:, None]
    j = torch.arange(n, device=device)[None, :]
    x_mask = ((j < i - x_bw) | (j > i))[None]
    h_mask = ((j < i) | (j > i + h_bw))[None]
    if pad_mask is not None:
        keys, rows = pad_mask[:, None, :], pad_mask[:, :, None]
        x_mask = (x_mask | keys) & ~rows
        h_mask = (h_mask | keys) & ~rows
    return x_mask, h_mask


class HybridAttentionDecoder(nn.Module):
    def __init__(self, arch: SambertArch):
        super().__init__()
        d_model, d_mem = arch.decoder_d_model, arch.d_memory
        self.num_mels = arch.num_mels
        self.scale = math.sqrt(d_model)
        self.prenet = Prenet(arch.num_mels, arch.decoder_prenet, d_model)
        self.dec_in_proj = nn.Linear(d_model + d_mem, d_model)
        self.pnca = nn.ModuleList(
            PncaBlock(d_model, d_mem, attn, inner)
            for attn, inner in zip(arch.decoder_attn, arch.decoder_ffn)
        )
        self.ln = layer_norm(d_model)
        self.dec_out_proj = nn.Linear(d_model, arch.num_mels * arch.outputs_per_step)

    def forward(self, prev_frames, memory, x_bw, h_bw, mask=None) -> torch.Tensor:
        """Teacher-forced: prev_frames (B, N, num_mels), memory (B, N, d_mem) -> (B, N, r*num_mels)."""
        x = self.dec_in_proj(torch.cat([memory, self.prenet(prev_frames)], dim=-1))
        x = zero_masked(x, mask) * self.scale
        x_mask, h_mask = band_masks(x.shape[1], x_bw, h_bw, mask, x.device)
        for block in self.pnca:
            x = block(x, memory, x_mask, h_mask, mask)
        return self.dec_out_proj(self.ln(x))

    def steps(self, memory: torch.Tensor, x_bw: int, h_bw: int) -> Iterator[torch.Tensor]:
        """Free-running decoding; yields each step's output (B, r*num_mels) as it is made."""
        return decode_steps(self, memory, x_bw, h_bw)


class MelDecoder(nn.Module):
    def __init__(self, arch: SambertArch):
        super().__init__()
        self.r = arch.outputs_per_step
        self.mel_dec = HybridAttentionDecoder(arch)

    def forward(self, memory, x_bw, h_bw, target, mask=None) -> torch.Tensor:
        """target (B, N*r, num_mels): step t sees target frame t*r - 1 (zeros at t = 0)."""
        prev = target[:, self.r - 1 :: self.r]
        prev = torch.cat([torch.zeros_like(prev[:, :1]), prev[:, :-1]], dim=1)
        return self.mel_dec(prev, memory, x_bw, h_bw, mask)

    def infer(self, memory, x_bw, h_bw) -> torch.Tensor:
        """(B, N, r*num_mels)."""
        return torch.stack(list(self.mel_dec.steps(memory, x_bw, h_bw)), dim=1)
