"""The one module that touches pytorch-quantization (2.1.3): quantizers, calibrators, fake quant.

Everything else in compress/quant/ goes through these functions, so that the library can be
swapped (NVIDIA now develops ModelOpt) by rewriting this file alone.

Conventions (TensorRT's, and what an ONNX QuantizeLinear/DequantizeLinear pair computes):
symmetric INT8, scale = amax / 127, integers in [-128, 127]. The library's own fake-quant
kernel uses the narrow range [-127, 127]; its "fb" path (torch.fake_quantize_*) uses the
full range and is what the TorchScript ONNX exporter turns into Q/DQ nodes, so it is switched
on here for every quantizer: the numbers measured in torch are the numbers an engine computes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import torch
from absl import logging as absl_logging

with warnings.catch_warnings():  # the library scripts helpers with the deprecated torch.jit.script
    warnings.simplefilter("ignore", DeprecationWarning)
    from pytorch_quantization.calib.calibrator import _Calibrator
    from pytorch_quantization.nn.modules.tensor_quantizer import TensorQuantizer
    from pytorch_quantization.tensor_quant import QuantDescriptor

from compress.quant.ema import EmaState
from compress.train import distributed

BITS = 8
BOUND = 127  # scale = amax / BOUND
QMIN, QMAX = -128, 127

TensorQuantizer.use_fb_fake_quant = True
# The library logs through absl at WARNING for routine events (every amax load, every
# state_dict load); the CLI prints its own progress.
absl_logging.set_verbosity(absl_logging.ERROR)


def batch_statistic(x: torch.Tensor, percentile: float) -> float:
    """max |x| (percentile 100) or that percentile of |x| (kthvalue: no size limit)."""
    values = x.detach().abs().reshape(-1)
    if percentile >= 100:
        return float(values.max())
    k = max(1, min(values.numel(), int(round(values.numel() * percentile / 100))))
    return float(values.kthvalue(k).values)


class EmaCalibrator(_Calibrator):
    """amax = exponential moving average of each batch's max |x| (or of a percentile of
    |x|), per tensor.

    Plugs into the library's calibrator interface (collect / compute_amax / reset). The
    quantizer that owns it is passed in so that each collected batch updates the quantizer's
    registered amax buffer at once: during QAT the same forward pass then quantizes with the
    range that includes this batch."""

    def __init__(self, decay: float, target: TensorQuantizer, percentile: float = 100.0):
        super().__init__(BITS, None, False)
        self.state = EmaState(decay)
        self.percentile = percentile
        self._owner = target  # read at each batch: .to() or load_state_dict may replace its buffer

    def collect(self, x: torch.Tensor) -> None:
        # under torchrun the ranks average their shares' statistics, so that every rank
        # tracks the same range (a mean of per-share percentiles, near the global batch's)
        self.state.update(distributed.agree(batch_statistic(x, self.percentile), "mean"))
        self._owner._amax.fill_(self.state.value)

    def compute_amax(self) -> torch.Tensor | None:
        return None if self.state.value is None else torch.tensor(self.state.value)

    def reset(self) -> None:
        self.state = EmaState(self.state.decay)


class MaxCalibrator(_Calibrator):
    """The library's max calibration (the running max of every batch), with the same
    write-through to the amax buffer as EmaCalibrator, for the `calibrator: max` recipe."""

    def __init__(self, owner: TensorQuantizer):
        super().__init__(BITS, None, False)
        self._max: float | None = None
        self._owner = owner

    def collect(self, x: torch.Tensor) -> None:
        batch = distributed.agree(float(x.detach().abs().max()), "max")
        self._max = batch if self._max is None else max(self._max, batch)
        self._owner._amax.fill_(self._max)

    def compute_amax(self) -> torch.Tensor | None:
        return None if self._max is None else torch.tensor(self._max)

    def reset(self) -> None:
        self._max = None


@dataclass(frozen=True)
class CalibratorSpec:
    """Which calibrator an activation quantizer gets: "ema" (decay, percentile) or "max"."""

    kind: str = "ema"
    decay: float = 0.99
    percentile: float = 100.0


def input_quantizer(spec: CalibratorSpec = CalibratorSpec()) -> TensorQuantizer:
    """Per-tensor activation quantizer with a scalar amax buffer (1.0 until calibrated)."""
    quantizer = TensorQuantizer(QuantDescriptor(num_bits=BITS, amax=1.0))
    quantizer._calibrator = (EmaCalibrator(spec.decay, quantizer, spec.percentile) if spec.kind == "ema"
                             else MaxCalibrator(quantizer))
    return quantizer


def weight_quantizer(weight: torch.Tensor, axis: int) -> TensorQuantizer:
    """Per-channel weight quantizer along `axis`, amax taken from the weight itself
    (a keep-dims shape, e.g. (C, 1, 1) for a conv's output channels)."""
    quantizer = TensorQuantizer(QuantDescriptor(num_bits=BITS, axis=(axis,), amax=0.0))
    del quantizer._buffers["_amax"]
    quantizer.register_buffer("_amax", channel_amax(weight, axis))
    return quantizer


def channel_amax(weight: torch.Tensor, axis: int) -> torch.Tensor:
    dims = [d for d in range(weight.dim()) if d != axis]
    # a channel of zeros keeps a positive range (scale 0 is not a valid quantizer)
    return weight.detach().abs().amax(dim=dims, keepdim=True).clamp(min=1e-8)


def refresh_weight_amax(quantizer: TensorQuantizer, weight: torch.Tensor) -> None:
    """Set a weight quantizer's amax to its weight's current per-channel max."""
    quantizer._amax.copy_(channel_amax(weight, quantizer.axis[0]))


def amax(quantizer: TensorQuantizer) -> torch.Tensor:
    return quantizer._amax


def axis(quantizer: TensorQuantizer) -> int | None:
    return None if quantizer.axis is None else quantizer.axis[0]


def scale(quantizer: TensorQuantizer) -> float:
    """The per-tensor scale (amax / 127) of an activation quantizer; 0.0 means float."""
    return float(quantizer._amax) / BOUND


def set_mode(quantizer: TensorQuantizer, calibrate: bool, quantize: bool) -> None:
    """calibrate: every forward updates amax; quantize: the output is fake-quantized."""
    quantizer._if_calib = calibrate
    quantizer._if_quant = quantize


def is_calibrating(quantizer: TensorQuantizer) -> bool:
    return bool(quantizer._if_calib)


def calibrator_state(quantizer: TensorQuantizer) -> float | None:
    """The calibrator's running value (EMA or max), None before any batch."""
    found = quantizer._calibrator.compute_amax()
    return None if found is None else float(found)


def fake_quant_per_tensor(x: torch.Tensor, scale_value: float) -> torch.Tensor:
    """What an activation quantizer with this scale computes (for code that has no module)."""
    return torch.fake_quantize_per_tensor_affine(x, scale_value, 0, QMIN, QMAX)
