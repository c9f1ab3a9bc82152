"""How much each part of a voice minds INT8: fake-quantize one group at a time, measure.

    python -m compress.quant.sensitivity [--voice V] [--calib N] [--measure M]

Every group is quantized alone on a copy of the voice (convs and linears with the stage's
quantizers, EMA-calibrated on N text-only sentences of the parent's targets), and its
distance from the float voice is measured in dB over M sentences with the parent's
durations held (sensitivity.measure.voice_distance: log-mel of the waveform, speech frames).
Groups the policy leaves float are measured with a stand-in fake quantization
(per-row INT8 weights, per-tensor INT8 inputs with each call's own max), to show what
quantizing them would cost. Prints one JSON object per group.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import time
from collections.abc import Callable

import torch
from torch import nn

from compress.models import attention
from compress.loading import load_voice
from compress.models.voice import Voice
from compress.emotions import CALIBRATION_ROTATION
from compress.prune.recovery import DISTILLATION_TEXT
from compress.quant import backend
from compress.quant.backend import CalibratorSpec
from compress.quant.calibrate import calibrate, set_phase
from compress.quant.config import DEFAULT_ISLANDS
from compress.quant.policy import INT8, layer_names, match_islands, plan_layers
from compress.quant.swap import swap
from compress.train.teacher import teacher_items
from sensitivity import calibration as calib
from sensitivity.measure import voice_distance

# Conv/linear groups by layer name (module path with prefix); memory convs are their own group.
MEMORY = r"am\..*memory_block_lst\.\d+\.conv_dw"
LAYER_GROUPS = {
    "encoder": lambda n: n.startswith("am.text_encoder."),
    "variance (FFNs, fc, embeddings of pitch/energy, duration prenet)":
        lambda n: n.startswith("am.variance_adaptor.") and not re.fullmatch(MEMORY, n),
    "fsmn memory convs": lambda n: bool(re.fullmatch(MEMORY, n)),
    "decoder (step projections, prenet, FFNs)": lambda n: n.startswith("am.mel_decoder."),
    "postnet": lambda n: n.startswith("am.mel_postnet.") and not re.fullmatch(MEMORY, n),
}


def _fq_dynamic(x: torch.Tensor) -> torch.Tensor:
    peak = float(x.detach().abs().max())
    return x if peak == 0 else backend.fake_quant_per_tensor(x, peak / backend.BOUND)


def _fq_rows(weight: torch.Tensor) -> torch.Tensor:
    quantizer = backend.weight_quantizer(weight, 0)
    backend.set_mode(quantizer, False, True)
    return quantizer(weight).detach()


def quantize_layers(voice: Voice, items: list[dict], keep: Callable[[str], bool], islands: list[str]) -> Voice:
    """A copy with the conv/linear layers that `keep` selects fake-quantized and calibrated."""
    plans = [p for p in plan_layers(voice, islands, "output") if p.precision == INT8 and keep(p.name)]
    quant = copy.deepcopy(voice)
    swap(quant, plans, CalibratorSpec())
    calibrate(quant, items)
    set_phase(quant.am, "frozen")
    set_phase(quant.vocoder, "frozen")
    return quant


def quantize_recurrent_or_tables(voice: Voice, kind: type) -> Voice:
    """A copy with every LSTM (weights per row, inputs per call) or embedding table
    (rows) fake-quantized."""
    quant = copy.deepcopy(voice)
    for module in quant.am.modules():
        if not isinstance(module, kind):
            continue
        for name, param in module.named_parameters():
            if name.startswith("weight"):
                param.data = _fq_rows(param.data)
        if kind is nn.LSTM:
            module.register_forward_pre_hook(lambda m, args: (_fq_dynamic(args[0]),) + tuple(args[1:]))
    return quant


def quantize_encoder_attention(voice: Voice) -> Voice:
    """A copy whose encoder self-attention computes q.k and p.v with INT8 operands (the
    decoder's attention runs in the TorchScript step and is not measured here). The module
    function `attention.attend` is replaced for the copy's encoder calls only."""
    quant = copy.deepcopy(voice)
    original = attention.attend

    def attend(q, k, v, temperature, mask=None):
        scores = torch.matmul(_fq_dynamic(q), _fq_dynamic(k).transpose(-1, -2)) / temperature
        if mask is not None:
            scores = scores.masked_fill(mask, float("-inf"))
        return torch.matmul(_fq_dynamic(torch.softmax(scores, dim=-1)), _fq_dynamic(v))

    def enter(module, args):
        attention.attend = attend

    def leave(module, args, output):
        attention.attend = original

    quant.am.text_encoder.register_forward_pre_hook(enter)
    quant.am.text_encoder.register_forward_hook(leave)
    return quant


def measure_groups(voice: Voice, calib_count: int, measure_count: int, emit: Callable[[dict], None],
                   only: str | None = None) -> None:
    """Every probe (or those whose name contains `only`), one JSON-able row each."""
    texts = calib.read_lines(DISTILLATION_TEXT)
    calibration = calib.from_text(voice, texts, max(calib_count, measure_count), list(voice.tables.speakers),
                                  list(CALIBRATION_ROTATION))
    items = teacher_items(voice, calibration.encoded(calib_count))
    measure = calibration.encoded(measure_count)
    island_names = set(match_islands(DEFAULT_ISLANDS, voice))
    last = str(len(voice.vocoder.arch.upsample_scales) - 1)
    groups = dict(LAYER_GROUPS)
    groups["vocoder (all but the islands)"] = lambda n: n.startswith("voc.") and n not in island_names
    groups[f"vocoder last stage {last} (island)"] = lambda n: n in island_names and "conv_post" not in n
    groups["vocoder conv_post (island)"] = lambda n: n.startswith("voc.conv_post")
    groups["vocoder conv_pre"] = lambda n: n.startswith("voc.conv_pre")
    stages = {name: _vocoder_stage(aliases) for name, aliases in layer_names(voice).items()}
    for stage in range(int(last)):
        groups[f"vocoder stage {stage}"] = lambda n, s=stage: stages.get(n) == s
    groups["everything (default islands float)"] = lambda n: n not in island_names
    groups["everything (no islands)"] = lambda n: True

    def run(name: str, make: Callable[[], Voice]) -> None:
        started = time.perf_counter()
        db = voice_distance(voice, make(), measure)
        emit({"group": name, "db": round(db, 4), "seconds": round(time.perf_counter() - started, 1)})

    probes = {name: (lambda keep=keep: quantize_layers(voice, items, keep, [])) for name, keep in groups.items()}
    probes["LSTMs (stand-in)"] = lambda: quantize_recurrent_or_tables(voice, nn.LSTM)
    probes["embeddings (stand-in)"] = lambda: quantize_recurrent_or_tables(voice, nn.Embedding)
    probes["encoder attention matmuls (stand-in)"] = lambda: quantize_encoder_attention(voice)
    for name, make in probes.items():
        if only is None or only in name:
            run(name, make)


def _vocoder_stage(aliases: list[str]) -> int | None:
    """The upsampling stage of a vocoder layer from its names (None: conv_pre, conv_post, the AM)."""
    found = [re.fullmatch(r"voc\.stage\.(\d+)\..*", a) for a in aliases]
    return next((int(m[1]) for m in found if m), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voice", default=None)
    parser.add_argument("--calib", type=int, default=16)
    parser.add_argument("--measure", type=int, default=4)
    parser.add_argument("--only", default=None, help="run the probes whose name contains this")
    args = parser.parse_args()
    voice = load_voice(args.voice)
    measure_groups(voice, args.calib, args.measure, lambda row: print(json.dumps(row, ensure_ascii=False), flush=True),
                   args.only)


if __name__ == "__main__":
    main()
