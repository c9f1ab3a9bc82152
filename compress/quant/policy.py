"""What is quantized: every conv and linear of both models, except precision islands.

Measured on the demo voice (one group fake-quantized at a time, compress/quant/sensitivity.py;
numbers in compress/quant/README.md):

* INT8: every Conv1d, ConvTranspose1d and Linear: encoder projections and FFNs, FSMN
  FFNs and memory (depthwise) convs, pitch/energy embeddings, prenets, the decoder's step
  projections (pnca_steps.py computes with the same fake-quantized weights and inputs),
  the post-net, and the vocoder's convs.
* float: LSTMs (the library's QuantLSTM unrolls every time step in Python, and engines run
  LSTMs in float anyway), embedding tables (lookups: no arithmetic to speed up), attention
  matmuls and softmax (score ranges vary per head and sentence), layer norms.
* islands (`qat.islands`): layers the recipe keeps out of INT8, to run in FP16 on a GPU
  engine (FP32 on CPU).

Layer names are module paths with the voice prefix ("am.mel_postnet.fc",
"voc.conv_blocks.9.convs1.0.conv1d"). Vocoder layers also answer to a stage alias,
"voc.stage.<i>.transpose", "voc.stage.<i>.repeat", "voc.stage.<i>.res.<j>.convs1.<k>",
"voc.conv_pre", "voc.conv_post", and `{last}` in a pattern is the last stage's index
(`{last-1}` the one before it).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from torch import nn

from compress.errors import CompressError
from compress.models.voice import Voice
from compress.quant.modules import FLOAT_TYPES, QUANT_TYPES, weight_axis_for

INT8 = "int8"
ISLAND = "fp16-on-gpu/fp32-on-cpu"
FLOAT = "float"
# Float by policy, with the reason recorded in the precision table.
FLOAT_KINDS = {
    nn.LSTM: "LSTM: not for quality (0.045 dB as INT8 on the demo voice) but because the library's "
             "QuantLSTM unrolls time steps in Python and engines run LSTMs in float",
    nn.Embedding: "embedding: a table lookup, no arithmetic to quantize",
}
ATTENTION_REASON = "attention matmuls q.k and p.v stay float (0.22 dB for the encoder's alone on the demo voice)"


class QatError(CompressError):
    """A QAT recipe does not fit the voice (an island pattern that matches nothing, say)."""


@dataclass
class LayerPlan:
    name: str  # module path with prefix
    kind: str  # Conv1d, ConvTranspose1d, Linear, LSTM, Embedding, attention
    precision: str
    weight_axis: int | None = None
    reason: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def _vocoder_alias(path: str, blocks_per_stage: int) -> str | None:
    """"voc.stage.2.transpose" etc. for a vocoder module path (without the "voc." prefix)."""
    if m := re.fullmatch(r"transpose_upsamples\.(\d+)\.1\.deconv", path):
        return f"voc.stage.{m[1]}.transpose"
    if m := re.fullmatch(r"repeat_upsamples\.(\d+)\.2\.conv1d", path):
        return f"voc.stage.{m[1]}.repeat"
    if m := re.fullmatch(r"conv_blocks\.(\d+)\.(convs[12])\.(\d+)\.conv1d", path):
        block = int(m[1])
        return f"voc.stage.{block // blocks_per_stage}.res.{block % blocks_per_stage}.{m[2]}.{m[3]}"
    if m := re.fullmatch(r"(conv_pre|conv_post)\.conv1d", path):
        return f"voc.{m[1]}"
    return None


def layer_names(voice: Voice) -> dict[str, list[str]]:
    """Every conv/linear (float or already quantized) by module path, with the names a
    pattern may match (the path, and a vocoder layer's stage alias)."""
    names = {}
    blocks = len(voice.vocoder.arch.resblock_kernel_sizes)
    for prefix, model in voice.modules().items():
        for path, module in model.named_modules():
            if isinstance(module, FLOAT_TYPES + QUANT_TYPES):
                full = f"{prefix}.{path}"
                alias = _vocoder_alias(path, blocks) if prefix == "voc" else None
                names[full] = [full] + ([alias] if alias else [])
    return names


def match_islands(patterns: list[str], voice: Voice) -> list[str]:
    """Layers matched by the ordered island patterns (full match on a name or alias);
    a pattern that matches nothing is an error naming it."""
    names = layer_names(voice)
    last = len(voice.vocoder.arch.upsample_scales) - 1
    matched: list[str] = []
    for pattern in patterns:
        text = pattern.replace("{last}", str(last)).replace("{last-1}", str(max(last - 1, 0)))
        try:
            regex = re.compile(text)
        except re.error as err:
            raise QatError(f"qat.islands: {pattern!r} is not a valid regex ({err})") from None
        hits = [layer for layer, aliases in names.items() if any(regex.fullmatch(a) for a in aliases)]
        if not hits:
            raise QatError(f"qat.islands: pattern {pattern!r} matches no conv or linear layer "
                           f"(names look like 'voc.stage.{last}.transpose', 'am.mel_postnet.fc')")
        matched += [h for h in hits if h not in matched]
    return matched


def plan_layers(voice: Voice, islands: list[str], transpose_axis: str) -> list[LayerPlan]:
    """The per-layer precision table: every conv/linear (int8 or island), every LSTM and
    embedding (float), and the attention blocks (their matmuls float)."""
    island_set = set(match_islands(islands, voice))
    plans = []
    for prefix, model in voice.modules().items():
        for path, module in model.named_modules():
            name = f"{prefix}.{path}"
            if isinstance(module, FLOAT_TYPES + QUANT_TYPES):
                kind = next(t.__name__ for t in FLOAT_TYPES if isinstance(module, t))
                if name in island_set:
                    plans.append(LayerPlan(name, kind, ISLAND, reason="precision island (qat.islands)"))
                else:
                    plans.append(LayerPlan(name, kind, INT8, weight_axis_for(module, transpose_axis)))
            elif type(module) in FLOAT_KINDS:
                plans.append(LayerPlan(name, type(module).__name__, FLOAT,
                                       reason=FLOAT_KINDS[type(module)]))
            elif hasattr(module, "w_qkv") or hasattr(module, "w_x_qkv"):
                plans.append(LayerPlan(name, "attention", FLOAT, reason=ATTENTION_REASON))
    return plans


def precision_counts(plans: list[LayerPlan]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for plan in plans:
        counts[plan.precision] = counts.get(plan.precision, 0) + 1
    return counts
