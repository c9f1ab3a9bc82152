"""The ONNX Runtime voice: torch-free, checked against its manifest, sessions set for the job."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from compress.errors import VoiceLoadError
from compress.export.runtime import is_export_dir, load_export, session_options
from tests.conftest import TINY

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("fixture", ["tiny_export", "tiny_int8_export", "nsf_export"])
def test_runtime_path_imports_no_torch(fixture, request):
    """Open the export (FP32, INT8 of a qat stage, an NSF voice's) and synthesize from text
    through the frontend in a fresh process."""
    tiny_export = request.getfixturevalue(fixture)
    script = (
        "import sys\n"
        "from compress.backends import open_voice\n"
        "from compress.frontend import text_to_symbol_lines\n"
        "from compress.models.symbols import parse_tokens\n"
        f"voice, synthesis, streaming = open_voice({str(tiny_export)!r})\n"
        "lines, _ = text_to_symbol_lines('今天天气很好。', 'neutral', speaker=voice.tables.speakers[0],"
        " speakers=list(voice.tables.speakers))\n"
        "wav = synthesis.synthesize(voice, synthesis.encode_lines(voice, [parse_tokens(l) for l in lines])).wav\n"
        "chunks = list(streaming.stream(voice, synthesis.encode_lines(voice, [parse_tokens(lines[0])])[0]))\n"
        "assert len(wav) > 0 and chunks\n"
        "print('torch' in sys.modules, type(voice).__name__)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "OnnxVoice"]


def test_export_dir_is_told_from_arch_json(tiny_export):
    assert is_export_dir(tiny_export)
    assert not is_export_dir(TINY / "voices" / "refvoice")
    with pytest.raises(VoiceLoadError, match="not an export dir"):
        mode_less = Path(tiny_export).parent / "mode-less"
        shutil.copytree(tiny_export, mode_less)
        arch = json.loads((mode_less / "arch.json").read_text())
        arch["modes"] = []
        (mode_less / "arch.json").write_text(json.dumps(arch))
        load_export(mode_less)


def test_modified_graph_is_refused_naming_it(tiny_export, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tiny_export, copy)
    graph = copy / "decoder_step.onnx"
    graph.write_bytes(graph.read_bytes() + b"\0")
    with pytest.raises(VoiceLoadError, match="decoder_step.onnx does not match the sha256"):
        load_export(copy)
    graph.unlink()
    with pytest.raises(VoiceLoadError, match="missing .*decoder_step.onnx"):
        load_export(copy)


def test_session_options_follow_the_recorded_settings():
    shared = session_options({"optimization": "extended", "threads": 3, "spinning": False}, step=False)
    assert shared.intra_op_num_threads == 3
    assert shared.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert str(shared.graph_optimization_level).endswith("ORT_ENABLE_EXTENDED")
    step = session_options({"threads": 0, "spinning": True}, step=True)
    assert step.intra_op_num_threads == 1  # per-step graphs: operations too small to share
    assert step.get_session_config_entry("session.intra_op.allow_spinning") == "1"
    assert session_options({"threads": 0}, step=False).intra_op_num_threads == (os.cpu_count() or 1)


def test_unknown_optimization_level_is_refused(tiny_export):
    with pytest.raises(VoiceLoadError, match="unknown graph optimization level 'fast'"):
        load_export(tiny_export, {"optimization": "fast"})
