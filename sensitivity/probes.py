"""The seed's three probes, each measured the same way on every layer.

* Head masking: every head of every attention layer (encoder self-attention, decoder PNCA)
  is silenced alone (all its q/k/v dimensions, and the PNCA memory k/v: every unit of block h
  of the layer's heads group) and the speech change is measured in dB with the distance of
  the sensitivity curves (measure.Measurer).
* LSTM gate activity: calibration sentences are synthesised free-running (as users hear
  them); for every LSTM (pitch and energy BLSTM, both directions; duration LSTM, both layers;
  post-net LSTM) the gates are recomputed from the recorded inputs (lstm_gates.py). A
  sigmoid gate (input, forget, output) is active when it is more than half open (> 0.5); the
  tanh cell candidate when |g| > 0.5. Activity is the fraction of (time step, unit) values
  that are active. Sambert's decoder has no LSTM: the "decoder-side" figure is the post-net
  LSTM, which runs on the decoder's frames (mean over its four gates).
* Vocoder weights: every conv and transposed-conv weight of the vocoder (biases excluded),
  with weight norm folded (w = g * v / |v|; the Generator holds folded weights, and a
  parametrized conv's `.weight` is the folded one); the share with |w| <= 0.015, overall and
  per layer, and histograms.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from compress.models.symbols import EncodedSymbols
from compress.models.voice import Voice
from compress.units.groups import UnitGroup
from compress.synthesis import acoustic
from sensitivity.lstm_gates import GATES, lstm_gates, recorded_calls
from sensitivity.masking import whole_block
from sensitivity.measure import Measurer

Progress = Callable[[str, int, int], None]
SIGMOID_ACTIVE = 0.5
TANH_ACTIVE = 0.5
HISTOGRAM_RANGE = 0.1
HISTOGRAM_BINS = 100
DECODER_SIDE_LSTM = "am.mel_postnet.lstm"
_HEADS = re.compile(r"am\.(encoder|decoder)\.(\d+)\.heads$")


# --- head masking ---------------------------------------------------------------------------

def head_groups(groups: list[UnitGroup]) -> list[UnitGroup]:
    """Attention layers in model order: encoder layers, then decoder layers."""
    found = [(m.group(1) != "encoder", int(m.group(2)), g) for g in groups if (m := _HEADS.match(g.name))]
    return [g for _, _, g in sorted(found, key=lambda t: t[:2])]


def head_probe(measurer: Measurer, groups: list[UnitGroup], progress: Progress | None = None) -> dict[str, list[float]]:
    """Heads group name -> dB change when each head alone is masked."""
    layers = head_groups(groups)
    total, done, out = sum(g.blocks for g in layers), 0, {}
    for group in layers:
        out[group.name] = []
        for head in range(group.blocks):
            out[group.name].append(measurer.masked_distance(group, whole_block(group, head)))
            done += 1
            if progress:
                progress("head masking", done, total)
    return out


def head_summary(head_db: dict[str, list[float]], threshold_db: float, last_encoder: int = 2) -> dict:
    """Share of heads under the threshold, per layer, over all, and in the last encoder layers."""
    per_layer = {name: sum(d < threshold_db for d in dbs) / len(dbs) for name, dbs in head_db.items()}
    encoder = [name for name in head_db if name.startswith("am.encoder.")]
    last = encoder[-last_encoder:]

    def share(names):
        values = [d for n in names for d in head_db[n]]
        return sum(d < threshold_db for d in values) / len(values) if values else None

    return {"threshold_db": threshold_db, "per_layer": per_layer, "all_layers": share(list(head_db)),
            "encoder": share(encoder), "decoder": share([n for n in head_db if n.startswith("am.decoder.")]),
            "last_encoder_layers": last, "last_encoder_share": share(last)}


# --- LSTM gate activity ---------------------------------------------------------------------

def _active(acts: torch.Tensor) -> torch.Tensor:
    """(B, T, 4, H) activations -> (4,) active counts, in GATES order."""
    sig = acts > SIGMOID_ACTIVE
    tanh = acts.abs() > TANH_ACTIVE
    active = torch.stack([sig[:, :, 0], sig[:, :, 1], tanh[:, :, 2], sig[:, :, 3]], dim=2)
    return active.sum(dim=(0, 1, 3))


def gate_activity(voice: Voice, calibration: list[EncodedSymbols], progress: Progress | None = None) -> dict:
    """{"am.<lstm>": {"l0" | "l0_reverse" | "l1": {gate: active fraction}}}, and per-LSTM means."""
    counts: dict[str, dict[str, torch.Tensor]] = {}
    sizes: dict[str, dict[str, int]] = {}
    lstms = {name: m for name, m in voice.am.named_modules() if isinstance(m, nn.LSTM)}
    for index, symbols in enumerate(calibration):
        with recorded_calls(voice.am) as calls:
            acoustic(voice, symbols)
        for name, records in calls.items():
            for call in records:
                gates, _ = lstm_gates(lstms[name], call.input, call.state)
                for suffix, acts in gates.items():
                    slot = counts.setdefault(f"am.{name}", {})
                    slot[suffix] = slot.get(suffix, 0) + _active(acts)
                    size = sizes.setdefault(f"am.{name}", {})
                    size[suffix] = size.get(suffix, 0) + acts.shape[0] * acts.shape[1] * acts.shape[3]
        if progress:
            progress("LSTM gates", index + 1, len(calibration))
    layers = {name: {suffix: {gate: float(c[k]) / sizes[name][suffix] for k, gate in enumerate(GATES)}
                     for suffix, c in per.items()} for name, per in counts.items()}
    means = {name: float(np.mean([v for g in per.values() for v in g.values()])) for name, per in layers.items()}
    overall = float(np.mean([v for per in layers.values() for g in per.values() for v in g.values()]))
    return {"definition": {"sigmoid_active_above": SIGMOID_ACTIVE, "tanh_active_abs_above": TANH_ACTIVE},
            "layers": layers, "per_lstm": means, "all_lstms": overall,
            "decoder_side_lstm": DECODER_SIDE_LSTM, "decoder_side": means.get(f"{DECODER_SIDE_LSTM}")}


# --- vocoder weight distribution ------------------------------------------------------------

def vocoder_convs(voice: Voice) -> dict[str, torch.Tensor]:
    """Every conv weight of the vocoder, weight norm folded, by module name ("voc.<name>")."""
    return {f"voc.{name}": m.weight.detach() for name, m in voice.vocoder.named_modules()
            if isinstance(m, (nn.Conv1d, nn.ConvTranspose1d))}


def conv_stage(name: str, kernels: int) -> str:
    """The vocoder part a conv belongs to: "conv_pre", "stage i" (its upsampling convs,
    residual blocks and an NSF vocoder's source_downs conv), "conv_post" or "source_module"."""
    parts = name.split(".")
    if parts[1] in ("conv_pre", "conv_post", "source_module"):
        return parts[1]
    index = int(parts[2])
    return f"stage {index // kernels if parts[1] == 'conv_blocks' else index}"


def vocoder_weights(voice: Voice, threshold: float = 0.015) -> dict:
    edges = np.linspace(-HISTOGRAM_RANGE, HISTOGRAM_RANGE, HISTOGRAM_BINS + 1)
    layers, within, total = {}, 0, 0
    kernels = len(voice.vocoder.arch.resblock_kernel_sizes)
    for name, weight in vocoder_convs(voice).items():
        values = weight.double().reshape(-1).numpy()
        inside = int(np.count_nonzero(np.abs(values) <= threshold))
        counts, _ = np.histogram(values, bins=edges)
        layers[name] = {
            "stage": conv_stage(name, kernels), "values": int(values.size), "within": inside, "share": inside / values.size,
            "abs_max": float(np.abs(values).max()), "std": float(values.std()),
            "histogram": counts.tolist(), "below": int((values < -HISTOGRAM_RANGE).sum()),
            "above": int((values > HISTOGRAM_RANGE).sum()),
        }
        within, total = within + inside, total + values.size
    return {"threshold": threshold, "share": within / total if total else None, "values": total,
            "histogram_edges": edges.tolist(), "layers": layers}
