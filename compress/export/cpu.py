"""The cpu target at INT8: a qat stage's graphs for ONNX Runtime's integer kernels.

    1. the float voice with INT8-grid weights and the learned ranges (ranges.py);
    2. its float graphs (graphs.py; every ConvTranspose1d as a polyphase Conv1d);
    3. the feeds of every graph while those graphs synthesize calibration sentences;
    4. the activation type (U8S8 or S8S8) chosen by timing the vocoder both ways on this
       CPU, unless the recipe fixes it; 7-bit weights where the CPU has no VNNI;
    5. each graph quantized (int8.py), then kept INT8 only where it runs faster than its
       float graph on the same feeds (the per-step graphs at batch 1 often do not), unless
       the recipe asks for every graph in INT8.

What was chosen, and the timings that chose it, go into the stage's mode and report.
"""

from __future__ import annotations

import onnx
import onnxruntime as ort

from compress.checkpoint import arch_document
from compress.errors import CompressError
from compress.export import int8
from compress.export.calibration import calibration_sentences, record_feeds
from compress.export.config import ExportConfig
from compress.export.graphs import acoustic_graphs, vocoder_graph
from compress.export.polyphase import polyphase_generator
from compress.export.ranges import WeightIndex, baked_float
from compress.export.runtime import STEP_GRAPHS, open_voice, session_options
from compress.models.voice import Voice

VNNI_FLAGS = ("avx512_vnni", "avx_vnni", "amx_int8")
TIMED_FEEDS = 8  # feeds per graph when timing float against INT8


def float_graphs(voice: Voice) -> dict[str, bytes]:
    graphs = acoustic_graphs(voice.am)
    graphs["vocoder"] = vocoder_graph(voice.vocoder, polyphase=True)
    return graphs


def weight_index(voice: Voice) -> WeightIndex:
    index = WeightIndex()
    index.add_model("am", voice.am)
    index.add_model("voc", voice.vocoder)
    for i, branch in enumerate(polyphase_generator(voice.vocoder).transpose_upsamples):
        index.add(f"voc.transpose_upsamples.{i}.1.deconv", branch[1].conv.weight, f"polyphase:{branch[1].stride}")
    return index


def _feeds(voice: Voice, graphs: dict[str, bytes], config: ExportConfig) -> dict[str, list[dict]]:
    sentences = calibration_sentences(voice, config.calib_sentences, config.texts)
    if not sentences:
        raise CompressError(f"no calibration sentence fits the encoder's {voice.am.arch.max_len} tokens; "
                            f"give shorter ones with export.texts")
    onnx_voice = open_voice(arch_document(voice), {"session": _session(config)}, graphs)
    return record_feeds(onnx_voice, sentences)


def _session(config: ExportConfig) -> dict:
    return {"optimization": config.optimization, "threads": config.threads, "spinning": config.spinning}


def _options(config: ExportConfig, step: bool, fold: bool = False) -> ort.SessionOptions:
    return session_options(_session(config), step, fold)


def _compare(candidates: dict[str, bytes], feeds: list[dict], config: ExportConfig, step: bool) -> dict[str, float]:
    return int8.compare_seconds(candidates, feeds[:TIMED_FEEDS], lambda: _options(config, step))


def choose_types(config: ExportConfig, flags: list[str], time_vocoder) -> tuple[int8.Int8Types, dict | None]:
    """The activation type and 7-bit weights where the CPU lacks VNNI (unless the recipe fixes
    them). `time_vocoder([types, ...]) -> {activations: seconds or None}` times the vocoder
    quantized each way; None marks a graph in which ONNX Runtime fused no integer kernel (S8S8
    QDQ convs on x86, say), which is no INT8 graph at all. Returns the timings too."""
    if config.reduce_range == "auto":
        reduce_range = not any(flag in flags for flag in VNNI_FLAGS)
    else:
        reduce_range = config.reduce_range == "true"
    if config.activations != "auto":
        return int8.Int8Types(config.activations, reduce_range), None
    timings = time_vocoder([int8.Int8Types(kind, reduce_range) for kind in int8.ACTIVATION_TYPES])
    usable = {kind: t for kind, t in timings.items() if t is not None}
    if not usable:
        raise CompressError("ONNX Runtime fuses no integer kernel into the vocoder with either activation type "
                            "on this CPU; export at fp32")
    best = min(usable, key=usable.get)
    return int8.Int8Types(best, reduce_range), {k: (round(t, 5) if t is not None else None) for k, t in timings.items()}


def _kernels(data: bytes, config: ExportConfig, step: bool, fold: bool = False) -> dict[str, int]:
    """Counts of the integer kernels in the graph ONNX Runtime runs (and of what is left float)."""
    ops = int8.optimized_op_types(data, _options(config, step, fold))
    return {op: n for op, n in ops.items() if op in int8.INTEGER_KERNELS or op.startswith("QLinear")
            or op in ("Conv", "Gemm", "MatMul", "FusedConv", "FusedGemm", "FusedMatMul", "QuantizeLinear",
                      "DequantizeLinear")}


def _choose(name: str, fp32: bytes, candidate: bytes, plan: int8.Plan, feeds: list[dict],
            config: ExportConfig) -> tuple[bytes, dict]:
    """The INT8 graph where it has integer kernels and runs faster (or the recipe says all),
    else the float one; with the row of the mode's table that says why."""
    step = name in STEP_GRAPHS
    fused = int8.integer_kernels(int8.optimized_op_types(candidate, _options(config, step)))
    seconds = _compare({"fp32": fp32, "int8": candidate}, feeds, config, step)
    if config.int8_graphs == "all":
        keep, reason = True, "every graph INT8 (export.int8_graphs=all)"
    elif not fused:
        keep, reason = False, "ONNX Runtime fused no integer kernel into it"
    else:
        keep = seconds["int8"] < seconds["fp32"]
        reason = f"INT8 {'faster' if keep else 'not faster'} on this CPU"
    graph = candidate if keep else int8.int8_stored_weights(fp32, plan)
    row = {"precision": "int8" if keep else "fp32", "reason": reason,
           "seconds_per_run": {k: round(v, 6) for k, v in seconds.items()},
           "int8_nodes": len(plan.quantized), "float_nodes": len(plan.excluded)}
    if not keep:  # float kernels; the INT8-grid weights stored as int8 (folded when loaded)
        row["fold_int8_weights"] = True
    row["kernels"] = _kernels(graph, config, step, fold=not keep)
    return graph, row


def int8_graphs(voice: Voice, config: ExportConfig, flags: list[str], progress) -> tuple[dict[str, bytes], dict]:
    """The cpu target's graphs of a qat voice and what was chosen ({"types", "graphs"})."""
    baked, ranges = baked_float(voice)
    graphs = float_graphs(baked)
    models = {name: onnx.load_from_string(data) for name, data in graphs.items()}
    index = weight_index(baked)
    progress("calibration", 0, 1)
    feeds = _feeds(baked, graphs, config)
    progress("calibration", 1, 1)

    made: dict[tuple, bytes] = {}

    def quantized(name: str, types: int8.Int8Types) -> bytes:
        if (name, types) not in made:
            plan = int8.plan_graph(models[name], ranges, index, types)
            made[name, types] = int8.quantize(graphs[name], plan, feeds[name], types)
        return made[name, types]

    def time_vocoder(candidates: list[int8.Int8Types]) -> dict[str, float | None]:
        graphs_by_type = {t.activations: quantized("vocoder", t) for t in candidates}
        fused = {kind: data for kind, data in graphs_by_type.items()
                 if int8.integer_kernels(int8.optimized_op_types(data, _options(config, False)))}
        seconds = _compare(fused, feeds["vocoder"], config, step=False) if fused else {}
        return {kind: seconds.get(kind) for kind in graphs_by_type}

    types, type_seconds = choose_types(config, flags, time_vocoder)
    chosen, table = {}, {}
    for done, (name, data) in enumerate(graphs.items()):
        progress("quantize", done, len(graphs))
        plan = int8.plan_graph(models[name], ranges, index, types)
        if not plan.quantized:
            chosen[name], table[name] = data, {"precision": "fp32", "reason": "no INT8 layer in the graph"}
            continue
        chosen[name], table[name] = _choose(name, data, quantized(name, types), plan, feeds[name], config)
    progress("quantize", len(graphs), len(graphs))
    return chosen, {"types": {"activations": types.activations, "weights": "int8", "reduce_range": types.reduce_range,
                              "seconds_by_activation_type": type_seconds},
                    "graphs": table, "calib_sentences": config.calib_sentences}
