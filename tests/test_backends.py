"""Which backend opens a voice: torch for voices, ONNX Runtime for an export dir."""

from compress.backends import open_voice
from tests.conftest import TINY


def test_a_kantts_voice_opens_in_torch():
    from compress import streaming, synthesis

    voice, synth_api, stream_api = open_voice(TINY / "voices")
    assert (synth_api, stream_api) == (synthesis, streaming) and hasattr(voice, "am")


def test_an_export_opens_in_onnx_runtime_with_the_threads_asked(tiny_voice, tmp_path):
    from compress.export import driver
    from tests.export.conftest import export_voice

    path = export_voice(tiny_voice, tmp_path / "export")
    voice, synth_api, stream_api = open_voice(path, threads=1)
    assert synth_api is driver and stream_api is driver
    assert voice.sessions["vocoder"].get_session_options().intra_op_num_threads == 1
