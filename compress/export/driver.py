"""The small Python driver that steps an export's graphs: whole sentences and streams.

The same API shape as compress/synthesis.py and compress/streaming.py, in numpy:

    synthesize(voice, encoded, speed, durations) -> Synthesis(wav, mel, sample_rate, sentences)
    vocode(voice, mel) -> wav
    stream_with_mel(voice, symbols, speed, durations) -> (mel chunk, wav chunk) ...
    stream(voice, symbols, ...), stream_mel(voice, mel)

The steps between graphs are what the torch model does between modules: durations rounded
half up, the length regulator's frame layout, the decoder's band masks and its rolling KV
cache, the post-net's look-ahead window. Imports no torch. The `seed` arguments exist for the
torch API's shape only: an export (of a voice without an NSF source) draws nothing at random.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from compress.errors import InputError
from compress.export.runtime import OnnxVoice, input_shapes, zeros_for
from compress.models.symbols import EncodedSymbols
from compress.utterances import CHUNK_FRAMES, FIRST_CHUNK_FRAMES, SENTENCE_GAP_S, stream_bounds
from compress.utterances import encode_lines  # noqa: F401 - the synthesis API, as compress.synthesis


@dataclass
class Sentence:
    """One sub-sentence: the mel fed to the vocoder and the prosody that produced it."""

    mel: np.ndarray  # (frames, n_mels)
    durations: np.ndarray  # (T,) int64
    log_durations: np.ndarray  # (T,)
    pitch: np.ndarray
    energy: np.ndarray
    band_width: int


@dataclass
class Synthesis:
    wav: np.ndarray
    mel: np.ndarray
    sample_rate: int
    sentences: list[Sentence] = field(default_factory=list)


@dataclass
class _Prepared:
    memory: np.ndarray  # (1, N, d_mem)
    kv: list[np.ndarray]  # per layer mem_k, mem_v (1, H, N, d)
    frames: int
    sentence: Sentence


def _run(voice: OnnxVoice, graph: str, feeds: dict) -> list[np.ndarray]:
    return voice.sessions[graph].run(None, feeds)


def _durations(voice: OnnxVoice, cond: np.ndarray, given: np.ndarray | None) -> np.ndarray:
    """log(d + 1) per phone, each step fed the previous prediction (or the given duration)."""
    session = voice.sessions["duration_step"]
    h, c = zeros_for(session, ["h", "c"])
    prev = np.zeros((1, 1, 1), dtype=np.float32)
    out = np.zeros(cond.shape[1], dtype=np.float32)
    for i in range(cond.shape[1]):
        y, h, c = session.run(None, {"prev_log_dur": prev, "cond": cond[:, i : i + 1], "h": h, "c": c})
        out[i] = y[0, 0]
        prev = (y if given is None else np.log(np.float32(given[i]) + np.float32(1)))
        prev = np.asarray(prev, dtype=np.float32).reshape(1, 1, 1)
    return out


def _layout(reps: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray, int]:
    """The length regulator's frames: phone index (-1 on padding) and 1-based position
    inside the phone (0 on padding), padded to a multiple of r (variance.regulate)."""
    frames = int(reps.sum())
    padded = frames + (-frames) % r
    index = np.full(padded, -1, dtype=np.int64)
    index[:frames] = np.repeat(np.arange(len(reps)), reps)
    starts = np.cumsum(reps) - reps
    dur_pos = np.zeros(padded, dtype=np.float32)
    dur_pos[:frames] = np.arange(frames) - starts[index[:frames]] + 1
    return index[None], dur_pos[None], frames


def prepare(voice: OnnxVoice, symbols: EncodedSymbols, speed: float = 1.0,
            durations: np.ndarray | None = None) -> _Prepared:
    """Everything before the decoder (Sambert.prepare)."""
    if speed <= 0:
        raise InputError(f"--speed must be positive, got {speed}")
    if len(symbols) > voice.max_tokens:
        raise InputError(f"the sub-sentence has {len(symbols)} tokens; the exported encoder takes at most "
                         f"{voice.max_tokens}")
    text_aug, spk, emo, cond, pitch, energy = _run(voice, "encoder", {
        "ling": symbols.ling[None], "emotion": symbols.emotion[None], "speaker": symbols.speaker[None]})
    log_dur = _durations(voice, cond, durations)
    if durations is None:
        float_dur = (np.exp(log_dur) - np.float32(1)) / np.float32(speed)
        reps = (float_dur + np.float32(0.5)).astype(np.int64)
        peak = float(float_dur.max())
    else:
        reps = np.asarray(durations, dtype=np.int64)
        peak = float(reps.max())
    if reps.sum() <= 0:
        raise InputError("the durations give the sentence no frames")
    index, dur_pos, frames = _layout(reps, voice.r)
    memory, *kv = _run(voice, "memory", {"text_aug": text_aug, "spk": spk, "emo": emo,
                                          "index": index, "dur_pos": dur_pos})
    sentence = Sentence(np.zeros((0, voice.n_mels), np.float32), reps, log_dur, pitch[0], energy[0],
                        int(peak / voice.r + 0.5))
    return _Prepared(memory, kv, frames, sentence)


def _band_mask(t: int, n: int, width: int) -> np.ndarray:
    """Additive (1, 1, 2, 1, width + 1) mask of step t (pnca_steps._band_mask, x_bw = h_bw)."""
    j = np.arange(width + 1)
    mask = np.zeros((2, width + 1), dtype=np.float32)
    mask[0, ~(t - width + j >= 0)] = -np.inf
    mask[1, ~(t + j < n)] = -np.inf
    return mask[None, None, :, None, :]


def decoder_steps(voice: OnnxVoice, prepared: _Prepared) -> Iterator[np.ndarray]:
    """Free-running decoding; yields each step's output (r, n_mels)."""
    session = voice.sessions["decoder_step"]
    memory, n, width = prepared.memory, prepared.memory.shape[1], prepared.sentence.band_width
    layers = len(prepared.kv) // 2
    shapes = input_shapes(session)
    past = []
    for i in range(layers):
        _, heads, _, dim = shapes[f"past_k.{i}"]
        past += [np.zeros((1, heads, width, dim), np.float32), np.zeros((1, heads, width, dim), np.float32)]
    pad = ((0, 0), (0, 0), (0, width), (0, 0))
    banks = [np.pad(kv, pad) for kv in prepared.kv]
    frame = np.zeros((1, voice.n_mels), dtype=np.float32)
    for t in range(n):
        feeds = {"frame": frame, "memory_t": memory[:, t], "mask": _band_mask(t, n, width)}
        for i in range(layers):
            feeds[f"past_k.{i}"], feeds[f"past_v.{i}"] = past[2 * i], past[2 * i + 1]
            feeds[f"mem_k.{i}"] = banks[2 * i][:, :, t : t + width + 1]
            feeds[f"mem_v.{i}"] = banks[2 * i + 1][:, :, t : t + width + 1]
        out, *past = session.run(None, feeds)
        frame = out[:, -voice.n_mels :]
        yield out.reshape(voice.r, voice.n_mels)


def _postnet_lstm(voice: OnnxVoice, hidden: np.ndarray, dec: np.ndarray, state: list[np.ndarray]):
    mel, h, c = _run(voice, "postnet_lstm", {"hidden": hidden, "dec": dec, "h": state[0], "c": state[1]})
    return mel[0], [h, c]


def acoustic(voice: OnnxVoice, symbols: EncodedSymbols, speed: float = 1.0,
             durations: np.ndarray | None = None) -> Sentence:
    prepared = prepare(voice, symbols, speed, durations)
    dec = np.concatenate(list(decoder_steps(voice, prepared)))[None]
    frames = prepared.frames
    mask = np.arange(dec.shape[1])[None] >= frames
    dec[mask] = 0.0
    hidden = _run(voice, "postnet_fsmn", {"dec": dec, "mask": mask})[0]
    state = zeros_for(voice.sessions["postnet_lstm"], ["h", "c"])
    prepared.sentence.mel, _ = _postnet_lstm(voice, hidden[:, :frames], dec[:, :frames], state)
    return prepared.sentence


class _Vocoder:
    """The vocoder graph with its conv tails: zeros for a whole mel, carried in a stream."""

    def __init__(self, voice: OnnxVoice):
        self.session = voice.sessions["vocoder"]
        self.names = [i.name for i in self.session.get_inputs() if i.name.startswith("state.")]
        self.tails = zeros_for(self.session, self.names)

    def __call__(self, mel: np.ndarray) -> np.ndarray:
        """(frames, n_mels) -> float32 waveform."""
        feeds = {"mel": np.ascontiguousarray(mel.T[None], dtype=np.float32), **dict(zip(self.names, self.tails))}
        wav, *self.tails = self.session.run(None, feeds)
        return wav.reshape(-1)


def vocode(voice: OnnxVoice, mel: np.ndarray, seed: int | None = None) -> np.ndarray:
    """`seed` is taken for the torch API's shape: an export's vocoder draws nothing at random."""
    mel = np.asarray(mel, dtype=np.float32)
    if not np.isfinite(mel).all():
        raise InputError("the mel is not finite")
    return _Vocoder(voice)(mel)


def synthesize(voice: OnnxVoice, encoded: list[EncodedSymbols], speed: float = 1.0,
               durations: list[np.ndarray] | None = None, seed: int | None = None) -> Synthesis:
    """Every sub-sentence, joined by short silences; `durations` (one array per line) fixes them."""
    gap = np.zeros(int(round(SENTENCE_GAP_S * voice.sample_rate)), dtype=np.float32)
    waves, sentences = [], []
    for index, symbols in enumerate(encoded):
        sentence = acoustic(voice, symbols, speed, None if durations is None else durations[index])
        sentences.append(sentence)
        if index:
            waves.append(gap)
        waves.append(vocode(voice, sentence.mel))
    return Synthesis(np.concatenate(waves), np.concatenate([s.mel for s in sentences]), voice.sample_rate, sentences)


class _PostnetStream:
    """The post-net over a growing decoder output of known final length (streaming.PostnetStream)."""

    def __init__(self, voice: OnnxVoice, frames: int, padded: int):
        self.voice = voice
        self.left, self.right = voice.postnet_context
        self.frames, self.padded = frames, padded
        self.dec = np.zeros((1, padded, voice.n_mels), dtype=np.float32)
        self.mask = np.arange(padded)[None] >= frames
        self.have = self.done = 0
        self.state = zeros_for(voice.sessions["postnet_lstm"], ["h", "c"])

    def push(self, dec_frames: np.ndarray) -> np.ndarray:
        """Add decoder frames (n, n_mels); return the mel frames now final (k, n_mels)."""
        self.dec[0, self.have : self.have + len(dec_frames)] = dec_frames
        self.have += len(dec_frames)
        self.dec[:, self.frames :] = 0.0
        ready = min(self.padded if self.have == self.padded else self.have - self.right, self.frames)
        if ready <= self.done:
            return np.zeros((0, self.voice.n_mels), dtype=np.float32)
        lo = max(0, self.done - self.left)
        hidden = _run(self.voice, "postnet_fsmn", {"dec": self.dec[:, lo : self.have],
                                                   "mask": self.mask[:, lo : self.have]})[0]
        mel, self.state = _postnet_lstm(self.voice, hidden[:, self.done - lo : ready - lo],
                                        self.dec[:, self.done : ready], self.state)
        self.done = ready
        return mel


def _check_streamable(voice: OnnxVoice, speed: float) -> None:
    if not voice.causal:
        raise InputError("streaming needs a causal vocoder; this voice's vocoder is not causal")
    if speed <= 0:
        raise InputError(f"--speed must be positive, got {speed}")


def stream_with_mel(voice: OnnxVoice, symbols: EncodedSymbols, speed: float = 1.0,
                    durations: np.ndarray | None = None,
                    seed: int | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(mel (k, n_mels), wav (k * hop,)) chunks of one sub-sentence as soon as each is ready."""
    _check_streamable(voice, speed)
    prepared = prepare(voice, symbols, speed, durations)
    post = _PostnetStream(voice, prepared.frames, prepared.memory.shape[1] * voice.r)
    vocoder = _Vocoder(voice)
    pending, target = [], FIRST_CHUNK_FRAMES
    for step in decoder_steps(voice, prepared):
        pending.append(post.push(step))
        if sum(len(p) for p in pending) >= target:
            mel = np.concatenate(pending)
            yield mel, vocoder(mel)
            pending, target = [], CHUNK_FRAMES
    if sum(len(p) for p in pending):
        mel = np.concatenate(pending)
        yield mel, vocoder(mel)


def stream(voice: OnnxVoice, symbols: EncodedSymbols, speed: float = 1.0,
           durations: np.ndarray | None = None, seed: int | None = None) -> Iterator[np.ndarray]:
    for _, wav in stream_with_mel(voice, symbols, speed, durations):
        yield wav


def stream_mel(voice: OnnxVoice, mel: np.ndarray, seed: int | None = None) -> Iterator[np.ndarray]:
    """Vocode a given mel (frames, n_mels) chunk by chunk."""
    _check_streamable(voice, 1.0)
    vocoder = _Vocoder(voice)
    for a, b in stream_bounds(len(mel)):
        yield vocoder(mel[a:b])
