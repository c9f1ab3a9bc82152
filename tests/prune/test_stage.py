"""The prune command end to end on the tiny voice (small calibration and recovery budgets)."""

import json

import pytest
import torch

from compress.checkpoint import load_checkpoint, voice_tensors
from compress.loading import load_voice
from compress.prune.allocate import kept_count
from tests.conftest import NSF_TINY, TINY

FAST = ["prune.calibration_sentences=2", "prune.measure_sentences=1", "prune.passes=1",
        "prune.fractions=[0.25,0.5,0.75]", "prune.recovery.steps=2", "prune.recovery.sentences=2",
        "prune.recovery.vocoder_steps=2", "prune.recovery.vocoder_batch=2"]


def prune_fast(voice, out):
    """`prune` at 0.7 with the small budgets, through the CLI; returns the stage dir."""
    from compress.cli import app
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["prune", "--voice", str(voice), "--out", str(out),
                                      "prune.target_params=0.7", *FAST])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def pruned_dir(tmp_path_factory):
    return prune_fast(TINY / "voices", tmp_path_factory.mktemp("prune") / "01-prune")


def test_target_heads_and_lstms(pruned_dir, tiny_voice):
    manifest = json.loads((pruned_dir / "manifest.json").read_text())["history"][-1]
    assert abs(manifest["totals"]["params_kept"] - 0.7) <= 0.02
    pruned = load_checkpoint(pruned_dir)
    for before, after in zip(tiny_voice.am.arch.encoder_attn + tiny_voice.am.arch.decoder_attn,
                             pruned.am.arch.encoder_attn + pruned.am.arch.decoder_attn):
        assert after.n_head == before.n_head and after.d_head == kept_count(before.d_head, 0.6)
        assert after.temperature == before.temperature
    rows = {row["group"]: row for row in manifest["changes"]}
    assert all(len(block) == row["before"] - row["after"] for row in rows.values() if "removed" in row
               for block in row["removed"])
    assert manifest["config"]["values"]["target_params"] == 0.7 and "prune.target_params=0.7" in manifest["overrides"]
    assert {"predicted_db", "db_before_recovery", "db_after_recovery"} <= set(manifest["metrics"])
    assert "# Prune stage" in (pruned_dir / "report.md").read_text()


def test_revert_gives_the_parent_back(pruned_dir, tiny_voice, cli, tmp_path):
    assert cli("revert", "--voice", pruned_dir, "--out", tmp_path / "parent").code == 0
    restored = voice_tensors(load_voice(tmp_path / "parent"))  # the KAN-TTS dir again
    original = voice_tensors(tiny_voice)
    assert restored.keys() == original.keys() and all(torch.equal(restored[k], original[k]) for k in original)


def test_stage_dir_synthesizes(pruned_dir, cli, tmp_path):
    res = cli("synth", "--voice", pruned_dir, "--text", "今天天气很好。", "--out", tmp_path / "a.wav")
    assert res.code == 0, res.stderr


@pytest.mark.parametrize("args, message", [
    (["prune.target_paramz=0.5"], "Could not override 'prune.target_paramz'"),
    (["+prune.bogus=1"], "unknown recipe key prune.bogus"),
    (["prune.target_params=1.5"], r"target_params must be in \(0, 1\]"),
    (["prune.target_params=0"], r"target_params must be in \(0, 1\]"),
    (["prune.protect=[am.nothing.here]"], "protect pattern 'am.nothing.here' matches no prunable layer"),
    (["stray"], "unexpected argument 'stray'"),
])
def test_bad_recipes(cli, tmp_path, args, message):
    import re

    res = cli("prune", "--voice", TINY / "voices", "--out", tmp_path / "p", *args, *FAST)
    assert res.code == 2 and re.search(message, res.stderr), res.stderr
    assert not (tmp_path / "p").exists()


def test_tampered_stage_dir_is_refused(pruned_dir, tmp_path, cli):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(pruned_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["weights_sha256"] = manifest["history"][-1]["output_sha256"] = "f" * 64
    (copy / "manifest.json").write_text(json.dumps(manifest))
    res = cli("synth", "--voice", copy, "--text", "你好。", "--out", tmp_path / "x.wav")
    assert res.code == 2 and "manifest.json does not match its weights" in res.stderr


def test_speed_preset_cuts_stage_channels_and_keeps_the_target(cli, tmp_path, tiny_voice):
    out = tmp_path / "speed"
    res = cli("prune", "--voice", TINY / "voices", "--out", out, "prune=speed", "prune.target_params=0.8", *FAST)
    assert res.code == 0, res.stderr
    manifest = json.loads((out / "manifest.json").read_text())["history"][-1]
    assert abs(manifest["totals"]["params_kept"] - 0.8) <= 0.02
    changed = {row["group"] for row in manifest["changes"] if row["after"] != row["before"]}
    assert not {g for g in changed if ".res." in g}  # residual-block convs are protected
    assert manifest["config"]["values"]["load_macs"] == 20.0 and manifest["metrics"]["macs_kept"] < 1.0


def test_export_kantts_widens_the_prune_back_and_computes_the_same(pruned_dir, cli, tmp_path, tiny_voice):
    """A pruned stage written as a KAN-TTS voice dir: the released widths again (removed units
    zero), weight norm unfolded without NaN, and the same mel and waveform."""
    from compress.models.voice_dir import latest_checkpoint
    from compress.synthesis import encode_lines, synthesize
    from compress.models.symbols import parse_tokens

    res = cli("export-kantts", "--voice", pruned_dir, "--out", tmp_path / "kantts")
    assert res.code == 0, res.stderr
    state = torch.load(latest_checkpoint(tmp_path / "kantts" / "voc" / "ckpt"), weights_only=True)["model"]["generator"]
    assert any(k.endswith("weight_g") for k in state) and all(torch.isfinite(v).all() for v in state.values())
    exported, pruned = load_voice(tmp_path / "kantts"), load_checkpoint(pruned_dir)
    assert exported.am.arch == tiny_voice.am.arch and exported.vocoder.arch == tiny_voice.vocoder.arch
    line = [parse_tokens("{n_c$tone2$s_begin$word_begin$emotion_neutral$F7} {i_c$tone2$s_end$word_end$emotion_neutral$F7}")]
    a = synthesize(exported, encode_lines(exported, line))
    b = synthesize(pruned, encode_lines(pruned, line))
    assert a.wav.shape == b.wav.shape and float(abs(a.wav - b.wav).max()) < 1e-5


@pytest.fixture(scope="module")
def nsf_pruned_dir(tmp_path_factory):
    return prune_fast(NSF_TINY / "voices", tmp_path_factory.mktemp("prune-nsf") / "01-prune")


def test_nsf_prune_cuts_source_downs_with_their_stage(nsf_pruned_dir, nsf_voice):
    pruned = load_checkpoint(nsf_pruned_dir)
    arch = pruned.vocoder.arch
    assert arch.nsf and pruned.am.arch.f0_norm == nsf_voice.am.arch.f0_norm
    assert arch.stage_channels != nsf_voice.vocoder.arch.stage_channels  # some stage was cut
    assert [d.conv1d.out_channels for d in pruned.vocoder.source_downs] == arch.stage_channels[1:]


def test_nsf_revert_gives_the_parent_back(nsf_pruned_dir, nsf_voice, cli, tmp_path):
    assert cli("revert", "--voice", nsf_pruned_dir, "--out", tmp_path / "parent").code == 0
    parent = load_voice(tmp_path / "parent")  # the KAN-TTS dir again, mvn.npy included
    restored, original = voice_tensors(parent), voice_tensors(nsf_voice)
    assert restored.keys() == original.keys() and all(torch.equal(restored[k], original[k]) for k in original)
    assert parent.am.arch == nsf_voice.am.arch and parent.vocoder.arch == nsf_voice.vocoder.arch


def test_nsf_stage_dir_synthesizes_reproducibly(nsf_pruned_dir, cli, tmp_path):
    for name in ("a", "b"):
        res = cli("synth", "--voice", nsf_pruned_dir, "--text", "今天天气很好。", "--seed", "3",
                  "--out", tmp_path / f"{name}.wav")
        assert res.code == 0, res.stderr
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
