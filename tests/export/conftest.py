"""One export of the tiny voice (and of the non-causal variant) shared by the export tests."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES, TINY


def export_voice(voice, out, **settings):
    from compress import registry
    from compress.export.config import ExportConfig
    from compress.stage import StageContext, run_stage

    path, _ = run_stage(registry.get("export"), voice, ExportConfig(**settings), StageContext({}, []), out)
    return path


@pytest.fixture(scope="session")
def tiny_export(tiny_voice, tmp_path_factory):
    return export_voice(tiny_voice, tmp_path_factory.mktemp("export") / "02-export")


@pytest.fixture(scope="session")
def onnx_tiny(tiny_export):
    from compress.export.runtime import load_export

    return load_export(tiny_export)


@pytest.fixture(scope="session")
def noncausal_voice():
    from compress.loading import load_voice

    return load_voice(FIXTURES / "kantts-variants" / "noncausal" / "voices")


@pytest.fixture(scope="session")
def tiny_symbols():
    import numpy as np

    from compress.models.symbols import parse_tokens

    ref = np.load(TINY / "ref_io.npz")
    return [parse_tokens(str(ref["utt1.symbols"])), parse_tokens(str(ref["utt0.symbols"]))]


def encoded_lines(voice, lines):
    from compress.utterances import encode_lines

    return encode_lines(voice, lines)
