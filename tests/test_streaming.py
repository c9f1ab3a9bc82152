import numpy as np
import pytest
import torch

from compress.errors import InputError
from compress.models.symbols import encode, parse_tokens
from compress.streaming import STREAM_TOLERANCE, stream
from compress.synthesis import acoustic, vocode
from tests.conftest import TINY, reference_dirs

REF = np.load(TINY / "ref_io.npz")


def long_symbols(voice, ref):
    tokens = parse_tokens(str(ref["utt1.symbols"]))
    return encode(voice.tables, tokens * 3)


def causal_reference_dirs():
    """Streaming needs a causal vocoder; the non-causal fixture is refused (tested below)."""
    return [d for d in reference_dirs() if "causal: false" not in
            next((d / "voices").glob("*/voc/config.yaml")).read_text(encoding="utf-8")]


@pytest.mark.parametrize("folder", causal_reference_dirs(), ids=lambda p: p.name)
def test_stream_equals_whole_sentence(folder):
    from compress.loading import load_voice

    voice = load_voice(folder / "voices")
    assert voice.vocoder.arch.causal
    ref = np.load(folder / "ref_io.npz")
    symbols = long_symbols(voice, ref)
    for speed in (1.0, 1.3):
        chunks = list(stream(voice, symbols, speed=speed))
        whole = vocode(voice, acoustic(voice, symbols, speed=speed).mel)
        joined = np.concatenate(chunks)
        assert len(chunks) > 2 and joined.shape == whole.shape
        assert float(np.abs(joined - whole).max()) <= STREAM_TOLERANCE


def test_first_chunk_is_short(tiny_voice):
    chunks = stream(tiny_voice, long_symbols(tiny_voice, REF))
    first = next(chunks)
    assert len(first) <= 12 * tiny_voice.vocoder.arch.hop


def test_vocoder_state_continues_across_any_split(tiny_voice):
    mel = torch.randn(1, 80, 23)
    with torch.no_grad():
        whole = tiny_voice.vocoder(mel)
        state = {}
        parts = [tiny_voice.vocoder(mel[..., a:b], state) for a, b in ((0, 1), (1, 2), (2, 13), (13, 23))]
    torch.testing.assert_close(torch.cat(parts, -1), whole, atol=1e-6, rtol=0)


def test_non_causal_vocoder_is_refused(tiny_voice, monkeypatch):
    monkeypatch.setattr(tiny_voice.vocoder.arch, "causal", False)
    with pytest.raises(InputError, match="streaming needs a causal vocoder"):
        next(stream(tiny_voice, long_symbols(tiny_voice, REF)))
