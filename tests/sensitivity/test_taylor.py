import numpy as np
import pytest
import torch

from compress.units.masking import mask_units
from compress.train.teacher import teacher_items
from sensitivity.masking import live_tensors
from sensitivity.taylor import _am_outputs, _param_map, taylor_importance, unit_scores

SOME = ["am.encoder.0.ffn", "am.encoder.1.heads", "am.decoder.0.heads", "am.duration.lstm",
        "am.pitch.fsmn.memory", "am.postnet.lstm", "voc.stage.1", "voc.stage.2.res.1.0"]


def test_shapes_and_determinism(tiny_voice, tiny_groups, tiny_calibration):
    groups = list(tiny_groups.values())
    a = taylor_importance(tiny_voice, groups, tiny_calibration[:1], passes=1, seed=3)
    assert list(a) == list(tiny_groups)
    for name, group in tiny_groups.items():
        assert len(a[name]) == group.blocks and all(len(b) == group.block_size for b in a[name])
        assert all(v >= 0 for b in a[name] for v in b)
    some = [tiny_groups[n] for n in SOME]
    again = taylor_importance(tiny_voice, some, tiny_calibration[:1], passes=1, seed=3)
    assert again == {n: a[n] for n in SOME}
    other = taylor_importance(tiny_voice, some, tiny_calibration[:1], passes=1, seed=4)
    assert other != again


def test_zeroed_unit_scores_zero(fresh_voice, tiny_groups, tiny_calibration):
    chosen = {"am.encoder.0.ffn": [[3]], "am.decoder.1.heads": [[], [5]], "am.duration.lstm": [[2], [6]],
              "am.postnet.lstm": [[1]], "voc.stage.0.res.0.0": [[4]], "voc.stage.2": [[1]]}
    with torch.no_grad():
        tensors = live_tensors(fresh_voice)
        for name, removed in chosen.items():
            mask_units(tensors, tiny_groups[name], removed)
    groups = [tiny_groups[n] for n in chosen]
    scores = taylor_importance(fresh_voice, groups, tiny_calibration, passes=2, seed=0)
    for name, removed in chosen.items():
        for block, units in enumerate(removed):
            assert all(scores[name][block][u] == 0.0 for u in units), name
        assert max(max(block) for block in scores[name]) > 0, name  # the others still count


def _scale_unit(tensors, group, block, unit, factor):
    kept = [[unit] if b == block else [] for b in range(group.blocks)]
    for member in group.members:
        if member.producer and member.indices(kept):
            index = torch.tensor(member.indices(kept), dtype=torch.long)
            t = tensors[member.param]
            t.index_copy_(member.dim, index, t.index_select(member.dim, index) * factor)


@pytest.mark.parametrize("part", ["am", "voc"])
def test_score_is_the_derivative_of_removing_the_unit(fresh_voice, tiny_groups, tiny_calibration, part):
    """s_u = sum of w * dL/dw over the unit's producer slices is -dL/dalpha of scaling them by
    (1 - alpha), i.e. (L(1 + alpha) - L(1 - alpha)) / (2 alpha): checked against a central difference for every kind of member layout."""
    voice = fresh_voice
    groups = [tiny_groups[n] for n in SOME if n.startswith(part)]
    item = teacher_items(voice, tiny_calibration[:1])[0]
    gen = torch.Generator().manual_seed(0)
    noise = None

    def loss():
        nonlocal noise
        if part == "am":
            outs = [t for t, _ in _am_outputs(voice, item)]
        else:
            # the waveform itself: smoother than its log spectrum, and the slices are the point
            outs = [voice.vocoder(torch.as_tensor(item["mel"]).T[None]).reshape(-1)]
        if noise is None:
            noise = [torch.randn(t.shape, generator=gen) for t in outs]
        return sum((t * n).sum() for t, n in zip(outs, noise))

    params = _param_map(voice)
    names = sorted({m.param for g in groups for m in g.members if m.producer})
    grads = torch.autograd.grad(loss(), [params[n] for n in names])
    scores = unit_scores(groups, {n: params[n].detach() * g for n, g in zip(names, grads)})
    tensors, alpha = live_tensors(voice), 1e-2
    for group in groups:
        block, unit = np.unravel_index(int(scores[group.name].abs().argmax()), scores[group.name].shape)
        saved = {m.param: tensors[m.param].clone() for m in group.members if m.producer}
        with torch.no_grad():
            _scale_unit(tensors, group, block, unit, 1 - alpha)
            minus = float(loss())
            for k, v in saved.items():
                tensors[k].copy_(v)
            _scale_unit(tensors, group, block, unit, 1 + alpha)
            plus = float(loss())
            for k, v in saved.items():
                tensors[k].copy_(v)
        expected = float(scores[group.name][block, unit])
        assert (plus - minus) / (2 * alpha) == pytest.approx(expected, rel=0.05), group.name


def test_bad_arguments(tiny_voice, tiny_groups, tiny_calibration):
    with pytest.raises(ValueError, match="passes"):
        taylor_importance(tiny_voice, [tiny_groups["am.encoder.0.ffn"]], tiny_calibration, passes=0)
    with pytest.raises(ValueError, match="no calibration"):
        taylor_importance(tiny_voice, [tiny_groups["am.encoder.0.ffn"]], [])
