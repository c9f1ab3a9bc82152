"""Building blocks shared by the Sambert parts: prenets, conv feed-forwards, FSMN, tables.

Attribute names follow the KAN-TTS state_dict keys (FORMAT.md §3), so checkpoints load
without renaming. Masks are True on padded positions, as in KAN-TTS.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from compress.models.arch import FsmnArch

LN_EPS = 1e-6


def layer_norm(dim: int) -> nn.LayerNorm:
    return nn.LayerNorm(dim, eps=LN_EPS)


def zero_masked(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Zero the padded time steps of a (B, T, C) tensor."""
    return x if mask is None else x.masked_fill(mask.unsqueeze(-1), 0.0)


def sinusoid_table(n_position: int, depth: int) -> torch.Tensor:
    """The encoder's fixed position table (1, n, depth): sin halves then cos halves.

    angle(p, j) = p / 10000^(j / (depth/2 - 1)) with p = 1..n, computed in float64 as the
    original does, then stored as float32.
    """
    half = depth // 2
    positions = np.arange(1, n_position + 1, dtype=np.float64)[:, None]
    rates = np.power(10000.0, np.arange(half, dtype=np.float64) / float(depth / 2 - 1))
    angles = positions / rates[None, :]
    table = np.zeros((n_position, depth), dtype=np.float64)
    table[:, :half] = np.sin(angles)
    table[:, half:] = np.cos(angles)
    return torch.from_numpy(table).float().unsqueeze(0)


def sinusoid_rows(n_position: torch.Tensor | int, depth: int) -> torch.Tensor:
    """The same table computed by torch ops in float64 (1, n, depth) float32: traced, it is a
    graph of a few ops instead of a stored table, with `n` dynamic."""
    half = depth // 2
    positions = torch.arange(1, n_position + 1, dtype=torch.float64)[:, None]
    rates = torch.pow(10000.0, torch.arange(half, dtype=torch.float64) / float(depth / 2 - 1))
    angles = positions / rates[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1).float().unsqueeze(0)


def dur_inv_timescales(depth: int) -> torch.Tensor:
    """inv_timescales[i] = 10000^(2*(i//2)/depth) of the duration position encoder."""
    return torch.tensor(
        [math.pow(10000, 2 * (i // 2) / depth) for i in range(depth)], dtype=torch.float32
    )


class Prenet(nn.Module):
    """Linear+ReLU+Dropout(0.5) stack; ReLU and Dropout occupy list slots (keys fcs.0, .3, .6)."""

    def __init__(self, in_units: int, units: list[int], out_units: int = 0):
        super().__init__()
        layers: list[nn.Module] = []
        for d_in, d_out in zip([in_units] + units[:-1], units):
            layers += [nn.Linear(d_in, d_out), nn.ReLU(), nn.Dropout(0.5)]
        if out_units:
            layers.append(nn.Linear(units[-1], out_units))
        self.fcs = nn.ModuleList(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.fcs:
            x = layer(x)
        return x


class ConvFeedForward(nn.Module):
    """Pre-LN position-wise conv FFN with residual (`pos_ffn` of FFT and PNCA blocks)."""

    def __init__(self, d_model: int, d_inner: int, kernel_sizes=(3, 1), dropout: float = 0.1):
        super().__init__()
        k1, k2 = kernel_sizes
        self.layer_norm = layer_norm(d_model)
        self.w_1 = nn.Conv1d(d_model, d_inner, k1, padding=(k1 - 1) // 2)
        self.w_2 = nn.Conv1d(d_inner, d_model, k2, padding=(k2 - 1) // 2)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        h = F.relu(self.w_1(self.layer_norm(x).transpose(1, 2)))
        if mask is not None:
            h = h.masked_fill(mask.unsqueeze(1), 0.0)
        h = self.dropout(self.w_2(self.dropout(h)).transpose(1, 2))
        return h + x


class FsmnFeedForward(nn.Module):
    """FSMN's kernel-1 FFN: w_1 + ReLU, then w_2 without bias."""

    def __init__(self, d_in: int, d_inner: int, d_out: int, dropout: float = 0.1):
        super().__init__()
        self.w_1 = nn.Conv1d(d_in, d_inner, 1)
        self.w_2 = nn.Conv1d(d_inner, d_out, 1, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.dropout(F.relu(self.w_1(x.transpose(1, 2))))
        return self.w_2(h).transpose(1, 2)


class MemoryBlock(nn.Module):
    """Depthwise conv over time plus its own input; `shift` moves the window into the past."""

    def __init__(self, d: int, filter_size: int, shift: int, dropout: float = 0.1):
        super().__init__()
        self.left = int(round((filter_size - 1) / 2)) + max(shift, 0)
        self.right = int((filter_size - 1) / 2) - max(shift, 0)
        self.conv_dw = nn.Conv1d(d, d, filter_size, groups=d, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        x = zero_masked(x, mask)
        padded = F.pad(x.transpose(1, 2), (self.left, self.right))
        out = self.dropout(self.conv_dw(padded).transpose(1, 2) + x)
        return zero_masked(out, mask)


class FsmnEncoder(nn.Module):
    """FsmnEncoderV2: per layer FFN -> memory block -> (+ layer input when widths match)."""

    def __init__(self, d_in: int, arch: FsmnArch, dropout: float = 0.1):
        super().__init__()
        d_mem = arch.d_memory
        self.dropout = dropout
        self.residual = [arch.first_residual] + [True] * (len(arch.d_inner) - 1)
        self.ffn_lst = nn.ModuleList(
            FsmnFeedForward(d_in if i == 0 else d_mem, inner, d_mem, dropout)
            for i, inner in enumerate(arch.d_inner)
        )
        self.memory_block_lst = nn.ModuleList(
            MemoryBlock(d_mem, arch.filter_size, arch.shift, dropout) for _ in arch.d_inner
        )

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        x = F.dropout(x, self.dropout, self.training)
        for ffn, memory_block, residual in zip(self.ffn_lst, self.memory_block_lst, self.residual):
            out = F.dropout(memory_block(ffn(x), mask), self.dropout, self.training)
            x = out + x if residual else out
        return x
