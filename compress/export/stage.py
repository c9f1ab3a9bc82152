"""The export stage: a voice's graphs as ONNX files, for ONNX Runtime on CPU and for TensorRT.

Convert: trace the graphs (graphs.py); the voice's tensors stay as they were (the stage dir
is still a voice that torch loads), the ONNX files are the stage's artifacts (their sha256 in
the manifest), and the mode says which graphs, for which runtime, at which precision, with
which session settings. Restore: hand the graphs' paths to the runtime through
`voice.runtime`; the torch-free runtime (runtime.py) reads the same mode from arch.json.

Targets and precisions:

    float voice, cpu         FP32 graphs (the float baseline in the same runtime)
    qat stage,   cpu         INT8 graphs for ONNX Runtime's integer kernels (cpu.py)
    qat stage,   tensorrt    QDQ graphs in TensorRT's convention (tensorrt.py); ONNX Runtime
                             runs them too, as float kernels between Q/DQ pairs
    qat stage,   both        the cpu graphs run; the QDQ graphs ride along as tensorrt.*.onnx
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

from compress.errors import CompressError
from compress.export.config import ExportConfig
from compress.checkpoint import arch_document
from compress.export.calibration import calibration_sentences
from compress.export.cpu import int8_graphs
from compress.export.graphs import OPSET, acoustic_graphs, vocoder_graph
from compress.export.parity import waveform_parity
from compress.export.runtime import BACKEND, open_voice
from compress.export.tensorrt import PREFIX, qdq_graphs, trtexec_commands
from compress.models.voice import Voice
from compress.registry import StageEntry
from compress.stage import Stage, StageContext, StageRecord, StageResult

# The CPU features that decide which INT8 kernels ONNX Runtime can use (recorded beside figures).
CPU_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni", "avx512_bf16",
             "amx_int8", "amx_bf16")


# Where an NSF voice's source runs: its random draws and the phase a stream carries over stay
# out of the graphs (compress/models/nsf_source.py); the graph applies the source's ffn.
NSF_SOURCE = "the driver, in numpy float32 (sines and noise); the vocoder graph applies the source's ffn"


class ExportError(CompressError):
    """A voice or a setting the export cannot serve."""


def cpu_flags() -> list[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    line = next((line for line in text.splitlines() if line.startswith(("flags", "Features"))), "")
    present = set(line.split(":", 1)[-1].split())
    return [flag for flag in CPU_FLAGS if flag in present]


def precision_for(voice: Voice, config: ExportConfig) -> str:
    if config.precision != "auto":
        return config.precision
    return "int8" if _has_qat(voice) else "fp32"


def _has_qat(voice: Voice) -> bool:
    return any(m["stage"] == "qat" and not m["mode"].get("stripped") for m in voice.modes)


def check_exportable(voice: Voice, config: ExportConfig) -> None:
    stages = [m["stage"] for m in voice.modes]
    if "export" in stages:
        raise ExportError("this voice is an export already; export its parent stage")
    precision = precision_for(voice, config)
    if config.target != "cpu" and not _has_qat(voice):
        raise ExportError(f"the {config.target} target needs a qat stage (TensorRT's QDQ graph carries the ranges "
                          f"QAT learns); run qat first, or export --target cpu for FP32 graphs")
    if precision == "int8" and not _has_qat(voice):
        raise ExportError("export.precision=int8 needs a qat stage (its learned ranges); this voice has none: "
                          "run qat first, or export at fp32")
    if precision == "fp32" and _has_qat(voice):
        raise ExportError("this voice is a qat stage (fake-quantized layers): export it at int8, or export its "
                          "float parent at fp32")
    if precision == "int8" and not config.polyphase and config.target != "tensorrt":
        raise ExportError("INT8 cpu graphs need export.polyphase=true (ONNX Runtime has no INT8 ConvTranspose)")


class ExportStage(Stage):
    name = "export"

    def refusal(self, voice: Voice, config: ExportConfig) -> str | None:
        try:
            check_exportable(voice, config)
        except ExportError as err:
            return str(err)
        return None

    def apply(self, voice: Voice, config: ExportConfig, ctx: StageContext) -> StageResult:
        check_exportable(voice, config)
        started = time.perf_counter()
        precision, flags = precision_for(voice, config), cpu_flags()
        artifacts, files, trt_files, int8_choice = {}, {}, {}, None
        if config.target in ("cpu", "both"):
            if precision == "int8":
                graphs, int8_choice = int8_graphs(voice, config, flags, ctx.step)
            else:
                graphs = acoustic_graphs(voice.am)
                graphs["vocoder"] = vocoder_graph(voice.vocoder, config.polyphase)
            files = {name: f"{name}.onnx" for name in graphs}
            artifacts.update({files[name]: data for name, data in graphs.items()})
        if config.target in ("tensorrt", "both"):
            ctx.step("tensorrt graphs", 0, 1)
            qdq = qdq_graphs(voice)
            prefix = PREFIX if config.target == "both" else ""
            trt_files = {name: f"{prefix}{name}.onnx" for name in qdq}
            artifacts.update({trt_files[name]: data for name, data in qdq.items()})
            files = files or trt_files  # a tensorrt-only export runs its QDQ graphs in ONNX Runtime
            ctx.step("tensorrt graphs", 1, 1)
        mode = {"runtime": BACKEND, "target": config.target, "precision": precision, "opset": OPSET,
                "polyphase": config.polyphase if config.target != "tensorrt" else False, "graphs": files,
                "session": {"optimization": config.optimization, "threads": config.threads,
                            "spinning": config.spinning},
                "cpu": {"flags": flags, "cores": os.cpu_count()}}
        if int8_choice:
            mode["int8"] = int8_choice
        if voice.vocoder.arch.nsf:
            mode["nsf_source"] = NSF_SOURCE
        if trt_files:
            mode["tensorrt"] = {"graphs": trt_files, "trtexec": trtexec_commands(trt_files, voice.vocoder.arch)}
        sizes = {file: len(data) for file, data in artifacts.items()}
        metrics = {"bytes": sizes, "total_bytes": sum(sizes[f] for f in files.values())}
        if config.parity_sentences:
            ctx.step("parity", 0, 1)
            metrics["parity"] = _parity(voice, mode, artifacts, config)
            ctx.step("parity", 1, 1)
        metrics["seconds"] = round(time.perf_counter() - started, 1)
        mode_report = {**mode, "parity": metrics.get("parity")}
        record = StageRecord(changes=[{"file": file, "bytes": size} for file, size in sizes.items()],
                             metrics=metrics, report=_report(mode_report, sizes))
        # the same modules, in a Voice of its own: run_stage gives the result its modes and dir
        exported = dataclasses.replace(voice, modes=list(voice.modes), runtime={})
        return StageResult(exported, record, mode, artifacts)

    def restore(self, voice: Voice, mode: dict, stage_dir: Path) -> Voice:
        voice.runtime = {"backend": mode["runtime"], "precision": mode["precision"], "dir": str(stage_dir),
                         "graphs": {name: str(Path(stage_dir) / file) for name, file in mode["graphs"].items()}}
        return voice


def _parity(voice: Voice, mode: dict, artifacts: dict[str, bytes], config: ExportConfig) -> dict:
    """Waveform parity of each target's graphs with the voice they were traced from."""
    sentences = calibration_sentences(voice, config.parity_sentences, config.texts)
    if not sentences:
        return {}
    arch = arch_document(voice)
    sets = {mode["target"] if mode["target"] != "both" else "cpu": mode["graphs"]}
    if "tensorrt" in mode and mode["target"] == "both":
        sets["tensorrt"] = mode["tensorrt"]["graphs"]
    found = {}
    for target, files in sets.items():
        graphs = {name: artifacts[file] for name, file in files.items()}
        found[target] = {k: (round(v, 7) if isinstance(v, float) else v) for k, v in waveform_parity(
            voice, open_voice(arch, mode, graphs), sentences).items()}
    return found


def _report(mode: dict, sizes: dict[str, int]) -> str:
    rows = "\n".join(f"| {name} | {size / 1e6:.2f} |" for name, size in sizes.items())
    text = (f"# Export: {mode['target']}, {mode['precision']}, {mode['runtime']}\n\n"
            f"Opset {mode['opset']}; ConvTranspose1d rewritten as Conv1d + interleave: {mode['polyphase']}.\n"
            f"Session: {mode['session']}. CPU flags: {', '.join(mode['cpu']['flags']) or 'none read'}.\n\n"
            f"| file | MB |\n|---|---|\n{rows}\n\n")
    if "int8" in mode:
        types = mode["int8"]["types"]
        text += (f"## INT8 graphs\n\nActivations {types['activations']}, weights int8, reduce_range "
                 f"{types['reduce_range']}; seconds per vocoder run by activation type: "
                 f"{types['seconds_by_activation_type'] or 'fixed by the recipe'}.\n\n"
                 "| graph | precision | why | INT8 nodes | float nodes | s/run fp32 | s/run int8 | kernels |\n"
                 "|---|---|---|---|---|---|---|---|\n")
        for name, row in mode["int8"]["graphs"].items():
            seconds = row.get("seconds_per_run", {})
            why = row["reason"] + ("; its INT8-grid weights stored as int8, made float when loaded"
                                   if row.get("fold_int8_weights") else "")
            text += (f"| {name} | {row['precision']} | {why} | {row.get('int8_nodes', 0)} | "
                     f"{row.get('float_nodes', '')} | {seconds.get('fp32', '')} | {seconds.get('int8', '')} | "
                     f"{row.get('kernels', '')} |\n")
        text += "\n"
    if mode.get("parity"):
        text += ("## Against the torch voice it was traced from\n\nThe same sentences with the parent's durations "
                 "held (waveform samples in [-1, 1]):\n\n| graphs | sentences | max difference | RMS | RMS / signal RMS |\n"
                 "|---|---|---|---|---|\n")
        for target, row in mode["parity"].items():
            text += (f"| {target} | {row['sentences']} | {row['max_abs']:.4g} | {row['rms']:.4g} | "
                     f"{row['relative_rms']:.4g} |\n")
        text += "\n"
    if "nsf_source" in mode:
        text += f"The NSF source runs in {mode['nsf_source']}.\n\n"
    if "tensorrt" in mode:
        text += f"## TensorRT\n\nBuild the engines where TensorRT is installed:\n\n```\n{mode['tensorrt']['trtexec']}\n```\n\n"
    return text + "Run it: `sambert-compress synth --voice THIS_DIR --text ... --out out.wav` (ONNX Runtime, no torch).\n"


ENTRY = StageEntry(name="export", config_class=ExportConfig, group="export",
                   stage=ExportStage(), label="ONNX")
