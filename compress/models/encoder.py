"""Sambert text encoder: four summed embeddings, a pre-LN FFT stack, a projection."""

from __future__ import annotations

import math

import torch
from torch import nn

from compress.models.arch import SambertArch
from compress.models.attention import SelfAttention
from compress.models.layers import ConvFeedForward, layer_norm, sinusoid_rows, sinusoid_table, zero_masked


class PositionTable(nn.Module):
    """The fixed sinusoid table, stored in checkpoints as a frozen parameter.

    With `computed` set (the export's ONNX Runtime graphs), the rows are computed from the
    positions instead of read: the traced graph then carries a few ops instead of the table
    (1.6 MB of the 16 kHz voice)."""

    def __init__(self, max_len: int, depth: int):
        super().__init__()
        self.position_enc = nn.Parameter(sinusoid_table(max_len, depth), requires_grad=False)
        self.computed = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        length = x.shape[1]
        if self.computed:
            return x + sinusoid_rows(length, self.position_enc.shape[2]).to(x.dtype)
        table = self.position_enc
        if length > table.shape[1]:
            # Longer than max_len: recompute, as the original does (the stored rows agree).
            table = sinusoid_table(length, table.shape[2]).to(x)
        return x + table[:, :length]


class FftBlock(nn.Module):
    def __init__(self, d_in: int, d_model: int, attn, d_inner: int):
        super().__init__()
        self.slf_attn = SelfAttention(d_in, d_model, attn)
        self.pos_ffn = ConvFeedForward(d_model, d_inner, kernel_sizes=(3, 1))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        x = zero_masked(self.slf_attn(x, mask), mask)
        return zero_masked(self.pos_ffn(x, mask), mask)


class SelfAttentionEncoder(nn.Module):
    def __init__(self, arch: SambertArch):
        super().__init__()
        self.scale = math.sqrt(arch.d_model)  # sqrt of the encoder width, not the embedding's
        d_ins = [arch.embedding_dim] + [arch.d_model] * (len(arch.encoder_attn) - 1)
        self.fft = nn.ModuleList(
            FftBlock(d_in, arch.d_model, attn, inner)
            for d_in, attn, inner in zip(d_ins, arch.encoder_attn, arch.encoder_ffn)
        )
        self.ln = layer_norm(arch.d_model)
        self.position_enc = PositionTable(arch.max_len, arch.embedding_dim)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        x = self.position_enc(x * self.scale)
        for block in self.fft:
            x = block(x, mask)
        return self.ln(x)


class TextEncoder(nn.Module):
    """inputs_ling (B, T, 4) [sy, tone, syllable_flag, word_segment] -> text_hid (B, T, d_proj)."""

    def __init__(self, arch: SambertArch):
        super().__init__()
        d_emb, tables = arch.embedding_dim, arch.tables
        self.sy_emb = nn.Embedding(tables["sy"], d_emb)
        self.tone_emb = nn.Embedding(tables["tone"], d_emb)
        self.syllable_flag_emb = nn.Embedding(tables["syllable_flag"], d_emb)
        self.ws_emb = nn.Embedding(tables["word_segment"], d_emb)
        self.ling_enc = SelfAttentionEncoder(arch)
        self.ling_proj = nn.Linear(arch.d_model, arch.d_proj, bias=False)

    def forward(self, ling: torch.Tensor, mask: torch.Tensor | None = None):
        """Returns (text_hid, encoder output before the projection)."""
        emb = (
            self.sy_emb(ling[..., 0])
            + self.tone_emb(ling[..., 1])
            + self.syllable_flag_emb(ling[..., 2])
            + self.ws_emb(ling[..., 3])
        )
        encoded = self.ling_enc(emb, mask)
        return self.ling_proj(encoded), encoded
