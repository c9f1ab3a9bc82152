"""`sambert-compress qat` end to end on the tiny fixture, through the stage contract: the stage
dir loads everywhere a voice loads with its quantizers, reverts bit for bit, and bad recipe
keys are one-line errors that leave nothing behind."""

import json

import pytest
import torch

from compress.checkpoint import voice_tensors
from compress.loading import load_voice
from compress.quant.modules import is_quantized
from tests.conftest import TINY

VOICE = TINY / "voices"
SMALL = ["qat.steps=1", "qat.vocoder_steps=1", "qat.freeze_step=1", "qat.calib_sentences=2",
         "qat.sentences=2", "qat.measure_sentences=1", "qat.vocoder_batch=1"]


@pytest.fixture(scope="module")
def qat_dir(tmp_path_factory):
    from typer.testing import CliRunner

    from compress.cli import app

    out = tmp_path_factory.mktemp("qat") / "02-qat"
    result = CliRunner().invoke(app, ["qat", "--voice", str(VOICE), "--out", str(out), *SMALL])
    assert result.exit_code == 0, result.output
    return out


def test_stage_dir_records_precisions_and_ranges(qat_dir):
    manifest = json.loads((qat_dir / "manifest.json").read_text())
    entry = manifest["history"][-1]
    assert entry["stage"] == "qat" and entry["config"]["type"] == "qat"
    rows = {row["name"]: row for row in entry["changes"]}
    assert rows["voc.conv_post.conv1d"]["precision"] == "fp16-on-gpu/fp32-on-cpu"
    assert any(r["precision"] == "int8" and r.get("input_amax") for r in rows.values())
    arch = json.loads((qat_dir / "arch.json").read_text())
    assert [m["stage"] for m in arch["modes"]] == ["qat"]


def test_loads_with_quantizers_and_synthesizes(qat_dir, cli, tmp_path):
    voice = load_voice(qat_dir)
    assert is_quantized(voice.vocoder.conv_pre.conv1d) and not is_quantized(voice.vocoder.conv_post.conv1d)
    assert any(k.endswith("input_quantizer._amax") for k in voice_tensors(voice))
    res = cli("synth", "--voice", qat_dir, "--text", "今天天气很好。", "--out", tmp_path / "q.wav")
    assert res.code == 0, res.stderr


def test_revert_gives_the_float_parent_bit_for_bit(qat_dir, cli, tmp_path, tiny_voice):
    assert cli("revert", "--voice", qat_dir, "--to", "0", "--format", "project", "--out", tmp_path / "p").code == 0
    original, back = voice_tensors(tiny_voice), voice_tensors(load_voice(tmp_path / "p"))
    assert original.keys() == back.keys() and all(torch.equal(original[k], back[k]) for k in original)


@pytest.mark.parametrize("args, message", [
    (["qat.bogus=1"], "Could not override 'qat.bogus'"),
    (["qat.ema_decay=1.5"], r"ema_decay must be in \(0, 1\)"),
    (["qat.steps=-1"], "steps must be >= 0"),
    (["qat.islands=[nothing\\.here]"], "nothing"),
])
def test_bad_recipe_keys_are_one_line_errors(cli, tmp_path, args, message):
    import re

    res = cli("qat", "--voice", VOICE, "--out", tmp_path / "q", *args)
    assert res.code == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and re.search(message, lines[0]), res.stderr
    assert not (tmp_path / "q").exists()


def test_the_loaded_stage_gives_the_bench_its_precision_rows(qat_dir):
    from eval import precision

    rows = precision.layer_rows(load_voice(qat_dir))
    manifest = json.loads((qat_dir / "manifest.json").read_text())
    recorded = {row["name"]: row["precision"] for row in manifest["history"][-1]["changes"]}
    assert {row["name"]: row["precision"] for row in rows} == recorded
    assert precision.counts(rows)["int8"] > 0 and precision.counts(rows)[precision.ISLAND] > 0
    assert precision.layer_rows(load_voice(VOICE)) is None


def test_the_bench_names_a_qat_stage_fake_quantized(qat_dir):
    from eval.runs import FAKE_INT8, backend

    assert backend(load_voice(qat_dir)) == ("torch", FAKE_INT8)
    assert backend(load_voice(VOICE)) == ("torch", "fp32")
