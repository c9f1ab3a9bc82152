"""`export` end to end, and an export dir in `synth` and `bench`."""

import json

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import TINY
from tests.eval.conftest import QUICK

VOICE = TINY / "voices"
REF = np.load(TINY / "ref_io.npz")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """One export through the command line (in-process, as the `cli` fixture runs it)."""
    import sys

    from compress.cli import main

    out = tmp_path_factory.mktemp("cli-export") / "02-export"
    argv = sys.argv
    sys.argv = ["sambert-compress", "export", "--voice", str(VOICE), "--out", str(out), "--target", "cpu",
                "export.threads=1"]
    try:
        main()
    except SystemExit as stop:
        assert not stop.code
    finally:
        sys.argv = argv
    return out


def test_export_writes_an_onnx_runtime_stage(exported):
    mode = json.loads((exported / "arch.json").read_text())["modes"][-1]["mode"]
    assert mode["target"] == "cpu" and mode["session"]["threads"] == 1
    assert all((exported / file).is_file() for file in mode["graphs"].values())
    assert "onnxruntime" in (exported / "report.md").read_text()


def test_synth_with_an_export_matches_torch(cli, exported, tmp_path):
    symbols = str(REF["utt0.symbols"])
    for args, name in (([], "whole"), (["--stream"], "stream")):
        ours = cli("synth", "--voice", exported, "--symbols", symbols, "--out", tmp_path / f"{name}.wav", *args)
        assert ours.code == 0, ours.stderr
    theirs = cli("synth", "--voice", VOICE, "--symbols", symbols, "--out", tmp_path / "torch.wav")
    assert theirs.code == 0, theirs.stderr
    torch_wav, _ = sf.read(tmp_path / "torch.wav", dtype="int16")
    for name in ("whole", "stream"):
        wav, rate = sf.read(tmp_path / f"{name}.wav", dtype="int16")
        assert rate == 16000 and wav.shape == torch_wav.shape
        assert int(np.abs(wav.astype(int) - torch_wav).max()) <= 1  # at most 1 LSB


@pytest.mark.parametrize("args, message", [
    (["--target", "gpu"], "unknown export.target 'gpu'"),
    (["--target", "tensorrt"], "the tensorrt target needs a qat stage"),
    (["export.precision=int8"], "export.precision=int8 needs a qat stage"),
    (["--target", "cpu", "export.target=cpu"], "give the target once"),
    (["export.bogus=1"], "Could not override 'export.bogus'"),
])
def test_bad_input_is_a_one_line_error(cli, tmp_path, args, message):
    res = cli("export", "--voice", VOICE, "--out", tmp_path / "e", *args)
    assert res.code == 2
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0] and "Traceback" not in res.stderr
    assert not (tmp_path / "e").exists()


def test_existing_out_is_refused(cli, exported):
    res = cli("export", "--voice", VOICE, "--out", exported)
    assert res.code == 2 and "output already exists" in res.stderr


def test_bench_runs_the_export_in_onnx_runtime(cli, exported, tmp_path):
    fast = QUICK + ["bench.throughput.concurrency=0", "bench.macs_sentences=1", "bench.quality.dnsmos=false",
                    "bench.speed.warmup=0", "bench.speed.repeats=1", "bench.sentences=1"]
    res = cli("bench", "--voice", VOICE, "--voice", exported, *fast, "--out", tmp_path / "b")
    assert res.code == 0, res.stderr
    runs = json.loads((tmp_path / "b" / "bench.json").read_text())["runs"]
    assert [(r["backend"], r["precision"], r["kind"]) for r in runs] == [
        ("torch", "fp32", "kantts"), ("onnxruntime", "fp32", "export")]
    assert runs[1]["size"]["files"] and all(f.endswith(".onnx") for f in runs[1]["size"]["files"])
    assert runs[1]["quality"]["mcd_db"] < 0.01  # the same function
    assert runs[1]["memory"]["macs_ratio"] == pytest.approx(1.0)  # counted on its float modules
    assert runs[1]["memory"]["peak_rss_bytes"] < runs[0]["memory"]["peak_rss_bytes"]  # no torch in the probe
    assert "onnxruntime fp32" in res.stdout


def test_synth_command_with_an_export_imports_no_torch(exported, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    script = (
        "import sys\n"
        f"sys.argv = ['sambert-compress', 'synth', '--voice', {str(exported)!r}, '--symbols', "
        f"{str(REF['utt0.symbols'])!r}, '--out', {str(tmp_path / 'a.wav')!r}, '--stream']\n"
        "from compress.cli import main\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    assert not stop.code\n"
        "print('torch' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "False" and (tmp_path / "a.wav").is_file()
