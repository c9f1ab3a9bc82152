"""The `qat` recipe group, checked on construction."""

from __future__ import annotations

from dataclasses import dataclass, field

from compress.prune.recovery import RecoveryConfig
from compress.quant.backend import CalibratorSpec

CALIBRATORS = ("ema", "max")
TRANSPOSE_AXES = ("output", "input")
# The vocoder's last two upsampling stages (transposed and repeat convs, residual blocks)
# and the output conv: the layers that write the highest frequencies. `{last}` is the index
# of the voice's last upsampling stage. Measured on the demo voice after prune (bench against
# the original, compress/quant/README.md): the last stage alone kept MCD 2.46 dB, PESQ 3.82;
# with the stage before it 1.75 dB, 3.94, at 70% instead of 90% of the vocoder's MACs in INT8.
DEFAULT_ISLANDS = [r"voc\.stage\.{last-1}\..*", r"voc\.stage\.{last}\..*", r"voc\.conv_post"]

@dataclass
class QatConfig:
    # QAT steps of the acoustic model and of the vocoder (distillation from the float
    # parent, compress/prune/recovery.py); 0 = that part keeps its calibrated ranges
    # untrained. The acoustic model is not trained by default: on the demo voice the
    # distillation loop alone (no quantization) moved it 0.73 dB from its parent in 100
    # steps, more than its INT8 error (README.md).
    steps: int = 0
    vocoder_steps: int = 100  # -1: as many as steps
    lr: float = 1e-5
    vocoder_lr: float = 2e-5
    ema_decay: float = 0.99  # per batch, calibration and QAT alike
    # the per-batch statistic the EMA averages: 100 = max |x|; below, that percentile of |x|
    ema_percentile: float = 99.99
    # batches of each part after which activation ranges stop moving (counted from the
    # start of QAT; -1 = never, i.e. they track until the last step)
    freeze_step: int = 60
    islands: list[str] = field(default_factory=lambda: list(DEFAULT_ISLANDS))
    calib_sentences: int = 32  # text-only, speakers and emotions in rotation
    calibrator: str = "ema"  # ema (ours) or max (the library's running max)
    # per-channel axis of ConvTranspose1d weights: output (ONNX Runtime; scales factor out of
    # the integer accumulation) or input (TensorRT's deconvolution convention)
    transpose_axis: str = "output"
    # the vocoder's INT8 convs quantize their outputs too, as ONNX Runtime's QLinearConv
    # does (it writes 8-bit integers): QAT then trains with, and the cpu export uses, that
    # range. Without it the export ranged those outputs by calibration alone, and on the
    # 16 kHz reference its vocoder stood 5.3% RMS from the fake-quant one on the same mel
    # (the acoustic graphs added 0.8%: their convs keep calibrated output ranges, since the
    # decoder's step path computes its kernel-1 convs as linears). False: inputs only.
    vocoder_outputs: bool = True
    strip: bool = False  # write the float weights of the QAT'd model (no quantizers) instead
    sentences: int = 270  # distillation sentences for QAT
    texts: str | None = None  # distillation (and calibration) sentences; None: the package's file
    max_frames: int = 1800
    vocoder_batch: int = 8
    measure_sentences: int = 3  # before/after quality figures
    seed: int = 0

    def __post_init__(self):
        if self.steps < 0:
            raise ValueError(f"steps must be >= 0, got {self.steps}")
        if self.vocoder_steps < -1:
            raise ValueError(f"vocoder_steps must be >= -1, got {self.vocoder_steps}")
        if not 0 < self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in (0, 1), got {self.ema_decay}")
        if not 0 < self.ema_percentile <= 100:
            raise ValueError(f"ema_percentile must be in (0, 100], got {self.ema_percentile}")
        if self.freeze_step < -1:
            raise ValueError(f"freeze_step must be >= 0 (or -1: never), got {self.freeze_step}")
        if self.lr <= 0 or self.vocoder_lr <= 0:
            raise ValueError("lr and vocoder_lr must be positive")
        if self.calib_sentences < 1:
            raise ValueError(f"calib_sentences must be >= 1, got {self.calib_sentences}")
        if self.calibrator not in CALIBRATORS:
            raise ValueError(f"calibrator must be one of {', '.join(CALIBRATORS)}, got {self.calibrator!r}")
        if self.transpose_axis not in TRANSPOSE_AXES:
            raise ValueError(f"transpose_axis must be one of {', '.join(TRANSPOSE_AXES)}, got {self.transpose_axis!r}")
        if not all(isinstance(p, str) and p for p in self.islands):
            raise ValueError(f"islands must be non-empty strings, got {self.islands!r}")
        if self.measure_sentences < 1:
            raise ValueError(f"measure_sentences must be >= 1, got {self.measure_sentences}")
        self.distillation()  # checks the training keys

    def conv_outputs(self) -> tuple[str, ...]:
        """The models whose INT8 convs quantize their outputs (swap.py)."""
        return ("voc",) if self.vocoder_outputs else ()

    def calibrator_spec(self) -> CalibratorSpec:
        return CalibratorSpec(self.calibrator, self.ema_decay, self.ema_percentile)

    def part_steps(self) -> dict[str, int]:
        """QAT steps of "acoustic" and "vocoder"."""
        return {"acoustic": self.steps, "vocoder": self.steps if self.vocoder_steps < 0 else self.vocoder_steps}

    def trained_parts(self) -> frozenset[str]:
        return frozenset(part for part, steps in self.part_steps().items() if steps > 0)

    def distillation(self) -> RecoveryConfig:
        """The recovery machinery's config for the QAT fine-tune. Recovery reads steps == 0
        as "no recovery at all"; here each part trains its own steps, so a vocoder-only QAT
        passes a nominal acoustic step count and leaves that part out of `trained_parts`."""
        return RecoveryConfig(steps=max(self.steps, 1), vocoder_steps=self.part_steps()["vocoder"], lr=self.lr,
                              vocoder_lr=self.vocoder_lr, max_frames=self.max_frames,
                              vocoder_batch=self.vocoder_batch, sentences=self.sentences, texts=self.texts)
