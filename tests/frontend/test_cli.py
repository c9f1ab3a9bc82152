"""`sambert-compress frontend`: formats, stdin, warnings, and one-line errors for bad input."""

import io
import json
import subprocess
import sys

import pytest

from compress.models.symbols import SymbolTables, encode, parse_tokens
from tests.conftest import TINY

VOICE = TINY / "voices" / "refvoice"


def use_stdin(monkeypatch, data: bytes):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_symbols_default_format_and_speaker(cli):
    result = cli("frontend", "今天天气很好。明天见！")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["1", "2"]
    tables = SymbolTables.build(["zhiyan", "zhibei"])
    for line in lines:
        tokens = parse_tokens(line)
        assert {t[5] for t in tokens} == {"zhiyan"}  # the default (demo) voice's first speaker
        encode(tables, tokens)


def test_pinyin_format(cli):
    result = cli("frontend", "你好，一点儿", "--format", "pinyin")
    assert result.code == 0
    assert result.stdout == "1\tni2 hao3 #3 yi4 dianr3 #4\n"


def test_json_format(cli):
    result = cli("frontend", "2024年，你好😀", "--format", "json", "--emotion", "happy",
                 "--speaker", "M7", "--voice", str(VOICE))
    assert result.code == 0
    data = json.loads(result.stdout)
    assert data["normalized"] == "二零二四年，你好"
    assert data["emotion"] == "emotion_happy" and data["speaker"] == "M7"
    assert data["sentences"][0]["pinyin"].startswith("er4 ling2 er4 si4 nian2")
    assert "{" in data["sentences"][0]["symbols"]
    assert data["warnings"] and "二零二四" in result.stdout  # ensure_ascii=False
    assert "warning: dropped" in result.stderr


def test_stdin(cli, monkeypatch):
    use_stdin(monkeypatch, "我们走吧\n".encode())
    result = cli("frontend", "-", "--format", "pinyin")
    assert result.code == 0
    assert result.stdout == "1\two3 men5 #1 zou3 ba5 #4\n"


def test_stdin_invalid_utf8(cli, monkeypatch):
    use_stdin(monkeypatch, b"\xff\xfe\x00abc")
    result = cli("frontend", "-")
    assert result.code == 2
    assert result.stderr.startswith("error: stdin is not UTF-8")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("args,message", [
    (["   "], "the text is empty"),
    (["😀★"], "nothing speakable"),
    (["你好", "--emotion", "grumpy"], "unknown emotion 'grumpy'; accepted: neutral, happy, calm, sad"),
    (["你好", "--speaker", "F7"], "unknown speaker 'F7'; accepted: zhiyan, zhibei"),
    (["你好", "--voice", "/nonexistent"], "voice path does not exist"),
])
def test_bad_input_is_one_line_error(cli, args, message):
    result = cli("frontend", *args)
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_bad_format_is_a_usage_error(cli):
    assert cli("frontend", "你好", "--format", "xml").code != 0


def test_no_torch_on_the_frontend_path(tmp_path):
    code = (
        "import sys\n"
        "sys.argv = ['sambert-compress', 'frontend', '今天天气很好']\n"
        "from compress.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "NO-TORCH", out.stderr
