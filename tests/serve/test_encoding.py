import io
import struct

import numpy as np
import soundfile as sf

from compress.serve.encoding import FORMATS, encode, pcm_from_bytes, stream_header, supported_formats


def test_stream_header_then_pcm_reads_as_a_wav():
    pcm = (np.sin(np.arange(8000) / 10) * 20000).astype(np.int16)
    data = stream_header(16000) + pcm.tobytes()
    assert len(stream_header(16000)) == 44 and struct.unpack("<I", data[40:44])[0] == 0xFFFFFFFF
    wav, rate = sf.read(io.BytesIO(data), dtype="int16")
    assert rate == 16000 and np.array_equal(wav[: len(pcm)], pcm)


def test_every_supported_format_round_trips():
    pcm = (np.sin(np.arange(16000) / 7) * 12000).astype(np.int16)
    assert {"wav", "pcm"} <= set(supported_formats()) <= set(FORMATS)
    assert np.array_equal(pcm_from_bytes(encode(pcm, 16000, "pcm")), pcm)
    for fmt in ("wav", "flac"):
        assert np.array_equal(sf.read(io.BytesIO(encode(pcm, 16000, fmt)), dtype="int16")[0], pcm)
    for fmt in set(supported_formats()) - {"wav", "flac", "pcm"}:
        info = sf.info(io.BytesIO(encode(pcm, 16000, fmt)))
        assert abs(info.duration - 1.0) < 0.1, fmt
