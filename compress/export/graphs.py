"""The torch modules that become the ONNX graphs, and their export.

The acoustic model is cut where a small driver (driver.py) has to step it:

    encoder        ling, emotion, speaker ids -> text_aug, spk, emo, cond, pitch, energy
    duration_step  one phone of the autoregressive duration LSTM, its state in and out
    memory         length-regulated frames -> decoder memory and every layer's memory keys/values
    decoder_step   one PNCA step: the previous frame, the memory row, the band mask, and per
                   layer the past w steps' keys/values in; the step's output and the shifted
                   past out (the KV cache, w dynamic)
    postnet_fsmn   the post-net's FSMN over the decoder output (look-ahead, so windows of it)
    postnet_lstm   its LSTM + projection + residual, the LSTM state in and out
    vocoder        the mel -> waveform; a causal vocoder with every conv's tail in and out,
                   so that the same graph runs a whole sentence (zero state) or a stream

Every wrapper calls the voice's own modules (not re-packed weights), so a module that a qat
stage swapped in is what gets traced. Time axes are dynamic; nothing is baked to a length.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

from compress.models.hifigan import Conv, Generator, TransposedConv
from compress.models.sambert import Sambert
from compress.models.variance import Regulated
from compress.export.polyphase import PolyphaseTransposedConv, polyphase_generator

OPSET = 17


class EncoderGraph(nn.Module):
    def __init__(self, am: Sambert):
        super().__init__()
        self.am = am

    def forward(self, ling, emotion, speaker):
        text_hid, _ = self.am.text_encoder(ling)
        spk, emo = self.am.spk_tokenizer(speaker), self.am.emo_tokenizer(emotion)
        pitch, energy, text_aug, cond = self.am.variance_adaptor.predict_prosody(text_hid, spk, emo)
        return text_aug, spk, emo, cond, pitch, energy


class DurationStepGraph(nn.Module):
    def __init__(self, am: Sambert):
        super().__init__()
        self.predictor = am.variance_adaptor.duration_predictor

    def forward(self, prev_log_dur, cond_t, h, c):
        y, (h, c) = self.predictor(prev_log_dur, cond_t, (h, c))
        return y, h, c


class MemoryGraph(nn.Module):
    def __init__(self, am: Sambert):
        super().__init__()
        self.am = am

    def forward(self, text_aug, spk, emo, index, dur_pos):
        layout = Regulated(index=index, dur_pos=dur_pos, lengths=index.new_zeros(1))
        va = self.am.variance_adaptor
        text = layout.expand(text_aug) + va.dur_position_encoder(dur_pos)
        memory = self.am.memory(text, layout.expand(spk), layout.expand(emo))
        kv = []
        for block in self.am.mel_decoder.mel_dec.pnca:
            kv.extend(block.pnca_attn.memory_kv(memory))
        return (memory, *kv)


class DecoderStepGraph(nn.Module):
    """One free-running step; the same function as pnca_steps._decoder_step."""

    def __init__(self, am: Sambert):
        super().__init__()
        self.decoder = am.mel_decoder.mel_dec

    def forward(self, frame, memory_t, mask, *cache):
        dec = self.decoder
        x = dec.dec_in_proj(torch.cat([memory_t, dec.prenet(frame)], dim=-1)) * dec.scale
        present = []
        for i, block in enumerate(dec.pnca):
            past_k, past_v, mem_k, mem_v = cache[4 * i : 4 * i + 4]
            x, k, v = self._attend(block.pnca_attn, x, past_k, past_v, mem_k, mem_v, mask)
            x = block.pos_ffn(x[:, None])[:, 0]
            present += [k, v]
        return (dec.dec_out_proj(dec.ln(x)), *present)

    @staticmethod
    def _attend(attn, x, past_k, past_v, mem_k, mem_v, mask):
        """x (1, C); past (1, H, w, d): steps t-w..t-1; mem (1, H, w+1, d): memory rows t..t+w;
        mask (1, 1, 2, 1, w+1) additive. Returns x and the past shifted by this step."""
        n_head = attn.arch.n_head
        q, k, v = attn.w_x_qkv(attn.layer_norm(x)).view(x.shape[0], 3, n_head, 1, -1).unbind(1)
        keys = torch.stack([torch.cat([past_k, k], dim=2), mem_k], dim=2)  # (1, H, 2, w+1, d)
        values = torch.stack([torch.cat([past_v, v], dim=2), mem_v], dim=2)
        scores = torch.matmul(q[:, :, None] / attn.arch.temperature, keys.transpose(-1, -2))
        att = torch.matmul(torch.softmax(scores + mask, dim=-1), values)  # (1, H, 2, 1, d)
        out = attn.fc_x(att[:, :, 0].reshape(x.shape[0], -1)) + attn.fc_h(att[:, :, 1].reshape(x.shape[0], -1))
        return out + x, keys[:, :, 0, 1:], values[:, :, 0, 1:]


class PostnetFsmnGraph(nn.Module):
    def __init__(self, am: Sambert):
        super().__init__()
        self.fsmn = am.mel_postnet.fsmn

    def forward(self, dec, mask):
        return self.fsmn(dec, mask)


class PostnetLstmGraph(nn.Module):
    def __init__(self, am: Sambert):
        super().__init__()
        self.postnet = am.mel_postnet

    def forward(self, hidden, dec, h, c):
        out, (h, c) = self.postnet.lstm(hidden, (h, c))
        return self.postnet.fc(out) + dec, h, c


def stateful_convs(generator: Generator) -> list[nn.Module]:
    """The convs that keep a tail of their input in a stream, in a fixed order."""
    return [m for m in generator.modules()
            if (isinstance(m, Conv) and m.pad[0]) or (isinstance(m, (TransposedConv, PolyphaseTransposedConv))
                                                      and m.history)]


def state_width(module: nn.Module) -> int:
    return module.pad[0] if isinstance(module, Conv) else module.history


def state_channels(module: nn.Module) -> int:
    if isinstance(module, Conv):
        return module.conv1d.in_channels
    return module.conv.in_channels if isinstance(module, PolyphaseTransposedConv) else module.deconv.in_channels


class VocoderGraph(nn.Module):
    """mel (1, mel channels, T) [+ an NSF voice's source mixture (1, harmonics, T * hop)]
    [+ every stateful conv's tail] -> wav (1, 1, T * hop) [+ new tails].

    An NSF voice's source draws at random and accumulates phase over a stream: the driver
    computes that mixture in numpy (compress/models/nsf_source.py, float32); the graph applies
    the source's learned ffn and everything after it."""

    def __init__(self, generator: Generator):
        super().__init__()
        self.generator = generator
        self.nsf = generator.arch.nsf
        self.stateful = stateful_convs(generator) if generator.arch.causal else []

    def forward(self, mel, *rest):
        excitation = None
        if self.nsf:
            excitation, rest = self.generator.source_module.ffn(rest[0]), rest[1:]
        if not self.stateful:
            return self.generator.render(mel, excitation)
        state = dict(zip(self.stateful, rest))
        wav = self.generator.render(mel, excitation, state)
        return (wav, *[state[m] for m in self.stateful])

    def zero_state(self) -> list[torch.Tensor]:
        return [torch.zeros(1, state_channels(m), state_width(m)) for m in self.stateful]

    def example(self, frames: int = 10, batch_axis: bool = False) -> tuple[tuple, list[str], list[str], dict]:
        """Example inputs, input and output names and dynamic axes for the exporter."""
        arch = self.generator.arch
        tails = self.zero_state()
        names = [f"state.{i}" for i in range(len(tails))]
        outputs = ["wav", *[f"next_state.{i}" for i in range(len(tails))]]
        args, inputs = [torch.zeros(1, arch.in_channels, frames)], ["mel"]
        dynamic = {"mel": {2: "frames"}, "wav": {2: "samples"}}
        if self.nsf:
            args.append(torch.zeros(1, self.generator.source_module.harmonics, frames * arch.hop))
            inputs.append("source")
            dynamic["source"] = {2: "samples"}
        if batch_axis:
            for name in [*inputs, *names, *outputs]:
                dynamic.setdefault(name, {})[0] = "batch"
        return (*args, *tails), inputs + names, outputs, dynamic


def to_onnx(module: nn.Module, args: tuple, inputs: list[str], outputs: list[str], dynamic: dict) -> bytes:
    """TorchScript-based export (the QDQ graphs of a qat stage will need it), opset 17."""
    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), args, buffer, dynamo=False, opset_version=OPSET, input_names=inputs,
                          output_names=outputs, dynamic_axes=dynamic, do_constant_folding=True)
    return buffer.getvalue()


def _example_tokens(tokens: int = 7):
    ling = torch.zeros(1, tokens, 4, dtype=torch.long)
    ids = torch.zeros(1, tokens, dtype=torch.long)
    return ling, ids, ids


@contextmanager
def positions_computed(am: Sambert, computed: bool) -> Iterator[None]:
    """The encoder's position rows computed in the graph (float64 ops) or read from its table."""
    table = am.text_encoder.ling_enc.position_enc
    before, table.computed = table.computed, computed
    try:
        yield
    finally:
        table.computed = before


def acoustic_graphs(am: Sambert, computed_positions: bool = True) -> dict[str, bytes]:
    """The acoustic model's six graphs, by name. `computed_positions`: the encoder computes
    its position rows instead of carrying the table (TensorRT has no float64: its graphs
    keep the table)."""
    with positions_computed(am, computed_positions):
        return _acoustic_graphs(am.eval())


def _acoustic_graphs(am: Sambert) -> dict[str, bytes]:
    ling, emo, spk = _example_tokens()
    with torch.no_grad():
        text_aug, spk_e, emo_e, cond, _, _ = EncoderGraph(am)(ling, emo, spk)
    tokens = {1: "tokens"}
    graphs = {"encoder": to_onnx(
        EncoderGraph(am), (ling, emo, spk), ["ling", "emotion", "speaker"],
        ["text_aug", "spk", "emo", "cond", "pitch", "energy"],
        {"ling": tokens, "emotion": tokens, "speaker": tokens, "text_aug": tokens, "spk": tokens, "emo": tokens,
         "cond": tokens, "pitch": tokens, "energy": tokens})}
    dp = am.variance_adaptor.duration_predictor
    state = torch.zeros(dp.lstm.num_layers, 1, dp.lstm.hidden_size)
    graphs["duration_step"] = to_onnx(
        DurationStepGraph(am), (torch.zeros(1, 1, 1), cond[:, :1], state, state),
        ["prev_log_dur", "cond", "h", "c"], ["log_dur", "h_out", "c_out"], {})
    graphs.update(_decoder_side(am, text_aug, spk_e, emo_e))
    return graphs


def _decoder_side(am: Sambert, text_aug, spk, emo) -> dict[str, bytes]:
    r, n_mels = am.r, am.arch.num_mels
    frames = 4 * r
    index = torch.arange(frames)[None] % text_aug.shape[1]
    dur_pos = torch.ones(1, frames)
    blocks = am.mel_decoder.mel_dec.pnca
    kv_names = [f"{kind}.{i}" for i in range(len(blocks)) for kind in ("mem_k", "mem_v")]
    frame_axes = {1: "frames"}
    graphs = {"memory": to_onnx(
        MemoryGraph(am), (text_aug, spk, emo, index, dur_pos), ["text_aug", "spk", "emo", "index", "dur_pos"],
        ["memory", *kv_names],
        {"text_aug": {1: "tokens"}, "spk": {1: "tokens"}, "emo": {1: "tokens"}, "index": frame_axes,
         "dur_pos": frame_axes, "memory": {1: "steps"}, **{name: {2: "steps"} for name in kv_names}})}
    with torch.no_grad():
        memory, *kv = MemoryGraph(am)(text_aug, spk, emo, index, dur_pos)
    width = 3
    cache, names, present = [], [], []
    for i, block in enumerate(blocks):
        h, d = block.pnca_attn.arch.n_head, kv[2 * i].shape[-1]
        cache += [torch.zeros(1, h, width, d), torch.zeros(1, h, width, d),
                  torch.zeros(1, h, width + 1, d), torch.zeros(1, h, width + 1, d)]
        names += [f"past_k.{i}", f"past_v.{i}", f"mem_k.{i}", f"mem_v.{i}"]
        present += [f"present_k.{i}", f"present_v.{i}"]
    window = {name: {2: "width" if name.startswith(("past", "present")) else "window"} for name in names + present}
    graphs["decoder_step"] = to_onnx(
        DecoderStepGraph(am), (torch.zeros(1, n_mels), memory[:, 0], torch.zeros(1, 1, 2, 1, width + 1), *cache),
        ["frame", "memory_t", "mask", *names], ["out", *present], {"mask": {4: "window"}, **window})
    post = am.mel_postnet
    dec = torch.zeros(1, frames, n_mels)
    graphs["postnet_fsmn"] = to_onnx(PostnetFsmnGraph(am), (dec, torch.zeros(1, frames, dtype=torch.bool)),
                                     ["dec", "mask"], ["hidden"],
                                     {"dec": frame_axes, "mask": frame_axes, "hidden": frame_axes})
    state = torch.zeros(1, 1, post.lstm.hidden_size)
    hidden = torch.zeros(1, frames, post.lstm.input_size)
    graphs["postnet_lstm"] = to_onnx(PostnetLstmGraph(am), (hidden, dec, state, state),
                                     ["hidden", "dec", "h", "c"], ["mel", "h_out", "c_out"],
                                     {"hidden": frame_axes, "dec": frame_axes, "mel": frame_axes})
    return graphs


def vocoder_graph(generator: Generator, polyphase: bool) -> bytes:
    model = VocoderGraph(polyphase_generator(generator) if polyphase else generator.eval())
    return to_onnx(model, *model.example())
