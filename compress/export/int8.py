"""A float graph as an ONNX Runtime INT8 graph that runs QLinearConv / QGemm kernels with the QAT ranges.

ONNX Runtime runs a convolution in INT8 only where its quantized QDQ pattern is complete:
DequantizeLinear on the input and on the weight, QuantizeLinear on the output (fused into
QLinearConv at ORT_ENABLE_EXTENDED and above). QAT learns the ranges of layer inputs (what
TensorRT needs) and, with `qat.vocoder_outputs` (the default), of the vocoder's conv
outputs, which an INT8 kernel writes as integers; the outputs it did not range (the acoustic
model's, and those of stages made without them) are ranged here by ONNX Runtime's MinMax
calibrator over the recorded feeds (calibration.py). So:

* every Conv / Gemm / MatMul whose weight belongs to an INT8 layer of the precision table
  is quantized, with its input scale, its per-channel weight scales and (where QAT ranged
  it) its output scale overridden by the QAT values (scale = amax / 127; for uint8
  activations the zero point is 128, which puts the same 256 levels on the same grid as
  QAT's int8). A tensor has one scale: two INT8 layers reading it share the wider of their
  input ranges, and a conv output QAT ranged keeps that range where another INT8 layer reads
  it (neither happens in the graphs of KAN-TTS voices: every INT8 layer reads a tensor of
  its own, through a LeakyReLU, a concat or a norm);
* every other one (islands, the attention matmuls q.k and p.v, anything unmatched) stays
  float, and so do LSTMs, norms and elementwise ops (DQ/Q around them convert);
* the bias is int32 at input scale x weight scale, the weight scale never adjusted for it.

Weights per output channel; a polyphase conv's channel c*s+r takes channel c's scale of the
transposed conv it replaces. With `reduce_range` (CPUs without VNNI, where U8S8 products can
saturate) weights get 7 bits and ONNX Runtime derives their scales from the (INT8-grid)
weights instead.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from compress.export.ranges import LayerRange, WeightIndex

QUANTIZABLE = ("Conv", "Gemm", "MatMul")
ACTIVATION_TYPES = ("uint8", "int8")


@dataclass(frozen=True)
class Int8Types:
    activations: str = "uint8"  # uint8 (U8S8) or int8 (S8S8); weights are int8
    reduce_range: bool = False  # 7-bit weights (CPUs without VNNI)


@dataclass
class Plan:
    """Which nodes of one graph are quantized, and the QAT overrides of their tensors."""

    quantized: list[str]
    excluded: list[str]
    overrides: dict[str, list[dict]]
    layers: dict[str, str]  # node name -> layer name (quantized nodes)
    # weight initializer -> (QAT's per-channel scales, channel axis): the INT8 grid it is on
    grids: dict[str, tuple[np.ndarray, int]] = field(default_factory=dict)


def _weight_axis(node: onnx.NodeProto, layout: str) -> int:
    if node.op_type == "MatMul" or layout == "transposed":
        return 1
    if node.op_type == "Gemm":
        trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
        return 0 if trans_b else 1
    return 0


def _channel_scales(layer: LayerRange, layout: str, channels: int) -> np.ndarray | None:
    """Per-channel weight scales for a node's weight of `channels` channels, or None when
    the QAT grid does not map onto them (a transposed conv ranged per input channel)."""
    scales = layer.weight_scales()
    if layout.startswith("polyphase"):
        if layer.weight_axis != 1:
            return None
        stride = int(layout.split(":")[1])
        scales = np.repeat(scales, stride)
    return scales if scales.size == channels else None


def _activation_override(scale: float, types: Int8Types) -> dict:
    zero = 128 if types.activations == "uint8" else 0
    return {"scale": np.array(scale, dtype=np.float32), "zero_point": np.array(zero, dtype=np.uint8 if zero else np.int8)}


def plan_graph(model: onnx.ModelProto, ranges: dict[str, LayerRange], index: WeightIndex,
               types: Int8Types) -> Plan:
    initializers = {i.name: i for i in model.graph.initializer}
    plan = Plan([], [], {}, {})
    input_amax: dict[str, float] = {}
    output_amax: dict[str, float] = {}
    for node in model.graph.node:
        if node.op_type not in QUANTIZABLE:
            continue
        weight = initializers.get(node.input[1]) if len(node.input) > 1 else None
        found = index.find(numpy_helper.to_array(weight)) if weight is not None else None
        layer = ranges.get(found[0]) if found else None
        if layer is None:
            plan.excluded.append(node.name)
            continue
        plan.quantized.append(node.name)
        plan.layers[node.name] = layer.name
        input_amax[node.input[0]] = max(input_amax.get(node.input[0], 0.0), layer.input_amax)
        array = numpy_helper.to_array(weight)
        axis = _weight_axis(node, found[1])
        scales = _channel_scales(layer, found[1], array.shape[axis])
        if scales is not None:
            plan.grids[weight.name] = (scales, axis)
        if scales is not None and not types.reduce_range:
            plan.overrides[weight.name] = [
                {"scale": np.array(s, dtype=np.float32), "zero_point": np.array(0, dtype=np.int8), **({"axis": axis} if i == 0 else {})}
                for i, s in enumerate(scales)]
        if layer.output_amax is not None and node.op_type == "Conv":
            output_amax[node.output[0]] = layer.output_amax
    # one scale per tensor: a tensor read by two INT8 layers gets the wider of their input
    # ranges, and a conv output QAT ranged keeps that range (the first rounding QAT applies)
    for tensor, amax in {**input_amax, **output_amax}.items():
        plan.overrides[tensor] = [_activation_override(amax / 127.0, types)]
    return plan


def int8_stored_weights(model_bytes: bytes, plan: Plan) -> bytes:
    """The same float graph with every INT8-grid weight of `plan` stored as int8 and a
    DequantizeLinear: a quarter of the bytes on disk. A session opened with
    `session.disable_quant_qdq` folds each DequantizeLinear back into a float initializer
    when it loads (runtime.session_options), so the graph computes what the float one does:
    for the graphs kept float because INT8 kernels were not faster. A weight that is not on
    its grid (within float rounding) stays float."""
    model = onnx.load_from_string(model_bytes)
    graph = model.graph
    initializers = {i.name: i for i in graph.initializer}
    dequantize = []
    for name, (scales, axis) in plan.grids.items():
        weight = numpy_helper.to_array(initializers[name]).astype(np.float32)
        shape = [1] * weight.ndim
        shape[axis] = -1
        grid = scales.reshape(shape).astype(np.float32)
        levels = np.round(weight / grid)
        if np.abs(levels).max() > 127 or not np.allclose(levels * grid, weight, rtol=1e-5, atol=1e-8):
            continue
        graph.initializer.remove(initializers[name])
        graph.initializer.extend([numpy_helper.from_array(levels.astype(np.int8), f"{name}_int8"),
                                  numpy_helper.from_array(scales.astype(np.float32), f"{name}_scale"),
                                  numpy_helper.from_array(np.zeros(scales.size, np.int8), f"{name}_zero")])
        dequantize.append(onnx.helper.make_node("DequantizeLinear", [f"{name}_int8", f"{name}_scale", f"{name}_zero"],
                                                [name], name=f"{name}_dequantize", axis=axis))
    nodes = dequantize + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    return model.SerializeToString()


class _Reader:
    """The CalibrationDataReader interface over recorded feeds."""

    def __init__(self, feeds: list[dict]):
        self._feeds = iter(feeds)

    def get_next(self):
        return next(self._feeds, None)


def quantize(model_bytes: bytes, plan: Plan, feeds: list[dict], types: Int8Types) -> bytes:
    """The QDQ INT8 graph of `model_bytes` (see the module doc)."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    activation = QuantType.QUInt8 if types.activations == "uint8" else QuantType.QInt8
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "float.onnx", Path(tmp) / "int8.onnx"
        source.write_bytes(model_bytes)
        quantize_static(
            str(source), str(target), _Reader(feeds), quant_format=QuantFormat.QDQ,
            op_types_to_quantize=list(QUANTIZABLE), per_channel=True, reduce_range=types.reduce_range,
            activation_type=activation, weight_type=QuantType.QInt8, nodes_to_quantize=plan.quantized,
            calibrate_method=CalibrationMethod.MinMax,
            extra_options={"TensorQuantOverrides": plan.overrides, "QDQOpTypePerChannelSupportToAxis": {"MatMul": 1},
                           "QDQDisableWeightAdjustForInt32Bias": True,
                           "MatMulConstBOnly": True})
        return target.read_bytes()


def compare_seconds(candidates: dict[str, bytes], feeds: list[dict], options_for, rounds: int = 5) -> dict[str, float]:
    """Seconds per run over `feeds` of each candidate graph, timed in interleaved rounds (A, B,
    A, B, ...) and the fastest round kept: on a shared machine a burst of load then slows one
    round of each candidate, not all the rounds of one."""
    import onnxruntime as ort

    sessions = {name: ort.InferenceSession(data, options_for(), providers=["CPUExecutionProvider"])
                for name, data in candidates.items()}
    for session in sessions.values():
        session.run(None, feeds[0])  # the first run allocates
    best = dict.fromkeys(sessions, float("inf"))
    for _ in range(rounds):
        for name, session in sessions.items():
            started = time.perf_counter()
            for feed in feeds:
                session.run(None, feed)
            best[name] = min(best[name], (time.perf_counter() - started) / len(feeds))
    return best


INTEGER_KERNELS = ("QLinearConv", "QLinearMatMul", "QGemm", "MatMulInteger", "MatMulIntegerToFloat", "ConvInteger",
                   "DynamicQuantizeMatMul")


def integer_kernels(ops: dict[str, int]) -> int:
    """How many nodes of an optimized graph compute in integers."""
    return sum(n for op, n in ops.items() if op in INTEGER_KERNELS)


def optimized_op_types(model_bytes: bytes, options) -> dict[str, int]:
    """Op counts of the graph ONNX Runtime actually runs (after its fusions)."""
    import onnxruntime as ort

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "optimized.onnx"
        options.optimized_model_filepath = str(path)
        options.log_severity_level = 3  # its note that the saved graph is for this CPU only: known, not kept
        ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
        counts: dict[str, int] = {}
        for node in onnx.load(str(path)).graph.node:
            counts[node.op_type] = counts.get(node.op_type, 0) + 1
        return counts
