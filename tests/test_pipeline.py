"""`sambert-compress pipeline` on the tiny fixture: every step of the quick preset, reuse of
unchanged steps, reruns from the first changed one, continuation after an interruption, and
one-line errors for bad recipes and run dirs."""

from __future__ import annotations

import json
import shutil

import pytest

from compress.pipeline import PipelineConfig, plan
from compress.recipe import RECIPES_DIR, build, compose
from tests.conftest import TINY

VOICE = TINY / "voices"
# the quick preset with the bench cut to what these tests read
# The INT8 export keeps every graph INT8 as U8S8, so that its graphs do not follow timings
# (a rerun must write the same files).
FAST = ["pipeline=quick", "bench.speed.repeats=1", "bench.speed.warmup=0", "bench.throughput.concurrency=0",
        "bench.memory=false", "bench.quality.dnsmos=false", "bench.sentences=1", "bench.samples=0",
        "export.int8_graphs=all", "export.activations=uint8"]
DIRS = ["00-sensitivity", "01-prune", "02-qat", "03-export", "bench"]


def _invoke(*args):
    from typer.testing import CliRunner

    from compress.cli import app

    return CliRunner().invoke(app, ["pipeline", *map(str, args)])


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("pipeline") / "run"
    result = _invoke("--voice", VOICE, "--out", out, *FAST)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def copy(run_dir, tmp_path):
    target = tmp_path / "run"
    shutil.copytree(run_dir, target)
    return target


def _run_json(out):
    return json.loads((out / "run.json").read_text())


def _stamps(out):
    return {d: (out / d / ("manifest.json" if d[0].isdigit() and d != "00-sensitivity" else "")).stat().st_mtime_ns
            for d in DIRS}


def test_every_preset_plans_its_steps():
    expected = {"light": ["00-sensitivity", "01-prune", "02-qat", "03-export", "bench"],
                "speed": ["00-sensitivity", "01-prune", "02-qat", "03-export", "bench"],
                "quick": ["00-sensitivity", "01-prune", "02-qat", "03-export", "bench"],
                "pruned-only": ["00-sensitivity", "01-prune", "02-export", "bench"],
                "int8-only": ["01-qat", "02-export", "bench"]}
    presets = sorted(p.stem for p in (RECIPES_DIR / "pipeline").glob("*.yaml") if p.stem != "none")
    assert presets == sorted(expected)
    for preset, dirs in expected.items():
        recipe = compose([f"pipeline={preset}"])
        steps = plan(build(PipelineConfig, recipe["pipeline"], "pipeline"), recipe)
        assert [s.dir_name for s in steps] == dirs, preset
    assert compose(["pipeline=speed"])["prune"]["load_macs"] == 20.0  # the prune=speed ranking


def test_the_run_writes_every_step_and_records_it(run_dir):
    doc = _run_json(run_dir)
    assert doc["schema"] == "sambert-compress/run" and doc["status"] == "done"
    assert doc["recipe"]["pipeline"]["steps"] == ["sensitivity", "prune", "qat", "export", "bench"]
    status = {s["dir"]: s["status"] for s in doc["steps"]}
    assert status == {"00-sensitivity": "done", "01-prune": "done", "02-qat": "done", "03-export": "done",
                      "bench": "done"}
    export = json.loads((run_dir / "03-export" / "arch.json").read_text())["modes"][-1]["mode"]
    assert export["precision"] == "int8" and export["runtime"] == "onnxruntime"
    for step in doc["steps"]:
        if step["kind"] == "stage" and step["status"] == "done":
            manifest = json.loads((run_dir / step["dir"] / "manifest.json").read_text())
            assert step["sha256"] == manifest["history"][-1]["output_sha256"]
            assert manifest["history"][-1]["stage"] == step["name"]
    # the qat stage reads the prune stage; the bench reads the input voice, the prune stage and
    # the INT8 export (the qat stage it exports is benched through it)
    qat_manifest = json.loads((run_dir / "02-qat" / "manifest.json").read_text())
    assert [e.get("stage") for e in qat_manifest["history"][1:]] == ["prune", "qat"]
    bench = json.loads((run_dir / "bench" / "bench.json").read_text())
    assert [r["name"] for r in bench["runs"]] == ["refvoice", "01-prune", "03-export"]
    assert (run_dir / "00-sensitivity" / "report.json").is_file()


def test_a_rerun_reuses_every_step(copy):
    before = _stamps(copy)
    result = _invoke("--voice", VOICE, "--out", copy, *FAST)
    assert result.exit_code == 0, result.output
    # the summary: the bench table with the runs named by their stages
    for name in ("**Baseline (refvoice)** (reference)", "| Pruned (01-prune) |", "| Pruned+INT8+ONNX (03-export) |"):
        assert name in result.output, result.output
    for name in ("sensitivity", "prune", "qat", "export", "bench"):
        assert f"{name}: unchanged, reusing" in result.output
    assert _stamps(copy) == before


def test_a_changed_override_reruns_that_step_and_every_one_after(copy):
    before = _stamps(copy)
    keys = {s["name"]: s["key"] for s in _run_json(copy)["steps"]}
    result = _invoke("--voice", VOICE, "--out", copy, *FAST, "qat.vocoder_steps=1")
    assert result.exit_code == 0, result.output
    assert "qat: rerunning it and every step after it: its recipe changed (qat.vocoder_steps)" in result.output
    after = _stamps(copy)
    assert after["00-sensitivity"] == before["00-sensitivity"] and after["01-prune"] == before["01-prune"]
    assert after["02-qat"] != before["02-qat"] and after["bench"] != before["bench"]
    new_keys = {s["name"]: s["key"] for s in _run_json(copy)["steps"]}
    assert new_keys["prune"] == keys["prune"] and new_keys["qat"] != keys["qat"] and new_keys["bench"] != keys["bench"]


def test_an_interrupted_run_continues_at_the_step_it_stopped_in(copy):
    # what a kill during qat leaves: run.json up to prune, qat's hidden temp dir, no later dirs
    doc = _run_json(copy)
    doc["steps"], doc["status"] = doc["steps"][:2], "running"
    (copy / "run.json").write_text(json.dumps(doc))
    shutil.rmtree(copy / "02-qat")
    shutil.rmtree(copy / "bench")
    (copy / ".02-qat.tmp-killed").mkdir()
    (copy / ".02-qat.tmp-killed" / "model.safetensors").write_bytes(b"half")
    result = _invoke("--voice", VOICE, "--out", copy, *FAST)
    assert result.exit_code == 0, result.output
    assert "prune: unchanged, reusing" in result.output and "qat: running into" in result.output
    assert not (copy / ".02-qat.tmp-killed").exists()
    assert [s["status"] for s in _run_json(copy)["steps"]] == ["done"] * 5


def test_from_stage_reruns_from_that_step(copy):
    before = _stamps(copy)
    result = _invoke("--voice", VOICE, "--out", copy, *FAST, "--from-stage", "bench")
    assert result.exit_code == 0, result.output
    after = _stamps(copy)
    assert {d for d in DIRS if after[d] != before[d]} == {"bench"}


def test_a_missing_stage_dir_is_rebuilt(copy):
    shutil.rmtree(copy / "01-prune")
    result = _invoke("--voice", VOICE, "--out", copy, *FAST, "pipeline.steps=[prune]")
    assert result.exit_code == 0, result.output
    assert "prune: rerunning it and every step after it: 01-prune is missing" in result.output
    assert (copy / "01-prune" / "manifest.json").is_file()


@pytest.mark.parametrize("args, message", [
    ([], "the recipe has no steps"),
    (["pipeline=quick", "pipeline.steps=[prune,bogus]"], "unknown step 'bogus'"),
    (["pipeline=bogus"], "pipeline"),
    (["pipeline=quick", "prune.bogus=1"], "prune.bogus"),
    (["pipeline=quick", "--from-stage", "nope"], "--from-stage 'nope' is not a step"),
])
def test_bad_recipes_are_one_line_errors_that_write_nothing(cli, tmp_path, args, message):
    out = tmp_path / "run"
    result = cli("pipeline", "--voice", VOICE, "--out", out, *args)
    assert result.code == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not out.exists()


def test_a_run_dir_of_another_voice_is_refused_and_left_as_it_was(copy, cli):
    from compress.models.voice_dir import DEMO_VOICE

    before = (copy / "run.json").read_bytes()
    result = cli("pipeline", "--voice", DEMO_VOICE, "--out", copy, *FAST)
    assert result.code == 2 and "holds the run of another voice" in result.stderr
    assert (copy / "run.json").read_bytes() == before and (copy / "01-prune" / "manifest.json").is_file()


def test_a_recipe_key_that_no_stage_owns_is_an_error(cli, tmp_path):
    result = cli("pipeline", "--voice", VOICE, "--out", tmp_path / "run", "pipeline=quick", "+nostage.key=1")
    assert result.code == 2 and "nostage" in result.stderr and not (tmp_path / "run").exists()


def test_a_run_dir_must_be_a_run_dir(cli, tmp_path):
    (tmp_path / "file").write_text("x")
    result = cli("pipeline", "--voice", VOICE, "--out", tmp_path / "file", "pipeline=quick")
    assert result.code == 2 and "is a file" in result.stderr
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    result = cli("pipeline", "--voice", VOICE, "--out", other, "pipeline=quick")
    assert result.code == 2 and "not a pipeline run dir" in result.stderr
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]


STAGE_DIRS = {"prune": "01-prune", "qat": "02-qat", "export": "03-export"}


def _stage_digests(out) -> dict:
    """Each stage's weights sha256 and the sha256 of every file its manifest records (graphs),
    less report.md (it says how long things took)."""
    from compress.checkpoint import load_manifest

    found = {}
    for step in (s for s in _run_json(out)["steps"] if s["name"] in STAGE_DIRS):
        files = load_manifest(out / STAGE_DIRS[step["name"]])["history"][-1].get("files") or {}
        found[step["name"]] = (step["sha256"], {k: v for k, v in files.items() if k != "report.md"})
    return found


@pytest.mark.parametrize("stage", ["prune", "qat", "export"])
def test_a_run_killed_during_a_stage_resumes_to_the_same_outputs(run_dir, tmp_path, stage):
    """SIGKILL while `stage` computes, then the same command: the stages' sha256 (weights and
    every file) equal those of the uninterrupted run."""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    steps = "pipeline.steps=[prune,qat,export]"
    args = [sys.executable, "-m", "compress.cli", "pipeline", "--voice", str(VOICE), "--out", str(out), *FAST, steps]
    process = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    for line in process.stderr:
        if line.startswith(f"{stage}: running into"):
            time.sleep(0.5)
            break
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not (out / STAGE_DIRS[stage]).exists()
    result = _invoke("--voice", VOICE, "--out", out, *FAST, steps)
    assert result.exit_code == 0, result.output
    expected = _stage_digests(run_dir)
    assert _stage_digests(out) == {name: expected[name] for name in STAGE_DIRS}
