"""The server's voice backend over an export dir: the voice list says ONNX Runtime and the
audio equals what synth makes of the same export."""

import numpy as np
import pytest

from compress.serve.backend import open_backend
from compress.streaming import stream
from tests.conftest import TINY


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory):
    from typer.testing import CliRunner

    from compress.cli import app

    out = tmp_path_factory.mktemp("exp") / "02-export"
    result = CliRunner().invoke(app, ["export", "--voice", str(TINY / "voices"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_an_export_dir_is_served_on_onnx_runtime(export_dir):
    backend = open_backend("exp", export_dir)
    described = backend.describe()
    assert described["runtime"] == "onnxruntime" and described["precision"] == "fp32"
    assert [c["stage"] for c in described["chain"]] == ["export"]
    sentence = backend.sentences("今天天气很好。", "F7", "neutral")[0]
    served = np.concatenate(list(backend.stream(sentence, 1.0)))
    direct = np.concatenate(list(stream(backend.voice, sentence, 1.0)))
    assert served.size > 0 and np.array_equal(served, direct)


def test_a_folder_that_is_no_voice_is_refused_by_name(tmp_path):
    from compress.errors import VoiceLoadError

    with pytest.raises(VoiceLoadError, match="is not a voice this server can run"):
        open_backend("x", tmp_path)
