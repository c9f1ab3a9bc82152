"""The `export` recipe group, checked on construction."""

from __future__ import annotations

from dataclasses import dataclass

TARGETS = ("cpu", "tensorrt", "both")
PRECISIONS = ("auto", "fp32", "int8")
OPTIMIZATION_LEVELS = ("disabled", "basic", "extended", "all")
ACTIVATIONS = ("auto", "uint8", "int8")
REDUCE_RANGE = ("auto", "true", "false")
INT8_GRAPHS = ("faster", "all")


@dataclass
class ExportConfig:
    target: str = "cpu"  # cpu: ONNX Runtime graphs; tensorrt: QDQ ONNX for trtexec (needs a qat stage); both
    precision: str = "auto"  # auto: int8 from a qat stage, fp32 otherwise; int8 needs a qat stage
    polyphase: bool = True  # every ConvTranspose1d as Conv1d + interleave (ORT has no INT8 ConvTranspose)
    # ONNX Runtime session settings, recorded in the stage's mode and used by the runtime
    optimization: str = "all"  # graph optimization level (INT8 fusion needs extended or all)
    threads: int = 0  # intra-op threads of the once-per-sentence graphs; 0 = every core
    spinning: bool = False  # busy-waiting worker threads: off, for a CPU shared with other jobs
    # INT8 cpu graphs (from a qat stage)
    activations: str = "auto"  # uint8 (U8S8) or int8 (S8S8); auto: the faster on this CPU (timed)
    reduce_range: bool | str = "auto"  # 7-bit weights; auto: true where the CPU has no VNNI (U8S8 saturation)
    int8_graphs: str = "faster"  # faster: a graph stays INT8 only if it runs faster than float; all
    calib_sentences: int = 8  # sentences whose feeds range the conv outputs and time the graphs
    texts: str | None = None  # calibration sentences, one per line; None: the package's distillation file
    parity_sentences: int = 2  # sentences synthesized by the parent (torch) and the graphs (ORT), compared; 0 skips

    def __post_init__(self):
        for key, allowed in (("target", TARGETS), ("precision", PRECISIONS), ("optimization", OPTIMIZATION_LEVELS),
                             ("activations", ACTIVATIONS), ("int8_graphs", INT8_GRAPHS)):
            if getattr(self, key) not in allowed:
                raise ValueError(f"unknown export.{key} {getattr(self, key)!r}; use {', '.join(allowed)}")
        if isinstance(self.reduce_range, bool):  # YAML reads true/false as booleans
            self.reduce_range = str(self.reduce_range).lower()
        if self.reduce_range not in REDUCE_RANGE:
            raise ValueError(f"unknown export.reduce_range {self.reduce_range!r}; use {', '.join(REDUCE_RANGE)}")
        if self.threads < 0:
            raise ValueError(f"threads must be 0 (every core) or more, got {self.threads}")
        if self.parity_sentences < 0:
            raise ValueError(f"parity_sentences must be >= 0, got {self.parity_sentences}")
        if self.calib_sentences < 1:
            raise ValueError(f"calib_sentences must be >= 1, got {self.calib_sentences}")
