import soundfile as sf

from tests.conftest import TINY


def test_samples_writes_every_speaker_and_emotion(cli, tmp_path):
    res = cli("samples", "--voice", TINY / "voices", "--out", tmp_path / "demo")
    assert res.code == 0, res.stderr
    wavs = sorted(p.name for p in (tmp_path / "demo").glob("*.wav"))
    assert len(wavs) == 2 * 5 * 3 and "M7_energetic_3.wav" in wavs
    assert sf.info(tmp_path / "demo" / wavs[0]).samplerate == 16000
    assert "M7_sad_2.wav" in (tmp_path / "demo" / "index.md").read_text(encoding="utf-8")


def test_samples_refuses_an_existing_folder(cli, tmp_path):
    (tmp_path / "demo").mkdir()
    res = cli("samples", "--voice", TINY / "voices", "--out", tmp_path / "demo")
    assert res.code == 2 and "output already exists" in res.stderr
