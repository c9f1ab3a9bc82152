"""What every synthesis backend (torch or ONNX Runtime) shares about its input and its
chunks: sub-sentences encoded to IDs, the silence that joins them, the stream's chunk sizes.

Imports no torch: the ONNX Runtime voice (compress/export/runtime.py) uses it.
"""

from __future__ import annotations

from compress.errors import SymbolError
from compress.models.symbols import EncodedSymbols, encode

# Silence between sub-sentences, as KAN-TTS's text_to_wav inserts it.
SENTENCE_GAP_S = 0.28
FIRST_CHUNK_FRAMES = 6  # mel frames in the first streamed chunk: small, for first-audio latency
CHUNK_FRAMES = 30  # later chunks: large enough that per-call overhead stays small


def encode_lines(voice, lines: list[list[tuple[str, ...]]], speaker=None, emotion=None) -> list[EncodedSymbols]:
    """Each line's tokens as IDs of `voice.tables`; an error names the line when there are several."""
    encoded = []
    for number, tokens in enumerate(lines, start=1):
        try:
            encoded.append(encode(voice.tables, tokens, speaker=speaker, emotion=emotion))
        except SymbolError as err:
            prefix = f"line {number}: " if len(lines) > 1 else ""
            raise SymbolError(f"{prefix}{err}") from None
    return encoded


def stream_bounds(frames: int) -> list[tuple[int, int]]:
    """(start, end) mel frames of each chunk when a given mel of `frames` is streamed."""
    bounds = [0, FIRST_CHUNK_FRAMES] + list(range(FIRST_CHUNK_FRAMES + CHUNK_FRAMES, frames, CHUNK_FRAMES))
    return [(a, min(b, frames)) for a, b in zip(bounds, bounds[1:] + [frames]) if a < min(b, frames)]
