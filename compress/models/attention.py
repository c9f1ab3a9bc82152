"""Multi-head attention of the Sambert encoder (self-attention) and decoder (PNCA).

Heads are contiguous blocks of `d_head` channels inside q, k and v (channel h*d_head + j),
as in KAN-TTS. Scores are divided by the arch's `temperature`, which stays at the original
sqrt(d_head) when head dimensions are pruned.
"""

from __future__ import annotations

import torch
from torch import nn

from compress.models.arch import AttentionArch
from compress.models.layers import layer_norm


def split_heads(x: torch.Tensor, n_head: int) -> torch.Tensor:
    """(B, T, H*d) -> (B, H, T, d)."""
    b, t, _ = x.shape
    return x.view(b, t, n_head, -1).transpose(1, 2)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(B, H, T, d) -> (B, T, H*d)."""
    b, h, t, d = x.shape
    return x.transpose(1, 2).reshape(b, t, h * d)


def attend(q, k, v, temperature: float, mask: torch.Tensor | None = None) -> torch.Tensor:
    """softmax(q k^T / temperature) v, with `mask` (broadcast to the scores) True = excluded."""
    scores = torch.matmul(q, k.transpose(-1, -2)) / temperature
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))
    return torch.matmul(torch.softmax(scores, dim=-1), v)


class SelfAttention(nn.Module):
    """Pre-LN self-attention of an FFT block; residual only when d_in == d_model."""

    def __init__(self, d_in: int, d_model: int, arch: AttentionArch, dropout: float = 0.1):
        super().__init__()
        self.arch = arch
        width = arch.n_head * arch.d_head
        self.layer_norm = layer_norm(d_in)
        self.w_qkv = nn.Linear(d_in, 3 * width)
        self.fc = nn.Linear(width, d_model)
        self.dropout = nn.Dropout(dropout)
        self.residual = d_in == d_model

    def forward(self, x: torch.Tensor, key_mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, T, d_in); key_mask (B, T) True on padding."""
        q, k, v = self.w_qkv(self.layer_norm(x)).chunk(3, dim=-1)
        n_head = self.arch.n_head
        mask = None if key_mask is None else key_mask[:, None, None, :]
        heads = attend(split_heads(q, n_head), split_heads(k, n_head), split_heads(v, n_head),
                       self.arch.temperature, mask)
        out = self.dropout(self.fc(merge_heads(heads)))
        return out + x if self.residual else out


class PncaAttention(nn.Module):
    """PNCA attention: causal local attention over past decoder steps (x) plus windowed
    attention over the text memory (h), sharing one query.

    Step t attends x over [t - x_bw, t] and h over [t, t + h_bw]. The x keys and values are
    projections of the layer-normed inputs, so an incremental decoder caches them
    (pnca_steps.py computes the same function one step at a time).
    """

    def __init__(self, d_model: int, d_mem: int, arch: AttentionArch, dropout: float = 0.1):
        super().__init__()
        self.arch = arch
        width = arch.n_head * arch.d_head
        self.layer_norm = layer_norm(d_model)
        self.w_x_qkv = nn.Linear(d_model, 3 * width)
        self.fc_x = nn.Linear(width, d_model)
        self.w_h_kv = nn.Linear(d_mem, 2 * width)
        self.fc_h = nn.Linear(width, d_model)
        self.dropout = nn.Dropout(dropout)

    def memory_kv(self, memory: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys and values of the memory, (B, H, N, d) each; computed once per utterance."""
        k, v = self.w_h_kv(memory).chunk(2, dim=-1)
        return split_heads(k, self.arch.n_head), split_heads(v, self.arch.n_head)

    def forward(self, x, memory, x_mask, h_mask) -> torch.Tensor:
        """Parallel (teacher-forced) form. x (B, N, C); masks (B or 1, N, N) True = excluded."""
        n_head, temp = self.arch.n_head, self.arch.temperature
        q, k, v = self.w_x_qkv(self.layer_norm(x)).chunk(3, dim=-1)
        q = split_heads(q, n_head)
        h_k, h_v = self.memory_kv(memory)
        out_x = attend(q, split_heads(k, n_head), split_heads(v, n_head), temp, x_mask[:, None])
        out_h = attend(q, h_k, h_v, temp, h_mask[:, None])
        out = self.fc_x(merge_heads(out_x)) + self.fc_h(merge_heads(out_h))
        return self.dropout(out) + x
