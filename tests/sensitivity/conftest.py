"""Calibration for the sensitivity tests: the tiny fixture's two reference utterances."""

from __future__ import annotations

import numpy as np
import pytest

from compress.models.symbols import encode, parse_tokens
from tests.conftest import TINY


def tiny_symbol_lines() -> list[str]:
    ref = np.load(TINY / "ref_io.npz")
    return [str(ref[f"utt{i}.symbols"]) for i in (0, 1)]


@pytest.fixture(scope="session")
def tiny_calibration(tiny_voice):
    return [encode(tiny_voice.tables, parse_tokens(line)) for line in tiny_symbol_lines()]


@pytest.fixture
def fresh_voice():
    """A voice of its own, for tests that change weights."""
    from compress.loading import load_voice

    return load_voice(TINY / "voices")


@pytest.fixture(scope="session")
def tiny_groups(tiny_voice):
    from compress.units.voice_groups import voice_groups

    return {g.name: g for g in voice_groups(tiny_voice.am.arch, tiny_voice.vocoder.arch)}


@pytest.fixture(autouse=True, scope="package")
def one_thread():
    """These tests run many tiny ops; on a shared machine extra threads only add waiting."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
