"""The export stage: a voice's graphs as ONNX files, for ONNX Runtime on CPU.

Convert: trace the graphs (graphs.py) of a float voice; the voice's tensors stay as they
were (the stage dir is still a voice that torch loads), the ONNX files are the stage's
artifacts (their sha256 in the manifest), and the mode says which graphs, for which runtime,
at which precision, with which session settings. Restore: hand the graphs' paths to the
runtime through `voice.runtime`; the torch-free runtime (runtime.py) reads the same mode
from arch.json.

INT8 (the cpu target's QLinearConv graphs) and the tensorrt target's QDQ graph need the
ranges a qat stage learns; without one they are refused with an error that says so.
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

from compress.errors import CompressError
from compress.export.config import ExportConfig
from compress.export.graphs import OPSET, acoustic_graphs, vocoder_graph
from compress.export.runtime import BACKEND
from compress.models.voice import Voice
from compress.registry import StageEntry
from compress.stage import Stage, StageContext, StageRecord, StageResult

# The CPU features that decide which INT8 kernels ONNX Runtime can use (recorded beside figures).
CPU_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni", "avx512_bf16",
             "amx_int8", "amx_bf16")


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


def check_exportable(voice: Voice, config: ExportConfig) -> None:
    stages = [m["stage"] for m in voice.modes]
    if voice.vocoder.arch.nsf:
        raise ExportError("this voice has an NSF vocoder (an F0-driven source with random draws); "
                          "the export takes plain HiFi-GAN voices only")
    if config.target != "cpu":
        raise ExportError(f"the {config.target} target needs a qat stage (TensorRT's QDQ graph carries the ranges "
                          f"QAT learns); export --target cpu for FP32 graphs")
    if config.precision == "int8" and "qat" not in stages:
        raise ExportError("export.precision=int8 needs a qat stage (its learned ranges); this voice has none: "
                          "run qat first, or export at fp32")
    if config.precision == "int8":
        raise ExportError("INT8 export of a qat stage is not built yet; export at fp32")
    if stages:
        raise ExportError(f"an fp32 export takes a float voice; this one has modes of {', '.join(stages)}")


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
        ctx.step("export", 0, 2)
        graphs = acoustic_graphs(voice.am)
        ctx.step("export", 1, 2)
        graphs["vocoder"] = vocoder_graph(voice.vocoder, config.polyphase)
        ctx.step("export", 2, 2)
        files = {name: f"{name}.onnx" for name in graphs}
        mode = {"runtime": BACKEND, "target": config.target, "precision": config.precision, "opset": OPSET,
                "polyphase": config.polyphase, "graphs": files,
                "session": {"optimization": config.optimization, "threads": config.threads,
                            "spinning": config.spinning},
                "cpu": {"flags": cpu_flags(), "cores": os.cpu_count()}}
        sizes = {files[name]: len(data) for name, data in graphs.items()}
        metrics = {"bytes": sizes, "total_bytes": sum(sizes.values()),
                   "seconds": round(time.perf_counter() - started, 1)}
        record = StageRecord(changes=[{"graph": name, "file": files[name], "bytes": len(data)}
                                      for name, data in graphs.items()], metrics=metrics,
                             report=_report(mode, sizes))
        # the same modules, in a Voice of its own: run_stage gives the result its modes and dir
        exported = dataclasses.replace(voice, modes=list(voice.modes), runtime={})
        return StageResult(exported, record, mode, {files[name]: data for name, data in graphs.items()})

    def restore(self, voice: Voice, mode: dict, stage_dir: Path) -> Voice:
        voice.runtime = {"backend": mode["runtime"], "precision": mode["precision"], "dir": str(stage_dir),
                         "graphs": {name: str(Path(stage_dir) / file) for name, file in mode["graphs"].items()}}
        return voice


def _report(mode: dict, sizes: dict[str, int]) -> str:
    rows = "\n".join(f"| {name} | {size / 1e6:.2f} |" for name, size in sizes.items())
    return (f"# Export: {mode['target']}, {mode['precision']}, {mode['runtime']}\n\n"
            f"Opset {mode['opset']}; ConvTranspose1d rewritten as Conv1d + interleave: {mode['polyphase']}.\n"
            f"Session: {mode['session']}. CPU flags: {', '.join(mode['cpu']['flags']) or 'none read'}.\n\n"
            f"| graph | MB |\n|---|---|\n{rows}\n\n"
            f"Run it: `sambert-compress synth --voice THIS_DIR --text ... --out out.wav` (ONNX Runtime, no torch).\n")


ENTRY = StageEntry(name="export", config_class=ExportConfig, group="export",
                   stage=ExportStage(), label="ONNX")
