"""Audio formats the server answers in: 16-bit PCM in WAV (whole or streamed), raw PCM, and the
compressed formats the installed libsndfile can write (FLAC, MP3, Opus in Ogg)."""

from __future__ import annotations

import functools
import io
import struct

import numpy as np
import soundfile as sf

# format -> (Content-Type, soundfile format, soundfile subtype); None: not a soundfile format
FORMATS = {
    "wav": ("audio/wav", "WAV", "PCM_16"),
    "pcm": ("audio/pcm", None, None),
    "flac": ("audio/flac", "FLAC", "PCM_16"),
    "mp3": ("audio/mpeg", "MP3", "MPEG_LAYER_III"),
    "opus": ("audio/ogg", "OGG", "OPUS"),
}
STREAMABLE = ("wav", "pcm")  # formats sent chunk by chunk as the audio is made
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
UNKNOWN_SIZE = 0xFFFFFFFF  # the RIFF and data sizes of a WAV whose length is not known yet


def content_type(fmt: str) -> str:
    return FORMATS[fmt][0]


@functools.cache
def supported_formats() -> tuple[str, ...]:
    """The formats this machine encodes: each compressed one is tried once on silence."""
    found = []
    for fmt in FORMATS:
        try:
            encode(np.zeros(1600, dtype=np.int16), 16000, fmt)
        except (sf.LibsndfileError, ValueError, TypeError, RuntimeError):
            continue
        found.append(fmt)
    return tuple(found)


def stream_header(rate: int) -> bytes:
    """A 16-bit mono WAV header for a stream of unknown length (players read to the end)."""
    return (b"RIFF" + struct.pack("<I", UNKNOWN_SIZE) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
            + b"data" + struct.pack("<I", UNKNOWN_SIZE))


def encode(pcm: np.ndarray, rate: int, fmt: str) -> bytes:
    """A whole file of int16 samples in `fmt`."""
    if fmt == "pcm":
        return pcm.astype("<i2").tobytes()
    _, container, subtype = FORMATS[fmt]
    buffer = io.BytesIO()
    with sf.SoundFile(buffer, mode="w", samplerate=rate, channels=1, format=container, subtype=subtype) as out:
        out.write(pcm)
    return buffer.getvalue()


def pcm_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<i2")
