"""Multiply-accumulates of a synthesis, per second of audio produced.

Counted at the operator level with torch's FlopCounterMode (every matmul, linear and
convolution, transposed convolutions included, whichever module or function calls them),
plus nn.LSTM modules by forward hooks, because CPU LSTMs run as one fused oneDNN operator
that the counter cannot see: per time step, layer and direction 4 * hidden * (input + hidden)
MACs. Not counted: element-wise work (activations, norms, softmax, additions), embeddings,
and the attention softmax; they are small next to the matmuls. MACs = FLOPs / 2.
"""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager

import torch
from torch import nn


def lstm_macs(module: nn.LSTM, steps: int, batch: int) -> int:
    hidden, dirs = module.hidden_size, 2 if module.bidirectional else 1
    total = 0
    for layer in range(module.num_layers):
        inputs = module.input_size if layer == 0 else hidden * dirs
        total += 4 * hidden * (inputs + hidden) * dirs
    return total * steps * batch


@contextmanager
def count(model: nn.Module):
    """Counts MACs of everything run inside the block on `model`; yields a dict filled at exit."""
    from torch.utils.flop_counter import FlopCounterMode

    found = {"macs": 0, "lstm_macs": 0}

    def hook(module, args, _output):
        x = args[0]
        if isinstance(x, nn.utils.rnn.PackedSequence):
            found["lstm_macs"] += lstm_macs(module, int(x.data.shape[0]), 1)
            return
        batch_first = module.batch_first and x.dim() == 3
        steps = x.shape[1] if batch_first else x.shape[0]
        batch = (x.shape[0] if batch_first else x.shape[1]) if x.dim() == 3 else 1
        found["lstm_macs"] += lstm_macs(module, int(steps), int(batch))

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.LSTM)]
    counter = FlopCounterMode(display=False)
    try:
        with counter:
            yield found
    finally:
        for handle in handles:
            handle.remove()
        found["macs"] = counter.get_total_flops() // 2 + found["lstm_macs"]


def synthesis_macs(voice, encoded: list) -> dict:
    """MACs of free-running synthesis of one sentence's lines: {"am", "voc", "audio_s"}."""
    from compress import synthesis

    # An export runs its graphs in ONNX Runtime, where no hook sees the work: count the same
    # function on its float modules (a copy of the voice without the runtime).
    voice = dataclasses.replace(voice, runtime={}) if getattr(voice, "runtime", None) else voice
    am = voc = samples = 0
    with torch.no_grad():
        for symbols in encoded:
            with count(voice.am) as a:
                out = synthesis.acoustic(voice, symbols)
            with count(voice.vocoder) as v:
                wav = synthesis.vocode(voice, out.mel)
            am, voc, samples = am + a["macs"], voc + v["macs"], samples + len(wav)
    return {"am": am, "voc": voc, "audio_s": samples / voice.sample_rate}
