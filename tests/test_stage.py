"""The stage contract with a small stand-in stage (a fixed pruning plan plus a weight nudge),
so that revert and diff are tested independently of any real stage."""

import json
import random

import pytest
import torch

from compress.checkpoint import load_checkpoint, voice_tensors, weights_sha256
from compress.prune.surgery import remove
from compress.units.voice_groups import voice_groups
from compress.stage import StageContext, StageRecord, revert, run_stage
from tests.conftest import TINY


class NudgeAndPrune:
    name = "test-prune"

    def apply(self, voice, config, ctx):
        groups = {g.name: g for g in voice_groups(voice.am.arch, voice.vocoder.arch)}
        rng = random.Random(0)
        plan = {n: [sorted(rng.sample(range(g.block_size), max(1, g.block_size // 2))) for _ in range(g.blocks)]
                for n, g in groups.items() if n.startswith(("am.encoder", "voc.stage.1"))}
        small = remove(voice, groups, plan)
        with torch.no_grad():
            small.am.mel_postnet.fc.bias.add_(0.5)  # a change that keeps the shape
        changes = [{"group": n, "kept": len(k[0])} for n, k in plan.items()]
        return small, StageRecord(changes=changes, metrics={"x": 1.0}, report="# test\n")


@pytest.fixture
def stage_dir(tmp_path, tiny_voice):
    ctx = StageContext(recipe={"test": True}, overrides=["a=1"], seed=0)
    path, _ = run_stage(NudgeAndPrune(), tiny_voice, {"k": 1}, ctx, tmp_path / "01-test")
    return path


def test_stage_dir_layout_and_manifest(stage_dir, tiny_voice):
    names = sorted(p.name for p in stage_dir.iterdir())
    assert names == ["arch.json", "manifest.json", "model.safetensors", "report.md", "revert.safetensors"]
    manifest = json.loads((stage_dir / "manifest.json").read_text())
    assert manifest["stage"] == "test-prune" and manifest["overrides"] == ["a=1"]
    assert manifest["parent"]["sha256"] == weights_sha256(tiny_voice)
    assert manifest["totals"]["params_after"] < manifest["totals"]["params_before"]
    assert load_checkpoint(stage_dir).parameter_count() == manifest["totals"]["params_after"]


def test_revert_is_bit_exact(tmp_path, stage_dir, tiny_voice, cli):
    res = cli("revert", stage_dir, "--out", tmp_path / "parent")
    assert res.code == 0, res.stderr
    parent = load_checkpoint(tmp_path / "parent")
    original, restored = voice_tensors(tiny_voice), voice_tensors(parent)
    assert original.keys() == restored.keys()
    assert all(torch.equal(original[k], restored[k]) for k in original)
    assert weights_sha256(parent) == json.loads((stage_dir / "manifest.json").read_text())["parent"]["sha256"]


def test_revert_of_a_stage_of_a_stage_restores_the_parent_dir(tmp_path, stage_dir):
    first = load_checkpoint(stage_dir)
    ctx = StageContext(recipe={}, overrides=[], seed=0)
    second, _ = run_stage(NudgeAndPrune(), first, {}, ctx, tmp_path / "02-test")
    back = revert(second, tmp_path / "back")
    for name in ("model.safetensors", "arch.json", "manifest.json"):
        assert (back / name).read_bytes() == (stage_dir / name).read_bytes(), name


def test_tampered_stage_dir_is_refused(tmp_path, stage_dir, cli):
    from safetensors.torch import load_file, save_file

    tensors = load_file(stage_dir / "revert.safetensors")
    key = next(iter(tensors))
    tensors[key] = tensors[key] + 1
    save_file(tensors, stage_dir / "revert.safetensors", metadata={"format": "sambert-compress"})
    res = cli("revert", stage_dir, "--out", tmp_path / "p")
    assert res.code == 2 and "does not match the recorded sha256" in res.stderr
    assert not (tmp_path / "p").exists()


def test_revert_refuses_non_stage_and_existing_output(tmp_path, stage_dir, cli):
    assert "is not a stage dir" in cli("revert", TINY / "voices" / "refvoice", "--out", tmp_path / "x").stderr
    (tmp_path / "exists").mkdir()
    assert "output already exists" in cli("revert", stage_dir, "--out", tmp_path / "exists").stderr


def test_diff_tables(stage_dir, cli):
    res = cli("diff", stage_dir)
    assert res.code == 0 and "am.encoder.0.ffn" in res.stdout and "kept 0." in res.stdout
    res = cli("diff", TINY / "voices", stage_dir)
    assert res.code == 0
    assert "mel_postnet.fc" in res.stdout and "0.5" in res.stdout  # the nudged bias
    assert "pos_ffn.w_1" in res.stdout  # a pruned layer


def test_diff_of_a_plain_voice_needs_two(cli):
    res = cli("diff", TINY / "voices" / "refvoice")
    assert res.code == 2 and "is not a stage dir" in res.stderr
