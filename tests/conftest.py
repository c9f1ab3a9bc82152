"""Shared fixtures: reference folders, a loaded tiny voice, and an in-process CLI runner."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# As in compress/cli.py: sleeping OpenMP waiters, before any test imports torch.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
TINY = FIXTURES / "kantts-tiny"
# An NSF voice (F0-driven vocoder source) built from kantts-tiny, with the original code's outputs.
NSF_TINY = FIXTURES / "kantts-nsf-tiny"
# The original KAN-TTS outputs of the released-shape voice (too large for the repository): beside
# the checkout by default, anywhere with SAMBERT_COMPRESS_REFERENCE=DIR (the folder holding kantts-16k).
SHARED_REFERENCE = Path(os.environ.get("SAMBERT_COMPRESS_REFERENCE", TESTS.parent.parent / "shared" / "reference"))
SHARED_16K = SHARED_REFERENCE / "kantts-16k"


def reference_dirs() -> list[Path]:
    """Every folder of outputs computed by the original KAN-TTS code that is in the project."""
    variants = sorted((FIXTURES / "kantts-variants").glob("*/ref_io.npz"))
    return [TINY] + [v.parent for v in variants]


@pytest.fixture(scope="session")
def tiny_voice():
    from compress.loading import load_voice

    return load_voice(TINY / "voices")


@pytest.fixture(scope="session")
def nsf_voice():
    from compress.loading import load_voice

    return load_voice(NSF_TINY / "voices")


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run `sambert-compress ARGS...` in this process; returns exit code and output."""
    from compress.cli import main

    def run(*args: str) -> CliResult:
        monkeypatch.setattr(sys, "argv", ["sambert-compress", *map(str, args)])
        monkeypatch.delenv("SAMBERT_COMPRESS_DEBUG", raising=False)
        code = 0
        try:
            main()
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
