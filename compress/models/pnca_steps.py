"""Fast one-step-at-a-time PNCA decoding.

Synthesis runs the decoder once per r frames, one frame of batch 1 through every layer, so
its time is per-operation overhead, not arithmetic. This module snapshots each layer's
weights into the fewest operations that compute the same function as the modules:

* the query rows of w_x_qkv are pre-divided by the temperature;
* x-attention (past steps) and h-attention (memory) read one banded key/value buffer of
  shape (B, H, 2, N + w, d): row 0 holds the cached step keys shifted by w, row 1 the memory
  keys, so step t's two windows are the same slice [t, t + w] of both rows, scored by one
  matmul and normalised by one softmax over the last axis;
* fc_x and fc_h become one linear over the concatenated attention outputs.

Float results differ from the module form only by rounding (~1e-7).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class _LayerWeights:
    ln: tuple  # (weight, bias, eps) of the attention's layer norm
    qkv_w: torch.Tensor
    qkv_b: torch.Tensor
    n_head: int
    fc_w: torch.Tensor  # (d_model, H*2*d): columns ordered (head, x|h, dim)
    fc_b: torch.Tensor
    ffn_ln: tuple
    w1: torch.Tensor
    b1: torch.Tensor
    w2: torch.Tensor
    b2: torch.Tensor


def step_weights(block) -> _LayerWeights:
    """One PNCA block's weights, re-packed for decoding (prune/cost.py counts through here)."""
    attn, ffn = block.pnca_attn, block.pos_ffn
    n_head, temp = attn.arch.n_head, attn.arch.temperature
    width = attn.fc_x.in_features
    scale = torch.ones(3 * width)
    scale[:width] = 1.0 / temp
    d_model = attn.fc_x.out_features
    fc_w = torch.stack([attn.fc_x.weight.view(d_model, n_head, -1),
                        attn.fc_h.weight.view(d_model, n_head, -1)], dim=2).reshape(d_model, -1)
    return _LayerWeights(
        ln=(attn.layer_norm.weight, attn.layer_norm.bias, attn.layer_norm.eps),
        qkv_w=attn.w_x_qkv.weight * scale[:, None], qkv_b=attn.w_x_qkv.bias * scale, n_head=n_head,
        fc_w=fc_w, fc_b=attn.fc_x.bias + attn.fc_h.bias,
        ffn_ln=(ffn.layer_norm.weight, ffn.layer_norm.bias, ffn.layer_norm.eps),
        w1=ffn.w_1.weight[:, :, 0], b1=ffn.w_1.bias, w2=ffn.w_2.weight[:, :, 0], b2=ffn.w_2.bias,
    )


def _band_mask(n: int, x_bw: int, h_bw: int, width: int, device) -> torch.Tensor:
    """Additive (n, 1, 2, 1, width + 1) mask: step t may see x steps t-x_bw..t, stored at
    offsets j = w - (t - s), and memory steps t..t+h_bw, stored at offsets j = s - t."""
    t = torch.arange(n, device=device)[:, None]
    j = torch.arange(width + 1, device=device)[None, :]
    x_ok = (j >= width - x_bw) & (t - width + j >= 0)
    h_ok = (j <= h_bw) & (t + j < n)
    mask = torch.zeros(n, 2, width + 1, device=device)
    mask[:, 0].masked_fill_(~x_ok, float("-inf"))
    mask[:, 1].masked_fill_(~h_ok, float("-inf"))
    return mask[:, None, :, None, :]


def decode_steps(decoder, memory: torch.Tensor, x_bw: int, h_bw: int) -> Iterator[torch.Tensor]:
    """Free-running decoding with `decoder` (a HybridAttentionDecoder); yields each step's
    output (B, r * num_mels)."""
    b, n, _ = memory.shape
    width = max(x_bw, h_bw)
    layers = [step_weights(block) for block in decoder.pnca]
    buffers = []
    for block, lw in zip(decoder.pnca, layers):
        h_k, h_v = block.pnca_attn.memory_kv(memory)  # (B, H, N, d)
        d = h_k.shape[-1]
        keys = memory.new_zeros(b, lw.n_head, 2, n + width, d)
        values = memory.new_zeros(b, lw.n_head, 2, n + width, d)
        keys[:, :, 1, :n], values[:, :, 1, :n] = h_k, h_v
        buffers.append((keys, values))
    mask = _band_mask(n, x_bw, h_bw, width, memory.device)
    frame = memory.new_zeros(b, decoder.num_mels)
    for t in range(n):
        x = decoder.dec_in_proj(torch.cat([memory[:, t], decoder.prenet(frame)], dim=-1)) * decoder.scale
        for lw, (keys, values) in zip(layers, buffers):
            x = _attend_step(x, t, width, lw, keys, values, mask[t])
            y = F.layer_norm(x, x.shape[-1:], *lw.ffn_ln)
            x = F.linear(F.relu(F.linear(y, lw.w1, lw.b1)), lw.w2, lw.b2) + x
        out = decoder.dec_out_proj(decoder.ln(x))
        frame = out[:, -decoder.num_mels :]
        yield out


def _attend_step(x, t, width, lw: _LayerWeights, keys, values, mask_t):
    b = x.shape[0]
    y = F.layer_norm(x, x.shape[-1:], *lw.ln)
    q, k, v = F.linear(y, lw.qkv_w, lw.qkv_b).view(b, 3, lw.n_head, -1).unbind(1)
    keys[:, :, 0, t + width] = k
    values[:, :, 0, t + width] = v
    window = slice(t, t + width + 1)
    scores = torch.matmul(q[:, :, None, None, :], keys[:, :, :, window].transpose(-1, -2))
    probs = torch.softmax(scores + mask_t, dim=-1)  # (B, H, 2, 1, w+1)
    att = torch.matmul(probs, values[:, :, :, window])  # (B, H, 2, 1, d)
    return F.linear(att.reshape(b, -1), lw.fc_w, lw.fc_b) + x
