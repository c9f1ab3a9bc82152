"""Which backend synthesizes a voice: ONNX Runtime for an export dir, torch for the rest.

    voice, synthesis, streaming = open_voice(path)
    synthesis.synthesize(voice, synthesis.encode_lines(voice, lines))

For an export dir the two APIs are compress.export.driver and torch is never imported (a
deployed voice starts fast and small); for any other voice they are compress.synthesis and
compress.streaming. `threads` sets the intra-op threads of either backend (None: its default).
"""

from __future__ import annotations

from pathlib import Path


def open_voice(path: str | Path | None, name: str | None = None, threads: int | None = None):
    """(voice, synthesis API, streaming API) of a voice dir, `voices/` root or stage dir."""
    from compress.export.runtime import is_export_dir
    from compress.models.voice_dir import resolve_voice_dir

    where = resolve_voice_dir(path, name)
    if is_export_dir(where):
        from compress.export import driver
        from compress.export.runtime import load_export

        return load_export(where, None if threads is None else {"threads": threads}), driver, driver
    import torch

    if threads is not None:
        torch.set_num_threads(threads)
    from compress import streaming, synthesis
    from compress.loading import load_voice

    return load_voice(where), synthesis, streaming
