import json

import pytest

from sensitivity.report import read_importance
from tests.conftest import NSF_TINY, TINY
from tests.sensitivity.conftest import tiny_symbol_lines

VOICE = str(TINY / "voices")
SMALL = ["sensitivity.sentences=2", "sensitivity.measure_sentences=1", "sensitivity.passes=1",
         "sensitivity.fractions=[0.5]", "sensitivity.groups=[am.encoder.1.ffn,am.encoder..*heads,voc.stage.3]"]


@pytest.fixture
def symbols(tmp_path):
    path = tmp_path / "calibration.txt"
    path.write_text("\n".join(tiny_symbol_lines()) + "\n", encoding="utf-8")
    return path


def test_writes_the_report(cli, tmp_path, tiny_voice):
    out = tmp_path / "report"
    # the built-in calibration sentences, through the Chinese frontend
    result = cli("sensitivity", "--voice", VOICE, "--out", out, "--threads", "1", *SMALL)
    assert result.code == 0, result.stderr
    assert "(seed 37%)" in result.stdout and "(seed 62%)" in result.stdout
    names = {p.name for p in out.iterdir()}
    assert {"report.json", "report.md", "importance.json", "heads_heatmap.png", "lstm_gates.png",
            "vocoder_weights.png", "vocoder_weight_share.png", "curves_ffn.png", "curves_heads.png",
            "curves_conv.png"} <= names
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["schema"] == "sambert-compress/sensitivity-report" and report["version"] == 1
    assert set(report["curves"]) == set(report["importance"]) == {
        "am.encoder.1.ffn", "am.encoder.0.heads", "am.encoder.1.heads", "voc.stage.3"}
    assert report["curves"]["am.encoder.1.ffn"]["points"][0] == [0.0, 0.0]
    assert set(report["probes"]["heads"]["db"]) == {"am.encoder.0.heads", "am.encoder.1.heads"}
    summary = report["summary"]
    assert summary["vocoder_weights_within_threshold"]["seed"] == 0.62
    assert 0 <= summary["lstm_gates_active_decoder_side"]["measured"] <= 1
    assert summary["heads_under_threshold_last_two_encoder_layers"]["layers"] == [
        "am.encoder.0.heads", "am.encoder.1.heads"]
    assert report["overrides"] == SMALL and report["config"]["passes"] == 1
    assert report["calibration"]["sentences"] == 2 and report["calibration"]["speakers"] == ["F7", "M7"]
    assert (out.stat().st_mode & 0o777) != 0o700  # an ordinary folder, not mkdtemp's private one
    importance = json.loads((out / "importance.json").read_text(encoding="utf-8"))
    assert len(importance["groups"]["am.encoder.1.ffn"][0]) == 32
    assert importance["weights_sha256"] == report["voice"]["weights_sha256"]
    assert read_importance(out / "importance.json", tiny_voice) == importance["groups"]
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "## The seed's three figures" in markdown and "![heads_heatmap.png]" in markdown


def _bad(cli, tmp_path, *args):
    out = tmp_path / "never"
    result = cli("sensitivity", "--out", out, *args)
    assert result.code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert not out.exists() and not list(tmp_path.glob(".never*"))
    return lines[0]


@pytest.mark.parametrize("args, message", [
    (["sensitivity.nope=1"], "sensitivity.nope"),
    (["+sensitivity.nope=1"], "unknown recipe key sensitivity.nope"),
    (["sensitivity.fractions=[2]"], "fractions"),
    (["sensitivity=slow"], "available: default, quick"),
    (["--voice", "/nonexistent/voice"], "/nonexistent/voice"),
    (["--threads", "0"], "--threads"),
    (["stray"], "unexpected argument 'stray'"),
])
def test_bad_input_is_one_line(cli, tmp_path, symbols, args, message):
    assert message in _bad(cli, tmp_path, "--voice", VOICE, "--symbols-file", symbols, *args)


def test_bad_calibration_is_one_line(cli, tmp_path, symbols):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")
    assert "no calibration sentences" in _bad(cli, tmp_path, "--voice", VOICE, "--symbols-file", empty)
    assert "not found" in _bad(cli, tmp_path, "--voice", VOICE, "--calibration", tmp_path / "nope.txt")
    assert "at most one" in _bad(cli, tmp_path, "--voice", VOICE, "--calibration", symbols, "--symbols-file", symbols)
    assert "match no group" in _bad(cli, tmp_path, "--voice", VOICE, "--symbols-file", symbols,
                                    "sensitivity.groups=[nothing]", "sensitivity.sentences=1",
                                    "sensitivity.measure_sentences=1")


def test_existing_output_is_refused(cli, tmp_path, symbols):
    out = tmp_path / "taken"
    out.mkdir()
    result = cli("sensitivity", "--voice", VOICE, "--symbols-file", symbols, "--out", out)
    assert result.code != 0 and "already exists" in result.stderr and list(out.iterdir()) == []


def test_importance_of_other_weights_is_refused(tmp_path, fresh_voice):
    from compress.errors import InputError
    from sensitivity.report import IMPORTANCE_SCHEMA, _json, read_importance

    path = tmp_path / "importance.json"
    path.write_text(_json({"schema": IMPORTANCE_SCHEMA, "version": 1, "weights_sha256": "0" * 64, "groups": {}}))
    assert read_importance(path) == {}
    with pytest.raises(InputError, match="other weights"):
        read_importance(path, fresh_voice)
    path.write_text("{}")
    with pytest.raises(InputError, match="not a version-1"):
        read_importance(path)


def test_nsf_voice_report(cli, tmp_path):
    """Smoke: the sensitivity report of an NSF voice, its source_downs counted with their stage."""
    out = tmp_path / "nsf"
    groups = "sensitivity.groups=[am.encoder.1.ffn,am.encoder..*heads,voc.stage.0,voc.stage.3]"
    result = cli("sensitivity", "--voice", NSF_TINY / "voices", "--out", out, "--threads", "1", *SMALL[:-1], groups)
    assert result.code == 0, result.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    for name in ("am.encoder.1.ffn", "voc.stage.0", "voc.stage.3"):
        points = report["curves"][name]["points"]
        assert points[0] == [0.0, 0.0] and points[1][1] > 0.0
    layers = report["probes"]["vocoder_weights"]["layers"]
    assert layers["voc.source_downs.0.conv1d"]["stage"] == "stage 0"
    assert layers["voc.source_module.ffn.0"]["stage"] == "source_module"
