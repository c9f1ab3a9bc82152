"""The serve commands' own checks, before any process starts."""

import socket


def test_a_missing_voice_is_one_error_line(cli, tmp_path):
    result = cli("serve", "--voice", tmp_path / "nothing")
    assert result.code == 2 and result.stderr.strip() == f"error: voice path does not exist: {tmp_path / 'nothing'}"


def test_a_port_in_use_is_refused_before_loading(cli):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = cli("serve", "--port", port)
    assert result.code == 2 and f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_bad_settings_and_bench_options(cli, tmp_path):
    assert "--workers must be in" in cli("serve", "--workers", 0).stderr
    assert "--auth must be USER:PASS" in cli("serve", "--auth", "nopass").stderr
    result = cli("bench-serve", "--clients", 0)
    assert result.code == 2 and "--clients" in result.stderr
    assert cli("bench-serve", "--texts", tmp_path / "none.txt").stderr.startswith("error: texts file not found")
