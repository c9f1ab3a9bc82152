"""The `export` recipe group, checked on construction."""

from __future__ import annotations

from dataclasses import dataclass

TARGETS = ("cpu", "tensorrt", "both")
PRECISIONS = ("fp32", "int8")
OPTIMIZATION_LEVELS = ("disabled", "basic", "extended", "all")


@dataclass
class ExportConfig:
    target: str = "cpu"  # cpu: ONNX Runtime graphs; tensorrt: QDQ ONNX for trtexec (needs a qat stage)
    precision: str = "fp32"  # int8 needs a qat stage (its learned ranges)
    polyphase: bool = True  # every ConvTranspose1d as Conv1d + interleave (ORT has no INT8 ConvTranspose)
    # ONNX Runtime session settings, recorded in the stage's mode and used by the runtime
    optimization: str = "all"  # graph optimization level
    threads: int = 0  # intra-op threads of the once-per-sentence graphs; 0 = every core
    spinning: bool = False  # busy-waiting worker threads: off, for a CPU shared with other jobs

    def __post_init__(self):
        if self.target not in TARGETS:
            raise ValueError(f"unknown export target {self.target!r}; use {', '.join(TARGETS)}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown export precision {self.precision!r}; use {', '.join(PRECISIONS)}")
        if self.optimization not in OPTIMIZATION_LEVELS:
            raise ValueError(f"unknown optimization level {self.optimization!r}; use {', '.join(OPTIMIZATION_LEVELS)}")
        if self.threads < 0:
            raise ValueError(f"threads must be 0 (every core) or more, got {self.threads}")
