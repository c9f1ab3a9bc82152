"""The small Python driver that steps an export's graphs: whole sentences and streams.

The same API shape as compress/synthesis.py and compress/streaming.py, in numpy:

    synthesize(voice, encoded, speed, durations) -> Synthesis(wav, mel, sample_rate, sentences)
    vocode(voice, mel) -> wav
    stream_with_mel(voice, symbols, speed, durations) -> (mel chunk, wav chunk) ...
    stream(voice, symbols, ...), stream_mel(voice, mel)

The steps between graphs are what the torch model does between modules: durations rounded
half up, the length regulator's frame layout, the decoder's band masks and its rolling KV
cache, the post-net's look-ahead window, and for an NSF voice the F0 de-normalisation and
the sine source (compress/models/nsf_source.py). Imports no torch.

Only an NSF voice draws at random: `seed` seeds numpy's generator (`draws`, any factory of
an object with numpy's `uniform` and `normal`; parity checks pass one that draws with torch
as the original does), once per vocoder run, as torch's global seed is set before each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from compress.errors import InputError
from compress.export.runtime import OnnxVoice, input_shapes, zeros_for
from compress.models import nsf_source
from compress.models.symbols import EncodedSymbols
from compress.utterances import CHUNK_FRAMES, FIRST_CHUNK_FRAMES, SENTENCE_GAP_S, stream_bounds
from compress.utterances import encode_lines  # noqa: F401 - the synthesis API, as compress.synthesis


@dataclass
class Sentence:
    """One sub-sentence: the mel fed to the vocoder and the prosody that produced it."""

    mel: np.ndarray  # (frames, n_mels): the acoustic model's output
    durations: np.ndarray  # (T,) int64
    log_durations: np.ndarray  # (T,)
    pitch: np.ndarray
    energy: np.ndarray
    band_width: int
    vocoder_input: np.ndarray | None = None  # the mel, for NSF with F0 in Hz and 0/1 voicing


@dataclass
class Synthesis:
    wav: np.ndarray
    mel: np.ndarray
    sample_rate: int
    sentences: list[Sentence] = field(default_factory=list)


Draws = Callable[[int | None], object]  # seed -> an object with numpy's uniform() and normal()


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
    prepared.sentence.vocoder_input = nsf_source.vocoder_input(prepared.sentence.mel, voice.f0_norm)
    return prepared.sentence


class _Vocoder:
    """The vocoder graph with its conv tails (zeros for a whole mel, carried in a stream) and,
    for an NSF voice, the source drawn for the `frames` the run makes in all."""

    def __init__(self, voice: OnnxVoice, frames: int, seed: int | None, draws: Draws):
        self.session = voice.sessions["vocoder"]
        self.names = [i.name for i in self.session.get_inputs() if i.name.startswith("state.")]
        self.tails = zeros_for(self.session, self.names)
        harmonics = voice.source_harmonics
        self.source = (nsf_source.SineSource(harmonics, voice.sample_rate, voice.hop, frames * voice.hop, draws(seed))
                       if harmonics else None)

    def __call__(self, voc_in: np.ndarray) -> np.ndarray:
        """(frames, channels) vocoder input -> float32 waveform."""
        feeds = dict(zip(self.names, self.tails))
        if self.source is not None:
            feeds["source"] = self.source(voc_in[:, -2], voc_in[:, -1])
            voc_in = voc_in[:, :-2]
        feeds["mel"] = np.ascontiguousarray(voc_in.T[None], dtype=np.float32)
        wav, *self.tails = self.session.run(None, feeds)
        return wav.reshape(-1)


def _checked_input(voice: OnnxVoice, mel: np.ndarray) -> np.ndarray:
    """A given vocoder input (--mel-in): finite; an NSF voice's voicing binarized, as KAN-TTS's
    vocoder loader does."""
    mel = np.asarray(mel, dtype=np.float32)
    if not np.isfinite(mel).all():
        raise InputError("the mel is not finite")
    return nsf_source.binarize_voicing(mel) if voice.f0_norm is not None else mel


def vocode(voice: OnnxVoice, mel: np.ndarray, seed: int | None = None,
           draws: Draws = np.random.default_rng) -> np.ndarray:
    mel = _checked_input(voice, mel)
    return _Vocoder(voice, len(mel), seed, draws)(mel)


def synthesize(voice: OnnxVoice, encoded: list[EncodedSymbols], speed: float = 1.0,
               durations: list[np.ndarray] | None = None, seed: int | None = None,
               draws: Draws = np.random.default_rng) -> Synthesis:
    """Every sub-sentence, joined by short silences; `durations` (one array per line) fixes them."""
    gap = np.zeros(int(round(SENTENCE_GAP_S * voice.sample_rate)), dtype=np.float32)
    waves, sentences = [], []
    for index, symbols in enumerate(encoded):
        sentence = acoustic(voice, symbols, speed, None if durations is None else durations[index])
        sentences.append(sentence)
        if index:
            waves.append(gap)
        waves.append(vocode(voice, sentence.vocoder_input, seed, draws))
    return Synthesis(np.concatenate(waves), np.concatenate([s.vocoder_input for s in sentences]),
                     voice.sample_rate, sentences)


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
                    durations: np.ndarray | None = None, seed: int | None = None,
                    draws: Draws = np.random.default_rng) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(vocoder input (k, channels), wav (k * hop,)) chunks of one sub-sentence as soon as each is ready."""
    _check_streamable(voice, speed)
    prepared = prepare(voice, symbols, speed, durations)
    post = _PostnetStream(voice, prepared.frames, prepared.memory.shape[1] * voice.r)
    vocoder = _Vocoder(voice, prepared.frames, seed, draws)
    pending, target = [], FIRST_CHUNK_FRAMES

    def chunk():
        voc_in = nsf_source.vocoder_input(np.concatenate(pending), voice.f0_norm)
        return voc_in, vocoder(voc_in)

    for step in decoder_steps(voice, prepared):
        pending.append(post.push(step))
        if sum(len(p) for p in pending) >= target:
            yield chunk()
            pending, target = [], CHUNK_FRAMES
    if sum(len(p) for p in pending):
        yield chunk()


def stream(voice: OnnxVoice, symbols: EncodedSymbols, speed: float = 1.0,
           durations: np.ndarray | None = None, seed: int | None = None,
           draws: Draws = np.random.default_rng) -> Iterator[np.ndarray]:
    for _, wav in stream_with_mel(voice, symbols, speed, durations, seed, draws):
        yield wav


def stream_mel(voice: OnnxVoice, mel: np.ndarray, seed: int | None = None,
               draws: Draws = np.random.default_rng) -> Iterator[np.ndarray]:
    """Vocode a given vocoder input (frames, channels) chunk by chunk."""
    _check_streamable(voice, 1.0)
    mel = _checked_input(voice, mel)
    vocoder = _Vocoder(voice, len(mel), seed, draws)
    for a, b in stream_bounds(len(mel)):
        yield vocoder(mel[a:b])
