import numpy as np
import pytest
import torch

from compress.errors import InputError
from compress.models.symbols import encode, parse_tokens
from compress.streaming import STREAM_TOLERANCE, stream
from compress.synthesis import acoustic, vocode
from tests.conftest import NSF_TINY, TINY, reference_dirs
from tests.models.nsf_build import nsf_configs, nsf_voice_from_configs

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


NSF_REF = np.load(NSF_TINY / "ref_io.npz")


@pytest.mark.parametrize("speed", [1.0, 1.3])
def test_nsf_stream_equals_whole_sentence_with_the_same_seed(nsf_voice, speed):
    symbols = long_symbols(nsf_voice, NSF_REF)
    chunks = list(stream(nsf_voice, symbols, speed=speed, seed=7))
    whole = vocode(nsf_voice, acoustic(nsf_voice, symbols, speed=speed).vocoder_input, seed=7)
    joined = np.concatenate(chunks)
    assert len(chunks) > 2 and joined.shape == whole.shape
    assert float(np.abs(joined - whole).max()) <= STREAM_TOLERANCE


def test_nsf_stream_of_another_shape_equals_whole(nsf_voice):
    """24 kHz, hop 240, 3 harmonics (random weights): fixed durations, the same seed."""
    voice = nsf_voice_from_configs(nsf_voice.tables, nsf_configs(causal=True))
    symbols = long_symbols(voice, NSF_REF)
    durations = np.full(len(symbols.ling), 4, dtype=np.int64)
    chunks = list(stream(voice, symbols, durations=durations, seed=1))
    whole = vocode(voice, acoustic(voice, symbols, durations=durations).vocoder_input, seed=1)
    assert len(chunks) > 2
    assert float(np.abs(np.concatenate(chunks) - whole).max()) <= STREAM_TOLERANCE


def test_nsf_source_phase_continues_across_any_split(nsf_voice):
    mel = torch.from_numpy(NSF_REF["utt1.fixdur.vocoder_input"]).T[None]
    with torch.no_grad():
        torch.manual_seed(2)
        whole = nsf_voice.vocoder(mel)
        torch.manual_seed(2)
        state = nsf_voice.vocoder.new_stream(mel.shape[-1])
        bounds = (0, 1, 2, 13, 40, mel.shape[-1])
        parts = [nsf_voice.vocoder(mel[..., a:b], state) for a, b in zip(bounds, bounds[1:])]
    torch.testing.assert_close(torch.cat(parts, -1), whole, atol=STREAM_TOLERANCE, rtol=0)


def test_nsf_stream_needs_its_length_up_front(nsf_voice):
    mel = torch.from_numpy(NSF_REF["utt0.pred.vocoder_input"]).T[None]
    with pytest.raises(ValueError, match="new_stream"):
        nsf_voice.vocoder(mel, {})
    state = nsf_voice.vocoder.new_stream(5)
    with pytest.raises(ValueError, match="drawn for 1000 samples"):
        nsf_voice.vocoder(mel, state)
