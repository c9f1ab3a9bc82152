"""What the server needs of a voice, whatever runs it: a description for the voice list, text
turned into sentences, and each sentence as a stream of float32 audio chunks.

`open_backend` tries each runtime in BACKENDS in turn. Today there is one, for KAN-TTS
dirs, `voices/` roots, stage dirs and export dirs (loaded through compress.loading, whose
restored export mode runs synthesis on the ONNX Runtime graphs). A torch-free server process
for export dirs (compress.backends) would go in the same list.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

from compress.errors import FrontendError, VoiceLoadError
from compress.loading import load_voice  # the one import of the voice loader in serve/
from compress.serve.catalog import compression_chain, short_name, trained_emotions


class Backend(Protocol):
    name: str
    sample_rate: int
    weights_sha256: str

    def describe(self) -> dict: ...

    def sentences(self, text: str, speaker: str, emotion: str) -> list: ...

    def stream(self, sentence, speed: float) -> Iterator[np.ndarray]: ...


def check_style(emotions: dict[str, list[str]], speaker: str, emotion: str) -> str:
    """The emotion category for a speaker, refused unless that speaker was trained on it."""
    from compress.frontend.emotions import resolve_emotion

    if speaker not in emotions:
        raise FrontendError(f"unknown speaker {speaker!r}; valid: {', '.join(emotions)}")
    category = resolve_emotion(emotion)
    trained = emotions[speaker]
    if category not in trained:
        raise FrontendError(f"speaker {speaker!r} was not trained on emotion {short_name(category)!r}; "
                            f"valid: {', '.join(short_name(e) for e in trained)}")
    return category


class TorchBackend:
    """A voice loaded by compress.loading: on PyTorch, or on ONNX Runtime for an export dir
    (its restored mode hands synthesis to the ORT graphs); streamed through the causal
    vocoder when it has one."""

    def __init__(self, name: str, path: Path):
        import torch

        from compress.checkpoint import serialize, sha256, voice_tensors

        self.name, self.path = name, Path(path)
        self.voice = load_voice(self.path)
        tensors = voice_tensors(self.voice)
        self.weights_sha256 = sha256(serialize(tensors))
        self.sample_rate = self.voice.sample_rate
        self.speakers = list(self.voice.tables.speakers)
        self.emotions, self.emotions_source = trained_emotions(self.path, self.speakers)
        dtypes = sorted({str(t.dtype).removeprefix("torch.") for t in tensors.values() if t.is_floating_point()})
        self.size = {"parameters": self.voice.parameter_count(),
                     "bytes": sum(t.numel() * t.element_size() for t in tensors.values()),
                     "precision": self.voice.runtime.get("precision") or "/".join(dtypes)}
        self.kind = self.voice.runtime.get("backend", "torch")  # what the voice list says runs it
        self._torch = torch

    @staticmethod
    def accepts(path: Path) -> bool:
        """The layouts load_voice reads (it names what is wrong inside them)."""
        markers = ("am", "arch.json", "voices.json", "voices/voices.json")
        return any((path / marker).exists() for marker in markers)

    def describe(self) -> dict:
        return {
            "name": self.name,
            "path": str(self.path),
            "runtime": self.kind,
            "sample_rate": self.sample_rate,
            "streaming": bool(self.voice.vocoder.arch.causal),
            "speakers": [{"name": s, "emotions": [short_name(e) for e in self.emotions[s]]} for s in self.speakers],
            "emotions_source": self.emotions_source,
            "weights_sha256": self.weights_sha256,
            **self.size,
            "chain": compression_chain(self.path),
        }

    def sentences(self, text: str, speaker: str, emotion: str) -> list:
        """The frontend's sub-sentences of `text`, encoded with the voice's tables."""
        from compress import synthesis
        from compress.frontend import text_to_symbol_lines
        from compress.models.symbols import parse_tokens

        category = check_style(self.emotions, speaker, emotion)
        lines, _ = text_to_symbol_lines(text, category, speaker=speaker, speakers=self.speakers)
        return synthesis.encode_lines(self.voice, [parse_tokens(line) for line in lines])

    def stream(self, sentence, speed: float) -> Iterator[np.ndarray]:
        from compress import streaming, synthesis

        if self.voice.vocoder.arch.causal:
            yield from streaming.stream(self.voice, sentence, speed)
            return
        with self._torch.inference_mode():  # a non-causal vocoder needs the whole sentence
            yield synthesis.vocode(self.voice, synthesis.acoustic(self.voice, sentence, speed).mel)


BACKENDS = (TorchBackend,)


def open_backend(name: str, path: str | Path) -> Backend:
    path = Path(path)
    if not path.exists():
        raise VoiceLoadError(f"voice path does not exist: {path}")
    for backend in BACKENDS:
        if backend.accepts(path):
            return backend(name, path)
    raise VoiceLoadError(f"{path} is not a voice this server can run (a KAN-TTS dir, a voices/ root or a "
                         f"stage dir or an export dir)")
