import random

import numpy as np
import pytest
import torch

from compress.checkpoint import load_checkpoint, save_checkpoint, voice_tensors
from compress.origin import import_plain
from compress.models.symbols import encode, parse_tokens
from compress.loading import load_voice
from compress.prune.surgery import PruneError, planned_parameters, remove, removed_units
from compress.units.masking import mask_units
from compress.units.voice_groups import voice_groups
from compress.synthesis import acoustic, vocode
from tests.conftest import reference_dirs


def random_plan(groups, fraction, seed=0):
    rng = random.Random(seed)
    return {g.name: [sorted(rng.sample(range(g.block_size), max(1, int(g.block_size * fraction))))
                     for _ in range(g.blocks)] for g in groups.values()}


def masked_copy(folder, groups, plan):
    voice = load_voice(folder / "voices")
    live = {f"am.{k}": p for k, p in voice.am.named_parameters()}
    live.update({f"voc.{k}": p for k, p in voice.vocoder.named_parameters()})
    with torch.no_grad():
        for name, kept in plan.items():
            mask_units(live, groups[name], removed_units(groups[name], kept))
    return voice


@pytest.mark.parametrize("folder", reference_dirs(), ids=lambda p: p.name)
def test_removal_computes_what_masking_computes(folder):
    voice = load_voice(folder / "voices")
    groups = {g.name: g for g in voice_groups(voice.am.arch, voice.vocoder.arch)}
    plan = random_plan(groups, 0.6)
    small = remove(voice, groups, plan)
    masked = masked_copy(folder, groups, plan)
    ref = np.load(folder / "ref_io.npz")
    symbols = encode(voice.tables, parse_tokens(str(ref["utt1.symbols"])))
    durations = ref["utt1.fixdur.duration_targets"][0]
    a, b = acoustic(small, symbols, durations=durations), acoustic(masked, symbols, durations=durations)
    torch.testing.assert_close(a.mel, b.mel, atol=1e-5, rtol=0)
    torch.testing.assert_close(a.log_durations, b.log_durations, atol=1e-5, rtol=0)
    np.testing.assert_allclose(vocode(small, a.mel), vocode(masked, a.mel), atol=1e-5)
    shapes = {k: t.shape for k, t in voice_tensors(voice).items()}
    assert small.parameter_count() == planned_parameters(groups, plan, shapes) < 0.75 * voice.parameter_count()


def test_pruned_voice_saves_and_loads(tmp_path, tiny_voice):
    groups = {g.name: g for g in voice_groups(tiny_voice.am.arch, tiny_voice.vocoder.arch)}
    small = remove(tiny_voice, groups, random_plan(groups, 0.5, seed=3))
    out = save_checkpoint(small, tmp_path / "small", [import_plain(small)])
    again = load_checkpoint(out)
    assert again.am.arch == small.am.arch and again.vocoder.arch == small.vocoder.arch
    assert again.am.arch.encoder_attn[0].d_head < tiny_voice.am.arch.encoder_attn[0].d_head
    assert again.am.arch.encoder_attn[0].temperature == tiny_voice.am.arch.encoder_attn[0].temperature


@pytest.mark.parametrize("change, message", [
    (lambda p: p.update({"am.nope": [[0]]}), "unknown group 'am.nope'"),
    (lambda p: p.update({"am.encoder.0.heads": [[0]]}), "blocks in the plan"),
    (lambda p: p.update({"am.encoder.0.ffn": [[]]}), "same, non-zero number"),
    (lambda p: p.update({"am.encoder.0.ffn": [[3, 1]]}), "sorted, unique"),
    (lambda p: p.update({"am.encoder.0.ffn": [[0, 99]]}), "sorted, unique"),
])
def test_bad_plans(tiny_voice, change, message):
    groups = {g.name: g for g in voice_groups(tiny_voice.am.arch, tiny_voice.vocoder.arch)}
    plan = {}
    change(plan)
    with pytest.raises(PruneError, match=message):
        remove(tiny_voice, groups, plan)
