"""LSTM gate activations, recomputed from each LSTM's weights and the inputs it was given.

Every call of an `nn.LSTM` during synthesis is recorded (input, initial state, output) with
a forward hook. The gates are then recomputed exactly as nn.LSTM computes them, layer by
layer and direction by direction:

    z_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh,   chunks in the order i, f, g, o
    i, f, o = sigmoid(.),  g = tanh(.),  c_t = f c_{t-1} + i g,  h_t = o tanh(c_t)

and the recomputed h is checked against the LSTM's own output (tests), so the activations
are those the model ran with. The autoregressive duration LSTM is called once per phone
with its carried state; each call is recomputed from the state it received.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn

GATES = ("input", "forget", "cell", "output")


@dataclass
class LstmCall:
    input: torch.Tensor  # (B, T, in) batch first
    state: tuple[torch.Tensor, torch.Tensor] | None
    output: torch.Tensor  # (B, T, directions * hidden)


def _direction_names(lstm: nn.LSTM) -> list[tuple[int, int, str]]:
    """(layer, direction, parameter suffix) in nn.LSTM's state order."""
    directions = 2 if lstm.bidirectional else 1
    return [(layer, d, f"l{layer}" + ("_reverse" if d else "")) for layer in range(lstm.num_layers)
            for d in range(directions)]


@torch.no_grad()
def lstm_gates(lstm: nn.LSTM, x: torch.Tensor, state=None):
    """Gate activations of one call: {suffix: (B, T, 4, hidden) in GATES order} and the
    output (B, T, directions * hidden) they produce. `x` is batch first."""
    if not lstm.batch_first:
        raise ValueError("only batch-first LSTMs are supported")
    if lstm.proj_size:
        raise ValueError("LSTMs with projections are not supported")
    directions = 2 if lstm.bidirectional else 1
    hidden, batch = lstm.hidden_size, x.shape[0]
    gates, layer_in, outputs = {}, x, []
    for layer, d, suffix in _direction_names(lstm):
        slot = layer * directions + d
        h = x.new_zeros(batch, hidden) if state is None else state[0][slot]
        c = x.new_zeros(batch, hidden) if state is None else state[1][slot]
        w_hh, b_hh = getattr(lstm, f"weight_hh_{suffix}"), getattr(lstm, f"bias_hh_{suffix}", None)
        pre = layer_in @ getattr(lstm, f"weight_ih_{suffix}").T
        bias = getattr(lstm, f"bias_ih_{suffix}", None)
        if bias is not None:
            pre = pre + bias + b_hh
        steps = range(x.shape[1] - 1, -1, -1) if d else range(x.shape[1])
        acts, hs = [None] * x.shape[1], [None] * x.shape[1]
        for t in steps:
            i, f, g, o = (pre[:, t] + h @ w_hh.T).chunk(4, dim=-1)
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c = f * c + i * g
            h = o * torch.tanh(c)
            acts[t], hs[t] = torch.stack([i, f, g, o], dim=1), h
        gates[suffix] = torch.stack(acts, dim=1)
        outputs.append(torch.stack(hs, dim=1))
        if d == directions - 1:
            layer_in = torch.cat(outputs, dim=-1)
            outputs = []
    return gates, layer_in


@contextmanager
def recorded_calls(module: nn.Module) -> Iterator[dict[str, list[LstmCall]]]:
    """Within the block, every call of every nn.LSTM inside `module`, by qualified name."""
    calls: dict[str, list[LstmCall]] = {}
    handles = []
    for name, lstm in module.named_modules():
        if isinstance(lstm, nn.LSTM):
            calls[name] = []

            def hook(mod, args, output, name=name):
                if isinstance(args[0], nn.utils.rnn.PackedSequence):
                    raise ValueError(f"{name}: packed sequences are not recorded (batch 1 synthesis is)")
                state = args[1] if len(args) > 1 else None
                calls[name].append(LstmCall(args[0].detach(), None if state is None else
                                            tuple(s.detach() for s in state), output[0].detach()))

            handles.append(lstm.register_forward_hook(hook))
    try:
        yield calls
    finally:
        for handle in handles:
            handle.remove()
