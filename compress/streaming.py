"""Streaming synthesis: audio chunk by chunk while the decoder is still running.

Everything before the decoder (encoder, prosody, durations) runs first; the total number of
frames is then known. Each decoder step adds r frames; the post-net can finish a frame once
its FSMN look-ahead (the right padding of its memory blocks, summed over layers) has
arrived, and its LSTM carries its state from chunk to chunk; the causal vocoder continues
from its per-stream state (hifigan.py). The concatenated chunks equal whole-sentence
synthesis up to float rounding: tested within STREAM_TOLERANCE.

An NSF vocoder's random draws are made once per sentence, when its stream starts (with
`seed`, right after seeding, as `synthesis.vocode` does), and its source's phase continues
from chunk to chunk, so the same seed gives the same audio streamed or whole.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from compress.errors import InputError
from compress.export.bridge import onnx_voice
from compress.models.nsf import binarize_voicing, vocoder_input
from compress.models.postnet import PostNet
from compress.models.symbols import EncodedSymbols
from compress.models.voice import Voice
from compress.utterances import CHUNK_FRAMES, FIRST_CHUNK_FRAMES, stream_bounds

STREAM_TOLERANCE = 1e-5  # max |stream - whole| per float sample, tested


class PostnetStream:
    """The post-net over a growing decoder output of known final length."""

    def __init__(self, postnet: PostNet, frames: int, padded: int, n_mels: int):
        blocks = postnet.fsmn.memory_block_lst
        self.postnet = postnet
        # how far each layer reads into the past and the future; a shift larger than half
        # the filter gives negative right padding, but the block adds its own input, so a
        # layer never needs less than the current frame
        self.left = sum(b.left for b in blocks)
        self.right = sum(max(b.right, 0) for b in blocks)
        self.frames, self.padded = frames, padded
        self.dec = torch.zeros(1, padded, n_mels)
        self.mask = torch.arange(padded)[None] >= frames
        self.have = self.done = 0
        self.lstm_state = None

    def push(self, dec_frames: torch.Tensor) -> torch.Tensor:
        """Add decoder frames (1, n, n_mels); return the mel frames now final (k, n_mels)."""
        n = dec_frames.shape[1]
        self.dec[:, self.have : self.have + n] = dec_frames
        self.have += n
        self.dec[:, self.frames :] = 0.0  # past the utterance the decoder output is zeroed
        ready = self.padded if self.have == self.padded else self.have - self.right
        ready = min(ready, self.frames)
        if ready <= self.done:
            return self.dec.new_zeros(0, self.dec.shape[2])
        lo = max(0, self.done - self.left)
        window, mask = self.dec[:, lo : self.have], self.mask[:, lo : self.have]
        hidden = self.postnet.fsmn(window, mask)[:, self.done - lo : ready - lo]
        hidden, self.lstm_state = self.postnet.lstm(hidden, self.lstm_state)
        mel = self.postnet.fc(hidden) + self.dec[:, self.done : ready]
        self.done = ready
        return mel[0]


def stream(voice: Voice, symbols: EncodedSymbols, speed: float = 1.0,
           durations: np.ndarray | None = None, seed: int | None = None) -> Iterator[np.ndarray]:
    """Yield float32 waveform chunks of one sub-sentence as soon as each is ready."""
    for _, wav in stream_with_mel(voice, symbols, speed, durations, seed):
        yield wav


def _start_vocoder(voice: Voice, frames: int, seed: int | None) -> dict:
    if seed is not None:
        torch.manual_seed(seed)
    return voice.vocoder.new_stream(frames)


def stream_with_mel(voice: Voice, symbols: EncodedSymbols, speed: float = 1.0,
                    durations: np.ndarray | None = None,
                    seed: int | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Like `stream`, with each chunk's vocoder input: (mel (k, channels), wav (k * hop,)).
    `durations` (frames per token) fixes the durations instead of predicting them."""
    engine = onnx_voice(voice)
    if engine is not None:  # an export dir: its graphs in ONNX Runtime
        from compress.export import driver

        yield from driver.stream_with_mel(engine, symbols, speed, durations, seed)
        return
    if not voice.vocoder.arch.causal:
        raise InputError("streaming needs a causal vocoder; this voice's vocoder is not causal")
    if speed <= 0:
        raise InputError(f"--speed must be positive, got {speed}")
    am, r = voice.am, voice.am.r
    with torch.inference_mode():
        ling, emo, spk = (torch.from_numpy(a)[None] for a in (symbols.ling, symbols.emotion, symbols.speaker))
        fixed = None if durations is None else torch.as_tensor(durations, dtype=torch.long)[None]
        memory, frames, out = am.prepare(ling, emo, spk, fixed, speed=speed)
        post = PostnetStream(am.mel_postnet, frames, memory.shape[1] * r, am.arch.num_mels)
        vocoder_state = _start_vocoder(voice, frames, seed)
        pending, target = [], FIRST_CHUNK_FRAMES
        for step in am.mel_decoder.mel_dec.steps(memory, out.band_width, out.band_width):
            pending.append(post.push(step.view(1, r, -1)))
            if sum(len(p) for p in pending) >= target:
                yield _vocode_chunk(voice, pending, vocoder_state)
                pending, target = [], CHUNK_FRAMES
        if sum(len(p) for p in pending):
            yield _vocode_chunk(voice, pending, vocoder_state)


def _vocode_chunk(voice: Voice, mels: list[torch.Tensor], state: dict) -> tuple[np.ndarray, np.ndarray]:
    mel = vocoder_input(torch.cat(mels, dim=0), voice.am.arch.f0_norm)
    return mel.numpy().copy(), voice.vocoder(mel.T[None], state).reshape(-1).numpy().copy()


def stream_mel(voice: Voice, mel: np.ndarray, seed: int | None = None) -> Iterator[np.ndarray]:
    """Vocode a given vocoder input (frames, channels) chunk by chunk."""
    engine = onnx_voice(voice)
    if engine is not None:
        from compress.export import driver

        yield from driver.stream_mel(engine, mel, seed)
        return
    if not voice.vocoder.arch.causal:
        raise InputError("streaming needs a causal vocoder; this voice's vocoder is not causal")
    if voice.vocoder.arch.nsf:
        mel = binarize_voicing(torch.from_numpy(mel)).numpy()
    state = _start_vocoder(voice, len(mel), seed)
    with torch.inference_mode():
        for a, b in stream_bounds(len(mel)):
            yield voice.vocoder(torch.from_numpy(mel[a:b]).T[None], state).reshape(-1).numpy().copy()
