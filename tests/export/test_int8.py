"""INT8 export of a qat stage: ONNX Runtime integer kernels with the QAT ranges, TensorRT's QDQ graphs."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

from compress import synthesis
from compress.export import driver, int8
from compress.export.cpu import choose_types, float_graphs, weight_index
from compress.export.ranges import baked_float, learned_ranges
from compress.export.runtime import load_export, session_options
from compress.loading import load_voice
from compress.quant.policy import INT8, ISLAND
from tests.conftest import TINY
from tests.export.conftest import encoded_lines

REF = np.load(TINY / "ref_io.npz")
# The cpu graphs round as QAT does (the vocoder's conv outputs included; the acoustic model's
# by calibrated ranges), but one-level flips compound (README.md, "Where parity stands"): the
# tiny voice's waveform may differ from the fake-quant voice's by this much of its RMS (2.0%
# measured).
CPU_RMS_TOLERANCE = 0.05
# The tensorrt graphs compute what the fake-quant modules compute; only values within float
# rounding of a level boundary round differently, and those one-level flips compound through
# the vocoder's roundings, inputs and outputs: RMS 0.0017, max 0.016 measured.
QDQ_RMS_TOLERANCE, QDQ_MAX_TOLERANCE = 4e-3, 4e-2


def _quantize_of(model, tensor: str):
    """The QuantizeLinear node that reads `tensor`."""
    return next(node for node in model.graph.node if node.op_type == "QuantizeLinear" and node.input[0] == tensor)


def _mode(export_dir):
    return json.loads((export_dir / "arch.json").read_text())["modes"][-1]["mode"]


def _plans(voice):
    qat = next(m["mode"] for m in voice.modes if m["stage"] == "qat")
    return {layer["name"]: layer["precision"] for layer in qat["layers"]}


def _vocoder_layers(voice, precision):
    return {name for name, p in _plans(voice).items() if name.startswith("voc.") and p == precision}


def test_the_mode_records_targets_types_and_choices(tiny_int8_export):
    mode = _mode(tiny_int8_export)
    assert mode["precision"] == "int8" and mode["target"] == "both"
    assert set(mode["graphs"]) == {"encoder", "duration_step", "memory", "decoder_step", "postnet_fsmn",
                                   "postnet_lstm", "vocoder"}
    assert all(file == f"tensorrt.{name}.onnx" for name, file in mode["tensorrt"]["graphs"].items())
    assert "trtexec --onnx=tensorrt.vocoder.onnx --int8 --fp16" in mode["tensorrt"]["trtexec"]
    types = mode["int8"]["types"]
    assert types["activations"] == "uint8" and types["seconds_by_activation_type"] is None  # fixed by the recipe
    assert mode["int8"]["graphs"]["vocoder"]["precision"] == "int8"


def test_the_optimized_cpu_vocoder_runs_every_int8_conv_as_qlinearconv(tiny_qat, tiny_int8_export):
    data = (tiny_int8_export / "vocoder.onnx").read_bytes()
    ops = int8.optimized_op_types(data, session_options({"optimization": "all"}, step=False))
    assert ops.get("QLinearConv", 0) == len(_vocoder_layers(tiny_qat, INT8))
    assert _mode(tiny_int8_export)["int8"]["graphs"]["vocoder"]["kernels"]["QLinearConv"] == ops["QLinearConv"]
    assert "ConvTranspose" not in ops  # the polyphase rewrite


def _float_conv_layers(model: onnx.ModelProto, index) -> list[str]:
    """Layers of the convs/linears whose weight is a float initializer (no DequantizeLinear)."""
    initializers = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    found = []
    for node in model.graph.node:
        if node.op_type in ("Conv", "ConvTranspose", "Gemm", "MatMul") and node.input[1] in initializers:
            hit = index.find(initializers[node.input[1]])
            found.append(hit[0] if hit else None)
    return found


def _dequantized_weights(model: onnx.ModelProto) -> int:
    producers = {out: node for node in model.graph.node for out in node.output}
    return sum(1 for node in model.graph.node if node.op_type in ("Conv", "ConvTranspose")
               and producers.get(node.input[1]) is not None and producers[node.input[1]].op_type == "DequantizeLinear")


@pytest.mark.parametrize("file", ["vocoder.onnx", "tensorrt.vocoder.onnx"])
def test_qdq_sits_exactly_where_the_precision_table_says(tiny_qat, tiny_int8_export, file):
    model = onnx.load(str(tiny_int8_export / file))
    baked, _ = baked_float(tiny_qat)
    index = weight_index(baked)
    index.add_model("voc", tiny_qat.vocoder)  # the tensorrt graph holds the raw weights of float layers
    islands = _vocoder_layers(tiny_qat, ISLAND)
    assert islands and _dequantized_weights(model) == len(_vocoder_layers(tiny_qat, INT8))
    assert set(_float_conv_layers(model, index)) == islands


def test_cpu_graph_scales_are_the_qat_ranges(tiny_qat, tiny_int8_export):
    model = onnx.load(str(tiny_int8_export / "vocoder.onnx"))
    ranges = learned_ranges(tiny_qat)
    initializers = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    producers = {out: node for node in model.graph.node for out in node.output}
    first = next(node for node in model.graph.node if node.op_type == "Conv")  # conv_pre
    layer = ranges["voc.conv_pre.conv1d"]
    act_dq, weight_dq = producers[first.input[0]], producers[first.input[1]]
    assert float(initializers[act_dq.input[1]]) == pytest.approx(layer.input_amax / 127, rel=1e-6)
    zero = initializers[act_dq.input[2]]
    assert int(zero) == (128 if zero.dtype == np.uint8 else 0)
    np.testing.assert_allclose(initializers[weight_dq.input[1]], layer.weight_amax / 127, rtol=1e-6)
    output_q = _quantize_of(model, first.output[0])
    assert layer.output_amax is not None  # QAT ranged the vocoder's conv outputs
    assert float(initializers[output_q.input[1]]) == pytest.approx(layer.output_amax / 127, rel=1e-6)


def test_the_int8_kernels_round_as_the_fake_quant_layers_do(tiny_qat, tiny_int8_export):
    """The first INT8 conv of the cpu vocoder (fused into QLinearConv) against the torch
    layer on the same mel: the same 8-bit levels, but for values within float rounding of a
    level boundary (the two sum in different orders). Downstream such one-level flips compound
    through the layers, which is why whole-waveform parity has a floor (README.md)."""
    import onnxruntime as ort

    model = onnx.load(str(tiny_int8_export / "vocoder.onnx"))
    first = next(node for node in model.graph.node if node.op_type == "Conv")
    output_q = _quantize_of(model, first.output[0])
    output_dq = next(node for node in model.graph.node if node.input and node.input[0] == output_q.output[0])
    model.graph.output.append(onnx.helper.make_tensor_value_info(output_dq.output[0], onnx.TensorProto.FLOAT, None))
    data = model.SerializeToString()
    assert "QLinearConv" in int8.optimized_op_types(data, session_options({"optimization": "all"}, step=False))
    session = ort.InferenceSession(data, session_options({"optimization": "all"}, step=False),
                                   providers=["CPUExecutionProvider"])  # fresh options: the line above set a save path
    mel = REF["utt1.fixdur.mel"].T[None].astype(np.float32)
    feeds = {"mel": mel}
    for graph_input in session.get_inputs()[1:]:
        feeds[graph_input.name] = np.zeros([1, *graph_input.shape[1:]], np.float32)
    ours = session.run([output_dq.output[0]], feeds)[0]
    captured = {}
    handle = tiny_qat.vocoder.conv_pre.conv1d.register_forward_hook(lambda m, a, out: captured.update(out=out))
    with torch.no_grad():
        tiny_qat.vocoder(torch.from_numpy(mel))
    handle.remove()
    theirs = captured["out"].numpy()
    step = learned_ranges(tiny_qat)["voc.conv_pre.conv1d"].output_amax / 127
    levels = np.abs(ours - theirs) / step
    assert ours.shape == theirs.shape and levels.max() <= 1 + 1e-3 and (levels > 0.5).mean() <= 1e-3


def test_cpu_export_computes_what_the_fake_quant_voice_computes(tiny_qat, tiny_int8_export, tiny_symbols):
    voice = load_export(tiny_int8_export)
    durations = [REF["utt1.fixdur.durations"] if "utt1.fixdur.durations" in REF.files else None]
    encoded = encoded_lines(tiny_qat, tiny_symbols[:1])
    theirs = synthesis.synthesize(tiny_qat, encoded)
    held = [s.durations.numpy() for s in theirs.sentences]
    theirs = synthesis.synthesize(tiny_qat, encoded, durations=held)
    ours = driver.synthesize(voice, encoded, durations=held)
    assert durations and ours.wav.shape == theirs.wav.shape
    rms = float(np.sqrt(np.mean((ours.wav - theirs.wav) ** 2)))
    assert rms <= CPU_RMS_TOLERANCE * float(np.sqrt(np.mean(theirs.wav ** 2)))


def test_tensorrt_graphs_run_in_onnx_runtime_as_the_fake_quant_modules(tiny_qat, tiny_int8_export):
    import onnxruntime as ort

    onnx.checker.check_model(onnx.load(str(tiny_int8_export / "tensorrt.vocoder.onnx")), full_check=True)
    session = ort.InferenceSession(str(tiny_int8_export / "tensorrt.vocoder.onnx"), providers=["CPUExecutionProvider"])
    mel = REF["utt1.fixdur.mel"]
    batch = np.stack([mel.T, mel.T[:, ::-1]]).astype(np.float32)  # the batch axis is dynamic
    feeds = {"mel": batch}
    for graph_input in session.get_inputs()[1:]:
        feeds[graph_input.name] = np.zeros([2, *graph_input.shape[1:]], np.float32)
    ours = session.run(None, feeds)[0]
    with torch.no_grad():
        theirs = tiny_qat.vocoder(torch.from_numpy(batch.copy())).numpy()
    assert float(np.sqrt(np.mean((ours - theirs) ** 2))) <= QDQ_RMS_TOLERANCE
    assert float(np.abs(ours - theirs).max()) <= QDQ_MAX_TOLERANCE


def test_every_graph_passes_the_full_onnx_checker(tiny_int8_export):
    for path in sorted(tiny_int8_export.glob("*.onnx")):
        onnx.checker.check_model(onnx.load(str(path)), full_check=True)


def test_the_export_dir_synthesizes_and_streams_through_the_cli(cli, tiny_int8_export, tmp_path):
    symbols = str(REF["utt0.symbols"])
    for args, name in (([], "whole"), (["--stream"], "stream")):
        res = cli("synth", "--voice", tiny_int8_export, "--symbols", symbols, "--out", tmp_path / f"{name}.wav", *args)
        assert res.code == 0, res.stderr
    assert load_voice(tiny_int8_export).runtime["precision"] == "int8"


def test_types_follow_the_cpu_the_timings_and_the_recipe():
    from compress.errors import CompressError
    from compress.export.config import ExportConfig

    asked = []

    def timings(found):
        def time_vocoder(candidates):
            asked.append(candidates)
            return {t.activations: found[t.activations] for t in candidates}
        return time_vocoder

    types, seconds = choose_types(ExportConfig(), ["avx2"], timings({"uint8": 2.0, "int8": 1.0}))
    assert types == int8.Int8Types("int8", reduce_range=True) and seconds == {"uint8": 2.0, "int8": 1.0}
    types, _ = choose_types(ExportConfig(), ["avx2", "avx512_vnni"], timings({"uint8": 2.0, "int8": 1.0}))
    assert types.reduce_range is False
    # a type whose graph runs no integer kernel is never chosen, however fast
    types, seconds = choose_types(ExportConfig(), ["avx512_vnni"], timings({"uint8": 2.0, "int8": None}))
    assert types.activations == "uint8" and seconds["int8"] is None
    with pytest.raises(CompressError, match="no integer kernel"):
        choose_types(ExportConfig(), ["avx512_vnni"], timings({"uint8": None, "int8": None}))
    calls = len(asked)
    types, seconds = choose_types(ExportConfig(activations="uint8", reduce_range=False), ["avx2"], timings({}))
    assert types == int8.Int8Types("uint8", False) and seconds is None and len(asked) == calls


def test_every_int8_layer_of_a_graph_is_matched_by_its_weight(tiny_qat):
    baked, ranges = baked_float(tiny_qat)
    index = weight_index(baked)
    graphs = float_graphs(baked)
    matched = set()
    for data in graphs.values():
        plan = int8.plan_graph(onnx.load_from_string(data), ranges, index, int8.Int8Types())
        matched |= set(plan.layers.values())
    # every INT8 layer but those traced inside the torch-only paths is found in some graph
    assert matched and matched <= set(ranges)
    assert {name for name in ranges if name.startswith("voc.")} <= matched


def test_the_export_measures_its_own_parity_with_its_parent(tiny_int8_export, tiny_export):
    parity = json.loads((tiny_int8_export / "manifest.json").read_text())["history"][-1]["metrics"]["parity"]
    assert set(parity) == {"cpu", "tensorrt"} and parity["cpu"]["sentences"] == 2
    assert 0 < parity["cpu"]["relative_rms"] <= CPU_RMS_TOLERANCE
    assert parity["tensorrt"]["relative_rms"] <= CPU_RMS_TOLERANCE
    assert "## Against the torch voice" in (tiny_int8_export / "report.md").read_text()
    fp32 = json.loads((tiny_export / "manifest.json").read_text())["history"][-1]["metrics"]["parity"]["cpu"]
    assert fp32["max_abs"] <= 1e-4  # the float graphs compute the float voice


def test_a_float_graph_stores_its_int8_grid_weights_as_int8_and_computes_the_same(tiny_qat):
    """A graph kept float by measurement: its INT8-grid weights as int8 + DequantizeLinear,
    about a quarter of the bytes, folded back to float initializers when the session loads
    (no DequantizeLinear left), with the float graph's outputs."""
    import onnxruntime as ort

    from compress.export.calibration import record_feeds, calibration_sentences
    from compress.export.runtime import open_voice
    from compress.checkpoint import arch_document

    baked, ranges = baked_float(tiny_qat)
    graphs = float_graphs(baked)
    name = "decoder_step"
    plan = int8.plan_graph(onnx.load_from_string(graphs[name]), ranges, weight_index(baked), int8.Int8Types())
    assert plan.grids
    stored = int8.int8_stored_weights(graphs[name], plan)
    weights = {i.name: numpy_helper.to_array(i) for i in onnx.load_from_string(graphs[name]).graph.initializer}
    grid_bytes = sum(weights[w].nbytes for w in plan.grids)
    # 4 bytes a weight -> 1, plus a scale and a zero point per channel (many, in the tiny layers)
    assert len(graphs[name]) - len(stored) > 0.5 * grid_bytes
    ops = int8.optimized_op_types(stored, session_options({}, step=True, fold_int8_weights=True))
    assert "DequantizeLinear" not in ops and "MatMulNBits" not in ops
    onnx_voice = open_voice(arch_document(baked), {"session": {}}, graphs)
    feeds = record_feeds(onnx_voice, calibration_sentences(baked, 1))[name][:4]
    float_session = ort.InferenceSession(graphs[name], session_options({}, True), providers=["CPUExecutionProvider"])
    folded = ort.InferenceSession(stored, session_options({}, True, True), providers=["CPUExecutionProvider"])
    for feed in feeds:
        for a, b in zip(float_session.run(None, feed), folded.run(None, feed)):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)


def test_graphs_kept_float_load_with_their_weights_folded(tmp_path, tiny_qat, tiny_symbols, monkeypatch):
    """An export that keeps every graph float by measurement (faked here: INT8 never faster)
    writes them with int8-stored weights and the runtime folds them."""
    from tests.export.conftest import export_voice

    monkeypatch.setattr(int8, "compare_seconds", lambda candidates, *a, **k: {
        kind: (2.0 if kind == "int8" else 1.0) for kind in candidates})
    path = export_voice(tiny_qat, tmp_path / "02-export", activations="uint8", calib_sentences=1, parity_sentences=1)
    rows = _mode(path)["int8"]["graphs"]
    folded = [name for name, row in rows.items() if row.get("fold_int8_weights")]
    assert "decoder_step" in folded and all(rows[name]["precision"] == "fp32" for name in folded)
    assert "made float when loaded" in (path / "report.md").read_text()
    voice = load_export(path)
    wav = driver.synthesize(voice, encoded_lines(voice, tiny_symbols[:1])).wav
    assert np.isfinite(wav).all() and np.abs(wav).max() > 1e-3
