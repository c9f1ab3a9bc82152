"""Running the vocoder from a cached point, so a measurement recomputes only what changed.

`trace` runs `Generator.forward` once and keeps the input of every upsampling stage, the
output of both upsampling branches and of every residual block. `run_from(stage, block)`
then recomputes from that point with the current weights: a masked residual block of the
last stage costs one block and the output conv instead of the whole vocoder. The operations
(and their order) are those of `Generator.stage` and `Generator.forward`, so the result is
bit-for-bit what the whole generator computes (tests/sensitivity/test_measure.py).

An NSF vocoder's excitation is made once, in `trace`, with the draws of a fixed seed, and
reused by `run_from` (no prunable group changes the source module itself).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from compress.models.hifigan import FINAL_LEAKY_SLOPE, Generator
from compress.models.nsf import fixed_draws


@dataclass
class VocoderTrace:
    stage_inputs: list[torch.Tensor]  # x entering stage i; [-1] is the last stage's output
    upsampled: list[torch.Tensor]  # stage i after its two upsampling branches
    blocks: list[list[torch.Tensor]]  # residual-block outputs of stage i
    excitation: torch.Tensor | None = None  # an NSF vocoder's source output


def _upsample(gen: Generator, i: int, x: torch.Tensor, excitation: torch.Tensor | None) -> torch.Tensor:
    x = torch.sin(x) + x
    upsample, rep_act, rep_conv = gen.repeat_upsamples[i]
    up_act, up_conv = gen.transpose_upsamples[i]
    rep = rep_conv(rep_act(upsample(x)))
    if excitation is not None:
        rep = rep + gen.source_downs[i](excitation)
    return rep + up_conv(up_act(x))[..., : rep.shape[-1]]


def _kernels(gen: Generator) -> int:
    return len(gen.arch.resblock_kernel_sizes)


def _mean(outputs: list[torch.Tensor]) -> torch.Tensor:
    out = outputs[0]
    for extra in outputs[1:]:
        out = out + extra
    return out / len(outputs)


def _finish(gen: Generator, x: torch.Tensor) -> torch.Tensor:
    return torch.tanh(gen.conv_post(F.leaky_relu(x, FINAL_LEAKY_SLOPE)))


@torch.no_grad()
def trace(gen: Generator, mel: torch.Tensor, seed: int = 0) -> tuple[torch.Tensor, VocoderTrace]:
    """Vocoder input (1, channels, T) -> (waveform (1, 1, T*hop), the cached intermediates);
    an NSF vocoder draws with `seed`."""
    n = _kernels(gen)
    record = VocoderTrace([], [], [])
    if gen.arch.nsf:
        with fixed_draws(seed):
            record.excitation = gen.source_module(mel[:, -2:-1], mel[:, -1:])
        mel = mel[:, :-2]
    x = gen.conv_pre(mel)
    for i in range(len(gen.arch.upsample_scales)):
        record.stage_inputs.append(x)
        up = _upsample(gen, i, x, record.excitation)
        outputs = [gen.conv_blocks[i * n + k](up) for k in range(n)]
        record.upsampled.append(up)
        record.blocks.append(outputs)
        x = _mean(outputs)
    record.stage_inputs.append(x)
    return _finish(gen, x), record


@torch.no_grad()
def run_from(gen: Generator, mel: torch.Tensor, record: VocoderTrace, stage: int,
             block: int | None = None) -> torch.Tensor:
    """The waveform with the current weights, assuming nothing before (stage, block) changed.

    stage -1 is conv_pre (everything reruns); stage == number of stages is conv_post alone;
    block k: only residual block k of `stage` changed."""
    n, stages = _kernels(gen), len(gen.arch.upsample_scales)
    if stage < 0:
        x = gen.conv_pre(mel[:, :-2] if gen.arch.nsf else mel)
        stage = 0
    else:
        x = record.stage_inputs[stage]
    for i in range(stage, stages):
        if i == stage and block is not None:
            outputs = list(record.blocks[i])
            outputs[block] = gen.conv_blocks[i * n + block](record.upsampled[i])
        else:
            up = _upsample(gen, i, x, record.excitation)
            outputs = [gen.conv_blocks[i * n + k](up) for k in range(n)]
        x = _mean(outputs)
    return _finish(gen, x)
