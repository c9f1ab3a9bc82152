"""Fine-tuning under torchrun: two CPU processes (gloo) compute the gradient one process
computes on the same global batch, a prune run by two processes matches one process, and
rank 0 alone writes. Without torchrun every helper is a no-op."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from compress.train import distributed
from tests.conftest import TINY

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VOICE = TINY / "voices"
# a prune whose recovery trains both parts a few steps (vocoder batch 2: one item per rank)
PRUNE = ["prune.recovery.steps=6", "prune.recovery.vocoder_steps=6", "prune.recovery.vocoder_batch=2",
         "prune.recovery.sentences=8", "prune.calibration_sentences=2", "prune.measure_sentences=1",
         "prune.passes=1", "prune.fractions=[0.5]"]


def _torchrun(*args, nproc=2):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                           f"--nproc_per_node={nproc}", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)


def test_one_process_helpers_are_no_ops():
    assert distributed.world() == 1 and distributed.rank() == 0 and distributed.is_writer()
    assert distributed.my_share([1, 2, 3]) == [1, 2, 3]
    assert distributed.gather_shared(lambda x: x * 10, [1, 2, 3]) == [10, 20, 30]
    module = torch.nn.Linear(2, 2)
    assert distributed.wrap(module) is module
    value = torch.tensor(3.0, requires_grad=True)
    assert float(distributed.global_sum(value)) == 3.0 and not distributed.global_sum(value).requires_grad


def test_two_ranks_compute_the_gradient_of_the_whole_global_batch(tmp_path):
    out = tmp_path / "gradients.json"
    result = _torchrun(HERE / "ddp_gradients.py", out, VOICE)
    assert result.returncode == 0, result.stderr[-3000:]
    got = json.loads(out.read_text())
    assert got["world"] == 2
    # acoustic model: exact up to float summation order (losses normalized by the global counts,
    # each share padded as the whole batch)
    assert got["acoustic"] < 1e-5
    # vocoder: the spectral-convergence term is a ratio of norms over the batch, so the mean of the
    # shares' values is not the whole batch's; measured 7.8e-5
    assert got["vocoder"] < 1e-3


def test_a_prune_by_two_processes_matches_one_and_only_rank_0_writes(tmp_path, cli):
    two, one, untrained = tmp_path / "two", tmp_path / "one", tmp_path / "untrained"
    result = _torchrun("-m", "compress.cli", "prune", "--voice", VOICE, "--out", two, *PRUNE)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr.count("wrote ") == 1  # one rank reports
    assert cli("prune", "--voice", VOICE, "--out", one, *PRUNE).code == 0
    assert cli("prune", "--voice", VOICE, "--out", untrained, "prune.recovery.steps=0", *PRUNE[4:]).code == 0
    a, b, z = (load_file(p / "model.safetensors") for p in (two, one, untrained))
    assert a.keys() == b.keys()
    for part in ("am.", "voc."):
        keys = [k for k in a if k.startswith(part)]

        def norm(x, y):
            return float(torch.sqrt(sum(((x[k] - y[k]).double() ** 2).sum() for k in keys)))

        moved = norm(b, z)
        assert moved > 0
        # the gradients agree (test above); Adam's first steps move by about lr * sign(gradient),
        # and the L1 losses' residuals that start at zero take the sign of rounding noise, so the
        # trained weights agree to within a fifth of what training moved them (measured 10-15 %)
        assert norm(a, b) < 0.2 * moved, part
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "two", "untrained"]


def test_pipeline_nproc_launches_torchrun_and_its_run_is_reused_by_one_process(tmp_path, cli):
    out = tmp_path / "run"
    steps = ["pipeline=quick", "pipeline.steps=[prune]", "prune.recovery.vocoder_batch=2"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "compress.cli", "pipeline", "--voice", str(VOICE), "--out", str(out),
                             "--nproc", "2", *steps], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "launching 2 processes: torchrun --standalone --nproc_per_node=2" in result.stderr
    assert result.stderr.count("prune: running into") == 1
    doc = json.loads((out / "run.json").read_text())
    assert [s["status"] for s in doc["steps"]] == ["done"]
    again = cli("pipeline", "--voice", VOICE, "--out", out, *steps)
    assert again.code == 0 and "prune: unchanged, reusing" in again.stderr


def test_a_qat_by_two_processes_writes_one_stage_with_the_ranges_of_one_process(tmp_path, cli):
    small = ["qat.vocoder_steps=2", "qat.freeze_step=1", "qat.calib_sentences=2", "qat.sentences=4",
             "qat.measure_sentences=1", "qat.vocoder_batch=2"]
    two, one = tmp_path / "two", tmp_path / "one"
    result = _torchrun("-m", "compress.cli", "qat", "--voice", VOICE, "--out", two, *small)
    assert result.returncode == 0, result.stderr[-3000:]
    assert cli("qat", "--voice", VOICE, "--out", one, *small).code == 0
    a, b = load_file(two / "model.safetensors"), load_file(one / "model.safetensors")
    ranges = [k for k in a if k.endswith("input_quantizer._amax")]
    assert ranges and a.keys() == b.keys()
    # calibration is the same pass on every rank; the one QAT batch before the freeze is shared,
    # its statistics averaged over the ranks: the ranges agree closely with one process's
    worst = max(float((a[k] - b[k]).abs() / b[k].abs().clamp(min=1e-6)) for k in ranges)
    assert worst < 0.01, worst  # measured 7.9e-4


def test_pipeline_nproc_with_an_indivisible_batch_ends_in_the_ranks_error_not_a_traceback(tmp_path):
    out = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "compress.cli", "pipeline", "--voice", str(VOICE), "--out", str(out),
                             "--nproc", "2", "pipeline=quick", "pipeline.steps=[prune]", "prune.recovery.vocoder_batch=1"],
                            capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert result.returncode == 2
    assert "error: the vocoder batch 1 must be a multiple of the 2 processes under torchrun" in result.stderr
    assert "Traceback" not in result.stderr and not (out / "01-prune").exists()
    assert json.loads((out / "run.json").read_text())["steps"][0]["status"] == "failed"
