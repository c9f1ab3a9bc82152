"""The tensorrt target: a qat stage's graphs with QuantizeLinear/DequantizeLinear in TensorRT's convention.

The fake-quantized modules of the qat stage are traced as they are (the TorchScript
exporter turns each quantizer's `torch.fake_quantize_*` into a Q/DQ pair): symmetric INT8,
zero point 0, per-tensor activation scales and per-channel weight scales from the ranges QAT
learned, on the input and the weight of every INT8 conv and linear, nothing on outputs
(TensorRT places its own). Islands and the float-by-policy layers carry no Q/DQ: TensorRT
builds them in FP16 when the engine is built with `--fp16`. Transposed convs stay
ConvTranspose (TensorRT has INT8 deconvolution); their weight scales run along the axis the
qat stage chose (`qat.transpose_axis=input` is TensorRT's convention).

The graphs are the cpu target's cut (graphs.py), so the same driver runs them in ONNX Runtime
(as float kernels between Q/DQ pairs: a check of the numbers, not a fast path); the vocoder's
batch axis is dynamic beside its time axis.

Build an engine where TensorRT is installed (not on this machine):

    trtexec --onnx=DIR/tensorrt.vocoder.onnx --int8 --fp16 \\
        --minShapes=mel:1x80x16 --optShapes=mel:1x80x400 --maxShapes=mel:8x80x2000 --saveEngine=vocoder.plan
"""

from __future__ import annotations

import torch

from compress.export.graphs import VocoderGraph, acoustic_graphs, to_onnx
from compress.models.voice import Voice

PREFIX = "tensorrt."


def vocoder_qdq_graph(voice: Voice) -> bytes:
    """The fake-quantized vocoder (ConvTranspose kept), batch and time axes dynamic."""
    model = VocoderGraph(voice.vocoder.eval())
    tails = model.zero_state()
    names = [f"state.{i}" for i in range(len(tails))]
    outputs = ["wav", *[f"next_state.{i}" for i in range(len(tails))]]
    mel = torch.zeros(1, voice.vocoder.arch.in_channels, 10)
    dynamic = {"mel": {0: "batch", 2: "frames"}, "wav": {0: "batch", 2: "samples"},
               **{name: {0: "batch"} for name in names + outputs[1:]}}
    return to_onnx(model, (mel, *tails), ["mel", *names], outputs, dynamic)


def qdq_graphs(voice: Voice) -> dict[str, bytes]:
    """Every graph of a qat voice with its Q/DQ pairs, by graph name."""
    graphs = acoustic_graphs(voice.am)
    graphs["vocoder"] = vocoder_qdq_graph(voice)
    return graphs


def trtexec_commands(files: dict[str, str], n_mels: int) -> str:
    """The commands that build the engines (documented in the report; run where TensorRT is)."""
    lines = []
    for name, file in files.items():
        shapes = (f" --minShapes=mel:1x{n_mels}x16 --optShapes=mel:1x{n_mels}x400 --maxShapes=mel:8x{n_mels}x2000"
                  if name == "vocoder" else "")
        lines.append(f"trtexec --onnx={file} --int8 --fp16{shapes} --saveEngine={name}.plan")
    return "\n".join(lines)
