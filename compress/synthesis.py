"""Symbols -> mel -> waveform, for one sub-sentence or a whole text of them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from compress.errors import InputError
from compress.export.bridge import as_acoustic_output, onnx_voice
from compress.models.nsf import binarize_voicing, fixed_draws, vocoder_input
from compress.models.sambert import AcousticOutput
from compress.models.symbols import EncodedSymbols
from compress.models.voice import Voice
from compress.utterances import SENTENCE_GAP_S, encode_lines  # noqa: F401 - re-exported


@dataclass
class Synthesis:
    wav: np.ndarray  # float32 at sample_rate, sub-sentences joined by SENTENCE_GAP_S silence
    mel: np.ndarray  # (frames, channels): the sub-sentences' vocoder inputs, concatenated
    sample_rate: int
    sentences: list[AcousticOutput] = field(default_factory=list)


def acoustic(voice: Voice, symbols: EncodedSymbols, speed: float = 1.0,
             durations: np.ndarray | None = None) -> AcousticOutput:
    if speed <= 0:
        raise InputError(f"--speed must be positive, got {speed}")
    engine = onnx_voice(voice)
    if engine is not None:  # an export dir: its graphs in ONNX Runtime
        from compress.export import driver

        return as_acoustic_output(driver.acoustic(engine, symbols, speed, durations))
    ling = torch.from_numpy(symbols.ling)[None]
    emo = torch.from_numpy(symbols.emotion)[None]
    spk = torch.from_numpy(symbols.speaker)[None]
    fixed = None if durations is None else torch.as_tensor(durations, dtype=torch.long)[None]
    return voice.am.infer(ling, emo, spk, durations=fixed, speed=speed)


@torch.no_grad()
def vocode(voice: Voice, mel: np.ndarray | torch.Tensor, seed: int | None = None) -> np.ndarray:
    """Vocoder input (frames, channels) -> float32 waveform of frames * hop samples.

    The input is the normalised log-mel; for an NSF voice also F0 (Hz) and voicing, which
    is binarized here as KAN-TTS's vocoder loader does. With `seed`, torch's global seed is
    set immediately before the vocoder runs, which makes an NSF voice's draws reproducible."""
    engine = onnx_voice(voice)
    if engine is not None:
        from compress.export import driver

        return driver.vocode(engine, np.asarray(mel, dtype=np.float32), seed)
    mel = torch.as_tensor(mel, dtype=torch.float32)
    if not torch.isfinite(mel).all():
        raise InputError("the mel is not finite")
    if voice.vocoder.arch.nsf:
        mel = binarize_voicing(mel)
    if seed is not None:
        torch.manual_seed(seed)
    return voice.vocoder(mel.T[None]).reshape(-1).numpy()


def waveform(voice: Voice, mel: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """The acoustic model's output (frames, channels) -> waveform (samples,), autograd kept,
    for analyses: an NSF voice's draws are those of `seed` every time (the global generator is
    left as it was), so two calls differ only where the weights or the input do."""
    x = vocoder_input(mel, voice.am.arch.f0_norm).T[None]
    with fixed_draws(seed):
        return voice.vocoder(x).reshape(-1)


def uniform_durations(encoded: list[EncodedSymbols], frames_per_token: int) -> list[np.ndarray]:
    """The same number of frames for every token of every line (durations for `synthesize`)."""
    return [np.full(len(symbols.ling), frames_per_token, dtype=np.int64) for symbols in encoded]


def synthesize(voice: Voice, encoded: list[EncodedSymbols], speed: float = 1.0,
               durations: list[np.ndarray] | None = None, seed: int | None = None) -> Synthesis:
    """Every sub-sentence, joined by short silences; `durations` (one array per line) fixes them.
    `seed` is set before each sub-sentence's vocoder call (see `vocode`)."""
    gap = np.zeros(int(round(SENTENCE_GAP_S * voice.sample_rate)), dtype=np.float32)
    waves, mels, outputs = [], [], []
    for index, symbols in enumerate(encoded):
        out = acoustic(voice, symbols, speed, None if durations is None else durations[index])
        outputs.append(out)
        mels.append(out.vocoder_input.numpy())
        if index:
            waves.append(gap)
        waves.append(vocode(voice, out.vocoder_input, seed))
    return Synthesis(np.concatenate(waves), np.concatenate(mels), voice.sample_rate, outputs)
