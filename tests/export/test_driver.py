"""The ONNX Runtime driver synthesizes what the torch voice synthesizes.

Stated tolerance: max |ORT - torch| per float waveform sample <= WAVE_TOLERANCE (the 16-bit
file then differs by at most 1 LSB where it differs at all), mel <= MEL_TOLERANCE, and the
same integer durations.
"""

import numpy as np
import pytest

from compress import streaming, synthesis
from compress.errors import InputError
from compress.export import driver
from tests.export.conftest import encoded_lines, export_voice

WAVE_TOLERANCE = 1e-4
MEL_TOLERANCE = 1e-4


def _assert_same(ort_result, torch_result):
    assert ort_result.wav.shape == torch_result.wav.shape
    assert float(np.abs(ort_result.wav - torch_result.wav).max()) <= WAVE_TOLERANCE
    assert float(np.abs(ort_result.mel - torch_result.mel).max()) <= MEL_TOLERANCE
    for a, b in zip(ort_result.sentences, torch_result.sentences):
        np.testing.assert_array_equal(a.durations, b.durations.numpy())
        assert a.band_width == b.band_width


@pytest.mark.parametrize("speed", [1.0, 1.3])
def test_whole_synthesis_matches_torch(tiny_voice, onnx_tiny, tiny_symbols, speed):
    encoded = encoded_lines(tiny_voice, tiny_symbols)
    _assert_same(driver.synthesize(onnx_tiny, encoded, speed=speed), synthesis.synthesize(tiny_voice, encoded, speed))


@pytest.mark.parametrize("frames, width", [(5, 2), (1, 0)])  # 1 frame per token: an empty KV cache
def test_fixed_durations_match_torch(tiny_voice, onnx_tiny, tiny_symbols, frames, width):
    encoded = encoded_lines(tiny_voice, tiny_symbols)
    fixed = synthesis.uniform_durations(encoded, frames)
    ours = driver.synthesize(onnx_tiny, encoded, durations=fixed)
    _assert_same(ours, synthesis.synthesize(tiny_voice, encoded, durations=fixed))
    np.testing.assert_array_equal(ours.sentences[0].durations, fixed[0])
    assert ours.sentences[0].band_width == width


def test_stream_matches_torch_stream_and_whole(tiny_voice, onnx_tiny, tiny_symbols):
    symbols = encoded_lines(tiny_voice, [tiny_symbols[0] * 3])[0]
    ours = list(driver.stream_with_mel(onnx_tiny, symbols))
    theirs = list(streaming.stream_with_mel(tiny_voice, symbols))
    assert len(ours) == len(theirs) > 2
    for (mel_a, wav_a), (mel_b, wav_b) in zip(ours, theirs):
        assert wav_a.shape == wav_b.shape and float(np.abs(wav_a - wav_b).max()) <= WAVE_TOLERANCE
        assert float(np.abs(mel_a - mel_b).max()) <= MEL_TOLERANCE
    whole = driver.synthesize(onnx_tiny, [symbols]).wav
    joined = np.concatenate([wav for _, wav in ours])
    assert float(np.abs(joined - whole).max()) <= streaming.STREAM_TOLERANCE


def test_vocoding_a_given_mel_whole_and_streamed(tiny_voice, onnx_tiny):
    mel = np.random.default_rng(3).standard_normal((70, tiny_voice.vocoder.arch.in_channels)).astype(np.float32)
    expected = synthesis.vocode(tiny_voice, mel)
    assert float(np.abs(driver.vocode(onnx_tiny, mel) - expected).max()) <= WAVE_TOLERANCE
    chunks = list(driver.stream_mel(onnx_tiny, mel))
    assert [len(c) for c in chunks] == [n * onnx_tiny.hop for n in (6, 30, 30, 4)]
    assert float(np.abs(np.concatenate(chunks) - expected).max()) <= WAVE_TOLERANCE


def test_noncausal_voice_synthesizes_and_refuses_to_stream(noncausal_voice, tiny_symbols, tmp_path):
    from compress.export.runtime import load_export

    voice = load_export(export_voice(noncausal_voice, tmp_path / "export"))
    encoded = encoded_lines(noncausal_voice, tiny_symbols[:1])
    _assert_same(driver.synthesize(voice, encoded), synthesis.synthesize(noncausal_voice, encoded))
    with pytest.raises(InputError, match="streaming needs a causal vocoder"):
        next(driver.stream(voice, encoded[0]))


def test_bad_input_is_one_line_errors(tiny_voice, onnx_tiny, tiny_symbols):
    symbols = encoded_lines(tiny_voice, tiny_symbols[:1])[0]
    with pytest.raises(InputError, match="--speed must be positive"):
        driver.acoustic(onnx_tiny, symbols, speed=0)
    with pytest.raises(InputError, match="the mel is not finite"):
        driver.vocode(onnx_tiny, np.full((4, onnx_tiny.n_mels), np.nan, np.float32))
    long = encoded_lines(tiny_voice, [tiny_symbols[0] * 40])[0]
    with pytest.raises(InputError, match=f"at most {onnx_tiny.max_tokens}"):
        driver.acoustic(onnx_tiny, long)
    with pytest.raises(InputError, match="no frames"):
        driver.acoustic(onnx_tiny, symbols, durations=np.zeros(len(symbols), np.int64))
