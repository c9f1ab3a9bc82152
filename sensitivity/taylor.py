"""First-order Taylor importance of every prunable unit (Molchanov et al., 2019).

Score of a unit u on one calibration sentence and one noise draw:

    s_u = sum over the unit's producer slices of  w * dL/dw      (its parameters' w . g)
    importance_u = mean over sentences and draws of s_u ** 2

Producer slices only (the rows or columns whose zeroing silences the unit, exactly what
`mask_units` zeroes); consumer slices are not included. So s_u is the exact first-order term
of the loss change when the unit is removed the way pruning removes it. For a unit behind a
ReLU (FFN and conv channels) it equals Molchanov's activation criterion a * dL/da.

The loss. At the unpruned model the gradient of a loss against the model's own outputs is
zero, so the targets are the model's own outputs f0 plus Gaussian noise, drawn afresh for
every pass: L = 1/2 * sum_t lambda_t * |f_t - (f0_t + eps_t / sqrt(lambda_t))|^2 with
eps ~ N(0, I). At the model, g = -sum_t sqrt(lambda_t) J_t^T eps_t, hence

    E[s_u^2] = sum_t lambda_t * |J_t w_u|^2,

the Gauss-Newton estimate of the increase of sum_t lambda_t * |f_t - f0_t|^2 (twice the
noise-free loss) when the unit is removed: the squared output change, linearised. The
gradient is computed directly as that vector-Jacobian product (one forward pass per sentence,
one backward pass per draw), which is the gradient of the MSE above at the model.

Outputs f_t and weights lambda_t = 1 / (number of values), i.e. mean squared changes:

* acoustic model: the teacher-forced pass (`Sambert.forward`) on the model's own free-running
  outputs (`teacher_items`): post-net mel (normalised units) + phone-level pitch + energy +
  log(d + 1), each a mean over its values. Teacher forcing cuts the path from pitch, energy
  and durations to the mel, so those predictors are scored on their own outputs;
* vocoder: the log-mel in dB (spectra.LogMelDb) of the waveform over the reference's speech
  frames, from the model's own mels. Its importance is a squared dB change (dB^2).

Scores of the two models are in different units: compare units within a group, not across.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch

from compress.models.symbols import EncodedSymbols
from compress.models.voice import Voice
from compress.synthesis import waveform
from compress.units.groups import Member, UnitGroup
from compress.train.batching import collate
from compress.train.teacher import teacher_items
from sensitivity import spectra

Progress = Callable[[str, int, int], None]
Importance = dict[str, list[list[float]]]


def _param_map(voice: Voice) -> dict[str, torch.nn.Parameter]:
    return {f"{prefix}.{key}": p for prefix, module in voice.modules().items()
            for key, p in module.named_parameters()}


@functools.lru_cache(maxsize=4096)
def _unit_index(member: Member, blocks: int, block_size: int, block: int) -> torch.Tensor | None:
    """Indices along member.dim of every unit of `block`, shaped (parts, units); None when
    the member belongs to another block."""
    kept = [list(range(block_size)) if b == block else [] for b in range(blocks)]
    index = member.indices(kept)
    if not index:
        return None
    return torch.tensor(index, dtype=torch.long).view(len(member.parts), block_size)


def unit_scores(groups: list[UnitGroup], products: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """s_u per unit, (blocks, block_size) float64 per group, from w * dL/dw of the producer
    tensors (`products`, by member name; a missing tensor counts as zero)."""
    scores = {}
    for g in groups:
        score = torch.zeros(g.blocks, g.block_size, dtype=torch.float64)
        for member in g.members:
            wg = products.get(member.param) if member.producer else None
            if wg is None:
                continue
            per_index = wg.double().transpose(0, member.dim).reshape(wg.shape[member.dim], -1).sum(dim=1)
            for b in range(g.blocks):
                index = _unit_index(member, g.blocks, g.block_size, b)
                if index is not None:
                    score[b] += per_index[index].sum(dim=0)
        scores[g.name] = score
    return scores


class _Accumulator:
    """Sums s_u ** 2 per unit for a set of groups, from gradients of their producer tensors."""

    def __init__(self, groups: list[UnitGroup], params: dict[str, torch.nn.Parameter]):
        self.groups = groups
        self.names = sorted({m.param for g in groups for m in g.members if m.producer})
        self.inputs = [params[name] for name in self.names]
        self.sums = {g.name: torch.zeros(g.blocks, g.block_size, dtype=torch.float64) for g in groups}
        self.count = 0

    def add(self, grads: tuple[torch.Tensor | None, ...]) -> None:
        products = {name: param.detach() * grad for name, param, grad in zip(self.names, self.inputs, grads)
                    if grad is not None}
        for name, score in unit_scores(self.groups, products).items():
            self.sums[name] += score.square()
        self.count += 1

    def draws(self, outputs: list[tuple[torch.Tensor, float]], passes: int, gen: torch.Generator) -> None:
        """`passes` noise draws against one forward pass's outputs (tensor, lambda)."""
        tensors = [t for t, _ in outputs]
        for _ in range(passes):
            noise = [torch.randn(t.shape, generator=gen, dtype=t.dtype) * lam ** 0.5 for t, lam in outputs]
            self.add(torch.autograd.grad(tensors, self.inputs, noise, retain_graph=True, allow_unused=True))

    def result(self) -> Importance:
        scale = 1.0 / max(self.count, 1)
        return {name: (total * scale).tolist() for name, total in self.sums.items()}


def _am_outputs(voice: Voice, item: dict) -> list[tuple[torch.Tensor, float]]:
    batch = collate([item], voice.am.r)
    out = voice.am(**batch.model_inputs())
    frames, tokens = ~out["frame_mask"], ~out["token_mask"]
    terms = [out["post"][frames], out["pitch"][tokens], out["energy"][tokens], out["log_durations"][tokens]]
    return [(t, 1.0 / t.numel()) for t in terms]


def _voc_outputs(voice: Voice, features: spectra.LogMelDb, mel) -> list[tuple[torch.Tensor, float]]:
    db = features(waveform(voice, torch.as_tensor(mel)))
    speech = spectra.speech_frames(db.detach())
    out = db[speech]
    return [(out, 1.0 / out.numel())]


def part_of(group: UnitGroup) -> str:
    """"am" or "voc": the model a group's parameters belong to."""
    return group.members[0].param.split(".", 1)[0]


def taylor_importance(voice: Voice, groups: list[UnitGroup], calibration: list[EncodedSymbols],
                      passes: int = 4, seed: int = 0, *, vocoder_sentences: int | None = None,
                      progress: Progress | None = None) -> Importance:
    """Group name -> per block, per unit, the expected squared first-order Taylor score.

    `passes` noise draws per sentence; the vocoder sees the first `vocoder_sentences`
    sentences' mels (default all). Deterministic given `seed`; the voice is not modified."""
    if passes < 1:
        raise ValueError(f"passes must be >= 1, got {passes}")
    if not calibration:
        raise ValueError("no calibration sentences")
    params = _param_map(voice)
    frozen = [p for p in params.values() if not p.requires_grad]
    try:
        for p in frozen:
            p.requires_grad_(True)
        with torch.enable_grad():
            return _importance(voice, groups, calibration, passes, seed, vocoder_sentences, progress, params)
    finally:
        for p in frozen:
            p.requires_grad_(False)


def _importance(voice, groups, calibration, passes, seed, vocoder_sentences, progress, params) -> Importance:
    gen = torch.Generator().manual_seed(seed)
    items = teacher_items(voice, calibration)
    am = [g for g in groups if part_of(g) == "am"]
    voc = [g for g in groups if part_of(g) == "voc"]
    result: Importance = {}
    if am:
        acc = _Accumulator(am, params)
        for index, item in enumerate(items):
            acc.draws(_am_outputs(voice, item), passes, gen)
            if progress:
                progress("taylor: acoustic model", index + 1, len(items))
        result.update(acc.result())
    if voc:
        acc = _Accumulator(voc, params)
        features = spectra.LogMelDb(spectra.MelSettings.from_voice(voice))
        mels = [item["mel"] for item in items[:vocoder_sentences]]
        for index, mel in enumerate(mels):
            acc.draws(_voc_outputs(voice, features, mel), passes, gen)
            if progress:
                progress("taylor: vocoder", index + 1, len(mels))
        result.update(acc.result())
    return {g.name: result[g.name] for g in groups}

