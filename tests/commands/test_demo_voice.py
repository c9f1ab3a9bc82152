"""`demo-voice` commands: compare, and the bad input of build."""

from compress.models.voice_dir import DEMO_VOICE
from tests.demo_voice.conftest import needs_espeak


@needs_espeak
def test_compare_draws_both_spectrograms(cli, tmp_path):
    out = tmp_path / "cmp.png"
    res = cli("demo-voice", "compare", "今天天气很好。", out, "--voice", DEMO_VOICE, "--speaker", "zhibei")
    assert res.code == 0, res.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000


def test_compare_names_an_unknown_speaker(cli, tmp_path):
    res = cli("demo-voice", "compare", "你好。", tmp_path / "x.png", "--voice", DEMO_VOICE, "--speaker", "nobody")
    assert res.code == 2 and "unknown demo speaker 'nobody'" in res.stderr
    assert not (tmp_path / "x.png").exists()


def test_build_refuses_bad_training_settings_before_any_work(cli, tmp_path):
    res = cli("demo-voice", "build", "--out", tmp_path / "voice", "--work", tmp_path / "work", "--threads", "0")
    assert res.code == 2 and "threads must be at least 1" in res.stderr
    assert not (tmp_path / "work").exists() and not (tmp_path / "voice").exists()
