import numpy as np
import pytest

from compress.demo_voice import espeak
from compress.errors import DataError, EspeakUnavailableError

from .conftest import needs_espeak


def test_missing_library_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(espeak, "_load_library", lambda: None)
    with pytest.raises(EspeakUnavailableError, match="apt-get install -y espeak-ng"):
        espeak.ensure_espeak(install=False)


@needs_espeak
def test_words_and_phonemes_come_with_increasing_sample_positions():
    engine = espeak.Espeak.shared()
    result = engine.synthesize("ni3 hao3 shi4 jie4", "cmn-latn-pinyin+m3")
    assert result.sample_rate == 22050 and result.audio.dtype == np.int16
    words = [e for e in result.events if e.kind == "word"]
    assert [w.number for w in words] == [1, 2, 3, 4]
    samples = [e.sample for e in result.events if e.kind in ("word", "phoneme")]
    assert samples == sorted(samples) and samples[-1] <= len(result.audio)
    phonemes = [e.phoneme for e in result.events if e.kind == "phoneme"]
    assert phonemes[:3] == ["n", "i", "_|"]


@needs_espeak
def test_output_depends_on_the_input_only():
    engine = espeak.Espeak.shared()
    first = engine.synthesize("ma1 ma1", "cmn-latn-pinyin+m3")
    low = engine.synthesize("ma1 ma1", "cmn-latn-pinyin+m3", pitch=20)
    engine.synthesize("ni3 hao3", "cmn-latn-pinyin+f1", pitch=80)
    again = engine.synthesize("ma1 ma1", "cmn-latn-pinyin+m3", pitch=50)
    assert not np.array_equal(first.audio, low.audio)
    np.testing.assert_array_equal(first.audio, again.audio)  # no state from the calls between
    assert first.events == again.events


@needs_espeak
def test_bad_voice_and_parameter_names_are_data_errors():
    engine = espeak.Espeak.shared()
    with pytest.raises(DataError, match="no voice"):
        engine.synthesize("ma1", "no-such-voice")
    with pytest.raises(DataError, match="unknown espeak parameter"):
        engine.synthesize("ma1", "cmn-latn-pinyin", speed=3)
