"""Fast one-step-at-a-time PNCA decoding.

Synthesis runs the decoder once per r frames, one frame of batch 1 through every layer, so
its time is reading the weights plus per-operation overhead, not arithmetic (about 0.8 ms of
a step is overhead whatever the width, on the 2-core build machine). This module snapshots
each layer's weights into the fewest operations that compute the same function as the
modules:

* the query rows of w_x_qkv are pre-divided by the temperature;
* x-attention (past steps) and h-attention (memory) read one banded key/value buffer of
  shape (B, H, 2, N + w, d): row 0 holds the cached step keys shifted by w, row 1 the memory
  keys, so step t's two windows are the same slice [t, t + w] of both rows, scored by one
  matmul and normalised by one softmax over the last axis;
* fc_x and fc_h become one linear over the concatenated attention outputs;

and runs a whole step (prenet, every block, output projection) as one TorchScript function,
which calls the same kernels as eager PyTorch (identical results) with less overhead per
operation: 0.6 instead of 0.8 ms of fixed cost per step.

Float results differ from the module form only by rounding (~1e-7).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class _LayerWeights:
    # attention layer norm (weight, bias), q|k|v (w, b) with q pre-scaled, fc_x|fc_h (w, b)
    # with columns ordered (head, x|h, dim), FFN layer norm (weight, bias), w_1 (w, b), w_2 (w, b)
    tensors: list[torch.Tensor]
    eps: tuple[float, float]  # of the two layer norms
    n_head: int


def step_weights(block) -> _LayerWeights:
    """One PNCA block's weights, re-packed for decoding (compress/units/compute.py counts through here)."""
    attn, ffn = block.pnca_attn, block.pos_ffn
    n_head, temp = attn.arch.n_head, attn.arch.temperature
    width = attn.fc_x.in_features
    scale = torch.ones(3 * width)
    scale[:width] = 1.0 / temp
    d_model = attn.fc_x.out_features
    fc_w = torch.stack([attn.fc_x.weight.view(d_model, n_head, -1),
                        attn.fc_h.weight.view(d_model, n_head, -1)], dim=2).reshape(d_model, -1)
    tensors = [attn.layer_norm.weight, attn.layer_norm.bias,
               attn.w_x_qkv.weight * scale[:, None], attn.w_x_qkv.bias * scale,
               fc_w, attn.fc_x.bias + attn.fc_h.bias,
               ffn.layer_norm.weight, ffn.layer_norm.bias,
               ffn.w_1.weight[:, :, 0], ffn.w_1.bias, ffn.w_2.weight[:, :, 0], ffn.w_2.bias]
    return _LayerWeights(tensors, (attn.layer_norm.eps, ffn.layer_norm.eps), n_head)


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
    n, width = memory.shape[1], max(x_bw, h_bw)
    layers = [step_weights(block) for block in decoder.pnca]
    keys, values = _kv_buffers(decoder, layers, memory, width)
    weights = _step_weights_arguments(decoder, layers)
    mask = _band_mask(n, x_bw, h_bw, width, memory.device)
    step = _compiled_step()
    frame = memory.new_zeros(memory.shape[0], decoder.num_mels)
    for t in range(n):
        with _one_thread():
            out = step(frame, memory[:, t], t, width, decoder.scale, *weights, keys, values, mask[t])
        frame = out[:, -decoder.num_mels :]
        yield out


def _kv_buffers(decoder, layers: list[_LayerWeights], memory: torch.Tensor, width: int):
    """Per block, the banded (B, H, 2, N + w, d) key and value buffers, memory rows filled."""
    b, n, _ = memory.shape
    keys, values = [], []
    for block, lw in zip(decoder.pnca, layers):
        h_k, h_v = block.pnca_attn.memory_kv(memory)  # (B, H, N, d)
        keys.append(memory.new_zeros(b, lw.n_head, 2, n + width, h_k.shape[-1]))
        values.append(memory.new_zeros(b, lw.n_head, 2, n + width, h_k.shape[-1]))
        keys[-1][:, :, 1, :n], values[-1][:, :, 1, :n] = h_k, h_v
    return keys, values


def _step_weights_arguments(decoder, layers: list[_LayerWeights]) -> tuple:
    """(prenet, ends, layers, n_heads, eps) as _decoder_step takes them."""
    prenet = [t for layer in decoder.prenet.fcs if isinstance(layer, torch.nn.Linear)
              for t in (layer.weight, layer.bias)]
    ends = [decoder.dec_in_proj.weight, decoder.dec_in_proj.bias, decoder.ln.weight, decoder.ln.bias,
            decoder.dec_out_proj.weight, decoder.dec_out_proj.bias]
    eps = [e for lw in layers for e in lw.eps] + [decoder.ln.eps]
    return prenet, ends, [lw.tensors for lw in layers], [lw.n_head for lw in layers], eps


@contextmanager
def _one_thread():
    """Run a step on one intra-op thread. Its operations are too small to share: with the
    sleeping OpenMP workers the CLI asks for (cli.py), waking the second thread for each of
    them made a 16 kHz step 4.1 ms against 2.8 ms on one thread (2-core build machine). The
    setting is process-wide, so it is restored before the step's output is handed back (a
    streaming caller vocodes between steps)."""
    threads = torch.get_num_threads()
    if threads > 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if threads > 1:
            torch.set_num_threads(threads)


@functools.cache
def _compiled_step():
    """`_decoder_step` compiled by TorchScript on first use, once per process; the plain
    function where TorchScript is unavailable (it is deprecated in favour of torch.compile,
    whose compile time of seconds is too long for a command-line synthesis)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return torch.jit.script(_decoder_step)
    except Exception:  # noqa: BLE001 - any failure to compile leaves the eager form, same results
        return _decoder_step


def _decoder_step(frame: torch.Tensor, memory_t: torch.Tensor, t: int, width: int, scale: float,
                  prenet: list[torch.Tensor], ends: list[torch.Tensor], layers: list[list[torch.Tensor]],
                  n_heads: list[int], eps: list[float], keys: list[torch.Tensor], values: list[torch.Tensor],
                  mask_t: torch.Tensor) -> torch.Tensor:
    """One step: the previous frame through the prenet (ReLU between its linears), the input
    projection, every block (attention then FFN, each pre-norm with a residual), the final
    norm and the output projection. Argument layout: see decode_steps and _LayerWeights."""
    x = frame
    count = len(prenet) // 2
    for i in range(count):
        x = F.linear(x, prenet[2 * i], prenet[2 * i + 1])
        if i < count - 1:
            x = F.relu(x)
    x = F.linear(torch.cat([memory_t, x], dim=-1), ends[0], ends[1]) * scale
    b = x.shape[0]
    window_end = t + width + 1
    for i in range(len(layers)):
        w = layers[i]
        y = F.layer_norm(x, [x.shape[-1]], w[0], w[1], eps[2 * i])
        qkv = F.linear(y, w[2], w[3]).view(b, 3, n_heads[i], -1)
        cached_k, cached_v = keys[i], values[i]
        cached_k[:, :, 0, t + width] = qkv[:, 1]
        cached_v[:, :, 0, t + width] = qkv[:, 2]
        scores = torch.matmul(qkv[:, 0, :, None, None, :], cached_k[:, :, :, t:window_end].transpose(-1, -2))
        probs = torch.softmax(scores + mask_t, dim=-1)  # (B, H, 2, 1, w+1)
        att = torch.matmul(probs, cached_v[:, :, :, t:window_end])  # (B, H, 2, 1, d)
        x = F.linear(att.reshape(b, -1), w[4], w[5]) + x
        y = F.layer_norm(x, [x.shape[-1]], w[6], w[7], eps[2 * i + 1])
        x = F.linear(F.relu(F.linear(y, w[8], w[9])), w[10], w[11]) + x
    x = F.layer_norm(x, [x.shape[-1]], ends[2], ends[3], eps[-1])
    return F.linear(x, ends[4], ends[5])
