"""The export stage: artifacts and mode in the stage dir, restore to the runtime, refusals."""

import json

import numpy as np
import pytest

from compress import synthesis
from compress.checkpoint import sha256
from compress.export.config import ExportConfig
from compress.export.stage import ExportError, check_exportable
from compress.loading import load_voice
from compress.stage import revert
from tests.export.conftest import encoded_lines


def test_export_leaves_its_input_voice_as_it_was(tiny_voice, tiny_export):
    assert tiny_voice.modes == [] and tiny_voice.runtime == {}
    assert tiny_voice.source != tiny_export


def test_stage_dir_records_graphs_mode_and_sha256(tiny_export):
    manifest = json.loads((tiny_export / "manifest.json").read_text())
    entry = manifest["history"][-1]
    mode = json.loads((tiny_export / "arch.json").read_text())["modes"][-1]
    assert entry["stage"] == "export" and mode["stage"] == "export"
    graphs = mode["mode"]["graphs"]
    assert set(graphs) == {"encoder", "duration_step", "memory", "decoder_step", "postnet_fsmn", "postnet_lstm",
                           "vocoder"}
    for file in graphs.values():
        assert entry["files"][file] == sha256((tiny_export / file).read_bytes())
    assert mode["mode"]["runtime"] == "onnxruntime" and mode["mode"]["precision"] == "fp32"
    assert mode["mode"]["polyphase"] is True and mode["mode"]["opset"] >= 17
    assert entry["totals"]["params_kept"] == 1.0  # the float tensors are the parent's


def test_loaded_export_hands_its_graphs_to_onnx_runtime(tiny_voice, tiny_export, tiny_symbols):
    voice = load_voice(tiny_export)
    assert voice.runtime["backend"] == "onnxruntime"
    assert all((tiny_export / f"{name}.onnx").samefile(path) for name, path in voice.runtime["graphs"].items())
    encoded = encoded_lines(voice, tiny_symbols[:1])
    ours = synthesis.synthesize(voice, encoded)
    assert type(voice.runtime["session"]).__name__ == "OnnxVoice"  # it ran in ONNX Runtime
    theirs = synthesis.synthesize(tiny_voice, encoded)
    assert float(np.abs(ours.wav - theirs.wav).max()) <= 1e-4


def test_export_reverts_to_its_parent(tiny_voice, tiny_export, tmp_path):
    import torch

    parent = load_voice(revert(tiny_export, tmp_path / "parent"))  # the KAN-TTS voice it came from
    assert parent.runtime == {} and parent.modes == []
    for key, tensor in tiny_voice.am.state_dict().items():
        assert torch.equal(parent.am.state_dict()[key], tensor), key


@pytest.mark.parametrize("settings, message", [
    ({"target": "tensorrt"}, "the tensorrt target needs a qat stage"),
    ({"target": "both"}, "the both target needs a qat stage"),
    ({"precision": "int8"}, "export.precision=int8 needs a qat stage"),
])
def test_targets_that_need_qat_are_refused(tiny_voice, settings, message):
    with pytest.raises(ExportError, match=message):
        check_exportable(tiny_voice, ExportConfig(**settings))


def test_a_qat_stage_is_exported_at_int8_only(tiny_voice):
    import dataclasses

    quantized = dataclasses.replace(tiny_voice, modes=[{"stage": "qat", "mode": {}}])
    with pytest.raises(ExportError, match="this voice is a qat stage .* export it at int8"):
        check_exportable(quantized, ExportConfig(precision="fp32"))
    with pytest.raises(ExportError, match="INT8 cpu graphs need export.polyphase=true"):
        check_exportable(quantized, ExportConfig(polyphase=False))
    check_exportable(quantized, ExportConfig())  # auto: int8
    exported = dataclasses.replace(tiny_voice, modes=[{"stage": "export", "mode": {}}])
    with pytest.raises(ExportError, match="an export already"):
        check_exportable(exported, ExportConfig())


@pytest.mark.parametrize("settings, message", [
    ({"target": "gpu"}, "unknown export.target 'gpu'"), ({"precision": "fp8"}, "unknown export.precision"),
    ({"optimization": "max"}, "unknown export.optimization"), ({"threads": -1}, "threads must be 0"),
    ({"activations": "int4"}, "unknown export.activations"), ({"reduce_range": "maybe"}, "unknown export.reduce_range"),
    ({"int8_graphs": "some"}, "unknown export.int8_graphs"), ({"calib_sentences": 0}, "calib_sentences must be"),
    ({"parity_sentences": -1}, "parity_sentences must be"),
])
def test_config_checks_its_values(settings, message):
    with pytest.raises(ValueError, match=message):
        ExportConfig(**settings)


def test_reduce_range_reads_yaml_booleans():
    assert ExportConfig(reduce_range=True).reduce_range == "true"
    assert ExportConfig(reduce_range=False).reduce_range == "false"
