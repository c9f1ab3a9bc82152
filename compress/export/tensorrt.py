"""The tensorrt target: a qat stage's graphs with QuantizeLinear/DequantizeLinear in TensorRT's convention.

The fake-quantized modules of the qat stage are traced as they are (the TorchScript
exporter turns each quantizer's `torch.fake_quantize_*` into a Q/DQ pair): symmetric INT8,
zero point 0, per-tensor activation scales and per-channel weight scales from the ranges QAT
learned, on the input and the weight of every INT8 conv and linear, and on the output of
every INT8 conv whose output QAT ranged (`qat.vocoder_outputs`: TensorRT fuses that pair
into the conv's INT8 output), nothing on other outputs (TensorRT places its own). Islands
and the float-by-policy layers carry no Q/DQ: TensorRT builds them in FP16 when the engine
is built with `--fp16`. Transposed convs stay ConvTranspose (TensorRT has INT8
deconvolution); their weight scales run along the axis the qat stage chose
(`qat.transpose_axis=input` is TensorRT's convention).

The graphs are the cpu target's cut (graphs.py), so the same driver runs them in ONNX Runtime
(as float kernels between Q/DQ pairs: a check of the numbers, not a fast path); the vocoder's
batch axis is dynamic beside its time axis.

Build an engine where TensorRT is installed (not on this machine):

    trtexec --onnx=DIR/tensorrt.vocoder.onnx --int8 --fp16 \\
        --minShapes=mel:1x80x16 --optShapes=mel:1x80x400 --maxShapes=mel:8x80x2000 --saveEngine=vocoder.plan
"""

from __future__ import annotations

from compress.export.graphs import VocoderGraph, acoustic_graphs, to_onnx
from compress.models.arch import HifiGanArch
from compress.models.voice import Voice

PREFIX = "tensorrt."


def vocoder_qdq_graph(voice: Voice) -> bytes:
    """The fake-quantized vocoder (ConvTranspose kept), batch and time axes dynamic."""
    model = VocoderGraph(voice.vocoder.eval())
    return to_onnx(model, *model.example(batch_axis=True))


def qdq_graphs(voice: Voice) -> dict[str, bytes]:
    """Every graph of a qat voice with its Q/DQ pairs, by graph name."""
    graphs = acoustic_graphs(voice.am, computed_positions=False)
    graphs["vocoder"] = vocoder_qdq_graph(voice)
    return graphs


def _vocoder_shapes(arch: HifiGanArch, batch: int, frames: int) -> str:
    """trtexec's shape list of the vocoder's inputs: the mel, and an NSF voice's source mixture."""
    shapes = [f"mel:{batch}x{arch.in_channels}x{frames}"]
    if arch.nsf:
        shapes.append(f"source:{batch}x{arch.nsf_harmonics + 1}x{frames * arch.hop}")
    return ",".join(shapes)


def trtexec_commands(files: dict[str, str], arch: HifiGanArch) -> str:
    """The commands that build the engines (documented in the report; run where TensorRT is).
    The vocoder's shapes: 16 to 2000 frames of mel (and of an NSF voice's source mixture)."""
    lines = []
    for name, file in files.items():
        shapes = ""
        if name == "vocoder":
            shapes = "".join(f" --{flag}Shapes={_vocoder_shapes(arch, batch, frames)}"
                             for flag, batch, frames in (("min", 1, 16), ("opt", 1, 400), ("max", 8, 2000)))
        lines.append(f"trtexec --onnx={file} --int8 --fp16{shapes} --saveEngine={name}.plan")
    return "\n".join(lines)
