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
def nsf_export(nsf_voice, tmp_path_factory):
    """The FP32 export of the NSF reference voice (its source runs in the driver)."""
    return export_voice(nsf_voice, tmp_path_factory.mktemp("export-nsf") / "01-export")


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


QAT_SMALL = dict(steps=0, vocoder_steps=2, freeze_step=1, calib_sentences=2, sentences=2, measure_sentences=1,
                 vocoder_batch=1)


@pytest.fixture(scope="session")
def tiny_qat(tiny_voice, tmp_path_factory):
    """A qat stage dir of the tiny voice (a short QAT of the vocoder), loaded back."""
    from compress import registry
    from compress.loading import load_voice
    from compress.quant.config import QatConfig
    from compress.stage import StageContext, run_stage

    out = tmp_path_factory.mktemp("qat") / "01-qat"
    run_stage(registry.get("qat"), tiny_voice, QatConfig(**QAT_SMALL), StageContext({}, []), out)
    return load_voice(out)


@pytest.fixture(scope="session")
def tiny_int8_export(tiny_qat, tmp_path_factory):
    """Its export to both targets, every graph kept INT8 and U8S8 (so that no test depends on
    timings; ONNX Runtime fuses S8S8 QDQ convs into QLinearConv on ARM, not on x86)."""
    return export_voice(tiny_qat, tmp_path_factory.mktemp("export-int8") / "02-export", target="both",
                        int8_graphs="all", activations="uint8", calib_sentences=2)
