"""`bench` and `eval-voice` from the command line: output folder, gate exit code, bad input."""

from __future__ import annotations

import json
import re


from tests.eval.conftest import QUICK, SYMBOLS, VOICE

# fast settings: no worker processes, no memory probe, no MAC count, no DNSMOS
FAST = QUICK + ["bench.throughput.concurrency=0", "bench.memory=false", "bench.macs_sentences=0",
                "bench.quality.dnsmos=false",
                "bench.speed.warmup=0", "bench.speed.repeats=1"]


def quality_gate(tmp_path):
    path = tmp_path / "gate.yaml"
    path.write_text("version: 1\nchecks:\n  quality.mcd_db: {max: 1.5}\n  quality.pesq_wb: {min: 3.5}\n"
                    "  quality.stoi: {min: 0.9, required: false}\n  size.params: {max_ratio: 1.0}\n",
                    encoding="utf-8")
    return path


def test_degraded_run_fails_the_gate_and_the_report_is_complete(cli, tmp_path, degraded_dir):
    out = tmp_path / "b"
    res = cli("bench", "--voice", VOICE, "--voice", degraded_dir, *FAST, "--out", out, "--check", quality_gate(tmp_path))
    assert res.code == 1, res.stderr
    gate_lines = [line for line in res.stderr.splitlines() if line.startswith("gate: 01-degrade")]
    assert any("quality.mcd_db" in line for line in gate_lines)
    assert any("quality.pesq_wb" in line for line in gate_lines)
    assert "gate: " in res.stderr and "threshold(s) crossed" in res.stderr
    assert "| run | first audio | full sentence" in res.stdout
    names = {p.name for p in out.iterdir()}
    assert {"bench.json", "bench.md", "latency.png", "memory.png", "quality.png", "spectrograms.png",
            "samples"} <= names
    doc = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    assert doc["gate"]["passed"] is False and doc["config"]["sentences"] == 2
    assert (out / "samples" / "01-degrade" / "tiny-utt0.wav").is_file()
    assert "## Gate" in (out / "bench.md").read_text(encoding="utf-8")


def test_self_bench_passes_the_gate_with_reference_option(cli, tmp_path):
    out = tmp_path / "b"
    res = cli("bench", "--voice", VOICE, "--voice", VOICE, *FAST, "--out", out, "--check", quality_gate(tmp_path),
              "--reference", "refvoice-2", "--sentences", "1")
    assert res.code == 0, res.stderr
    doc = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    assert [(r["name"], r["is_reference"]) for r in doc["runs"]] == [("refvoice", False), ("refvoice-2", True)]
    assert doc["reference"] == "refvoice-2"
    assert doc["gate"]["passed"] is True and len(doc["inputs"]["sentences"]) == 1


def bad_cases(tmp_path):
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("version: 1\nchecks: {quality.mcd: {max: 1}}\n", encoding="utf-8")
    exists = tmp_path / "exists"
    exists.mkdir()
    out = str(tmp_path / "out")
    return [
        ([str(tmp_path / "none"), *FAST, "--out", out], "voice path does not exist"),
        ([VOICE, *FAST, "--out", out, "--check", tmp_path / "no.yaml"], "thresholds file not found"),
        ([VOICE, *FAST, "--out", out, "--check", bad_yaml], "unknown metric 'quality.mcd'"),
        ([VOICE, *FAST, "bench.sentense=3", "--out", out], "unknown recipe key bench.sentense; valid keys"),
        ([VOICE, *FAST, "bench.speed.repeats=0", "--out", out], "repeats must be at least 1"),
        ([VOICE, *FAST, "bench=fast", "--out", out], "available: default, none, quick"),
        ([VOICE, *FAST, "--sentences", "0", "--out", out], "--sentences must be at least 1"),
        ([VOICE, *FAST, "--out", exists], "output already exists"),
        ([VOICE, *FAST, "--out", tmp_path / "no" / "out"], "output folder does not exist"),
        ([VOICE, *FAST, "--reference", "nothing", "--out", out], "--reference 'nothing' is neither"),
        ([VOICE, *QUICK, f"bench.input={tmp_path / 'none.symbols'}", "--out", out], "input file not found"),
        ([VOICE, *FAST, "bench.speaker=nobody", "--out", out], "unknown speaker 'nobody'"),
        ([VOICE, *FAST, "bench=none", "--out", out], "bench recipe is disabled"),
    ]


def test_bad_input_is_one_line_and_leaves_no_output(cli, tmp_path):
    for args, message in bad_cases(tmp_path):
        res = cli("bench", "--voice", *args)
        assert res.code == 2, (args, res.stderr)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
        assert re.search(message, lines[0]), (message, lines[0])
        leftovers = {p.name for p in tmp_path.iterdir()} - {"bad.yaml", "exists"}
        assert not leftovers, leftovers


def test_no_run_given(cli):
    res = cli("bench", "bench.sentences=2")
    assert res.code == 2 and "give the runs to compare: --voice RUN" in res.stderr


def test_eval_voice_measures_every_style_and_names_every_failing_check(cli, tmp_path):
    from eval.style_gate import __file__ as where

    out = tmp_path / "styles"
    res = cli("eval-voice", "--voice", VOICE, "--texts", SYMBOLS, "--sentences", "1", "--emotions", "happy,sad",
              "--speakers", "F7", "--out", out, "--check", where.replace("style_gate.py", "thresholds/styles.yaml"))
    assert res.code == 1, res.stderr
    assert res.stdout.count("\n| F7 | happy |") + res.stdout.count("\n| F7 | sad |") == 2
    doc = json.loads((out / "styles.json").read_text(encoding="utf-8"))
    assert len(doc["rows"]) == 2 and all(r["dnsmos_p808"] is not None for r in doc["rows"])
    # the tiny voice makes noise, far below DNSMOS 3.0: every style is named; neutral was not run
    assert res.stderr.count("dnsmos_p808 = ") == 2
    assert "F7: syllables_per_s neutral/sad was not measured" in res.stderr
    assert (out / "styles.md").is_file()


def test_eval_voice_bad_input(cli, tmp_path):
    for args, message in [(["--emotions", "grumpy"], "unknown emotion 'grumpy'"),
                          (["--speakers", "nobody"], "unknown speaker 'nobody'"),
                          (["--f0-method", "yin"], "--f0-method must be one of"),
                          (["--check", tmp_path / "none.yaml"], "style thresholds file not found")]:
        res = cli("eval-voice", "--voice", VOICE, "--texts", SYMBOLS, "--sentences", "1", *args)
        assert res.code == 2, (args, res.stderr)
        assert res.stderr.strip().splitlines() == [res.stderr.strip()] and message in res.stderr, res.stderr
