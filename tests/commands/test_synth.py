"""`synth` end to end on the tiny reference voice, and its bad-input errors."""

import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import NSF_TINY, TINY

REF = np.load(TINY / "ref_io.npz")
VOICE = TINY / "voices"


@pytest.fixture
def utt0_file(tmp_path):
    path = tmp_path / "utt0.txt"
    path.write_text(f"1\t{REF['utt0.symbols']}\n", encoding="utf-8")
    return path


def test_symbols_reproduce_reference_mel_and_wav(cli, tmp_path, utt0_file):
    res = cli("synth", "--voice", VOICE, "--symbols-file", utt0_file, "--out", tmp_path / "a.wav",
              "--mel-out", tmp_path / "a.npy")
    assert res.code == 0, res.stderr
    mel = np.load(tmp_path / "a.npy")
    assert mel.dtype == np.float32 and mel.shape == REF["utt0.pred.mel"].shape
    assert np.abs(mel - REF["utt0.pred.mel"]).max() <= 1e-4
    wav, rate = sf.read(tmp_path / "a.wav", dtype="float32")
    assert rate == 16000 and sf.info(tmp_path / "a.wav").subtype == "PCM_16"
    assert np.abs(wav - REF["voc.wav_from_utt0_pred"].reshape(-1)).max() <= 2e-3


def test_mel_in_vocodes_only(cli, tmp_path):
    np.save(tmp_path / "m.npy", REF["voc.mel_from_utt0_pred"][0].T.copy())
    res = cli("synth", "--voice", VOICE, "--mel-in", tmp_path / "m.npy", "--out", tmp_path / "b.wav")
    assert res.code == 0, res.stderr
    wav, _ = sf.read(tmp_path / "b.wav", dtype="float32")
    assert np.abs(wav - REF["voc.wav_from_utt0_pred"].reshape(-1)).max() <= 2e-3


def test_inline_symbols_with_overrides_and_resampling(cli, tmp_path):
    res = cli("synth", "--voice", VOICE, "--symbols", str(REF["utt1.symbols"]), "--speaker", "F7",
              "--emotion", "happy", "--speed", "1.5", "--sample-rate", "24000", "--out", tmp_path / "c.wav")
    assert res.code == 0, res.stderr
    info = sf.info(tmp_path / "c.wav")
    assert info.samplerate == 24000
    # 1.5x faster than the reference's free-running 56 frames, resampled 16k -> 24k
    assert info.frames < 56 * 200 * 1.5


def test_several_lines_are_joined(cli, tmp_path):
    text = f"1\t{REF['utt0.symbols']}\n2\t{REF['utt1.symbols']}\n"
    (tmp_path / "two.txt").write_text(text, encoding="utf-8")
    res = cli("synth", "--voice", VOICE, "--symbols-file", tmp_path / "two.txt", "--out", tmp_path / "d.wav",
              "--mel-out", tmp_path / "d.npy")
    assert res.code == 0, res.stderr
    assert np.load(tmp_path / "d.npy").shape[0] == 27 + 56
    assert sf.info(tmp_path / "d.wav").frames == (27 + 56) * 200 + int(0.28 * 16000)


def bad_cases(tmp_path):
    nan = tmp_path / "nan.npy"
    np.save(nan, np.full((5, 80), np.nan, dtype=np.float32))
    wrong = tmp_path / "wrong.npy"
    np.save(wrong, np.zeros((5, 40), dtype=np.float32))
    sym = str(REF["utt0.symbols"])
    out = str(tmp_path / "x.wav")
    return [
        (["--symbols", sym.replace("{h_c", "{hh_c", 1), "--out", out], "unknown sy symbol 'hh_c' in token"),
        (["--symbols", sym, "--speaker", "nobody", "--out", out], "unknown speaker 'nobody'; valid: F7, M7"),
        (["--symbols", sym, "--emotion", "grumpy", "--out", out], "unknown emotion 'grumpy'"),
        (["--mel-in", nan, "--out", out], "the mel is not finite"),
        (["--mel-in", wrong, "--out", out], r"expected a \(frames, 80\) mel"),
        (["--symbols", sym, "--out", tmp_path / "missing" / "x.wav"], "output folder does not exist"),
        (["--out", out], "give exactly one of"),
        (["--symbols", sym, "--mel-in", nan, "--out", out], "give exactly one of"),
        (["--symbols", sym, "--speed", "0", "--out", out], "--speed must be positive"),
        (["--text", "😀", "--out", out], "nothing speakable|no speakable|speak"),
    ]


def test_bad_input_is_one_line_and_leaves_no_output(cli, tmp_path):
    import re

    for args, message in bad_cases(tmp_path):
        res = cli("synth", "--voice", VOICE, *args)
        assert res.code == 2, (args, res.stderr)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
        assert re.search(message, lines[0]), (message, lines[0])
        assert not any(p.suffix in (".wav", ".tmp") for p in tmp_path.rglob("*")), list(tmp_path.iterdir())


def test_missing_voice_from_a_real_process(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "compress.cli", "synth", "--voice", str(tmp_path / "none"),
                           "--symbols", "{a$b$c$d$e$f}", "--out", str(tmp_path / "x.wav")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"error: voice path does not exist: {tmp_path / 'none'}"]


def test_stream_writes_the_same_audio(cli, tmp_path):
    text = f"1\t{REF['utt0.symbols']}\n2\t{REF['utt1.symbols']}\n"
    (tmp_path / "two.txt").write_text(text, encoding="utf-8")
    common = ["synth", "--voice", VOICE, "--symbols-file", tmp_path / "two.txt"]
    assert cli(*common, "--out", tmp_path / "whole.wav", "--mel-out", tmp_path / "whole.npy").code == 0
    res = cli(*common, "--stream", "--out", tmp_path / "stream.wav", "--mel-out", tmp_path / "stream.npy")
    assert res.code == 0 and "first audio after" in res.stderr
    whole, _ = sf.read(tmp_path / "whole.wav", dtype="int16")
    streamed, _ = sf.read(tmp_path / "stream.wav", dtype="int16")
    assert whole.shape == streamed.shape
    assert np.abs(whole.astype(int) - streamed).max() <= 1  # floats agree within 1e-5
    np.testing.assert_allclose(np.load(tmp_path / "stream.npy"), np.load(tmp_path / "whole.npy"), atol=1e-5)
    np.save(tmp_path / "m.npy", REF["voc.mel_from_utt0_pred"][0].T.copy())
    res = cli("synth", "--voice", VOICE, "--mel-in", tmp_path / "m.npy", "--stream", "--out", tmp_path / "v.wav")
    assert res.code == 0
    vocoded, _ = sf.read(tmp_path / "v.wav", dtype="float32")
    assert np.abs(vocoded - REF["voc.wav_from_utt0_pred"].reshape(-1)).max() <= 2e-3


NSF_REF = np.load(NSF_TINY / "ref_io.npz")
NSF_VOICE = NSF_TINY / "voices"


@pytest.mark.parametrize("stream", [False, True])
def test_nsf_voice_with_seed_reproduces_reference(cli, tmp_path, stream):
    """An NSF voice through synth --seed 0: the WAV is the original's seed-0 waveform, and
    --mel-out writes the vocoder's input (frames, 82), F0 in Hz and voicing last."""
    symbols = tmp_path / "utt1.txt"
    symbols.write_text(f"1\t{NSF_REF['utt1.symbols']}\n", encoding="utf-8")
    res = cli("synth", "--voice", NSF_VOICE, "--symbols-file", symbols, "--seed", "0", "--out", tmp_path / "n.wav",
              "--mel-out", tmp_path / "n.npy", *(["--stream"] if stream else []))
    assert res.code == 0, res.stderr
    mel = np.load(tmp_path / "n.npy")
    assert mel.dtype == np.float32 and mel.shape == NSF_REF["utt1.pred.vocoder_input"].shape == (56, 82)
    assert np.abs(mel - NSF_REF["utt1.pred.vocoder_input"]).max() <= 1e-4
    wav, _ = sf.read(tmp_path / "n.wav", dtype="float32")
    assert np.abs(wav - NSF_REF["utt1.pred.wav_seed0"].reshape(-1)).max() <= 2e-3


@pytest.mark.parametrize("stream", [False, True])
def test_nsf_mel_in_accepts_the_vocoder_input(cli, tmp_path, stream):
    np.save(tmp_path / "m.npy", NSF_REF["utt0.fixdur.vocoder_input"])
    res = cli("synth", "--voice", NSF_VOICE, "--mel-in", tmp_path / "m.npy", "--seed", "0",
              "--out", tmp_path / "m.wav", *(["--stream"] if stream else []))
    assert res.code == 0, res.stderr
    wav, _ = sf.read(tmp_path / "m.wav", dtype="float32")
    assert np.abs(wav - NSF_REF["utt0.fixdur.wav_seed0"].reshape(-1)).max() <= 2e-3


def test_nsf_mel_in_without_f0_is_refused(cli, tmp_path):
    np.save(tmp_path / "m.npy", NSF_REF["utt0.fixdur.vocoder_input"][:, :80].copy())
    res = cli("synth", "--voice", NSF_VOICE, "--mel-in", tmp_path / "m.npy", "--out", tmp_path / "x.wav")
    assert res.code == 2 and "expected a (frames, 82) mel" in res.stderr
    assert not (tmp_path / "x.wav").exists()
