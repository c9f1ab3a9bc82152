"""Per-part profile of one sentence: the parts add up, the MACs match the whole-run count,
the voice is left as it was, and the command's errors and JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from compress import synthesis
from compress.errors import InputError
from eval import inputs, macs, profile
from tests.eval.conftest import VOICE

TEXT = "您好，请问有什么可以帮您？"


def test_spread_frames_is_even_and_exact():
    got = profile.spread_frames(7, 30)
    assert got.sum() == 30 and got.max() - got.min() <= 1 and got.dtype == np.int64
    with pytest.raises(InputError, match="cannot spread 3 frames over 4 tokens"):
        profile.spread_frames(4, 3)


def test_profile_parts_cover_the_run_and_count_every_mac(tiny_voice):
    speaker = tiny_voice.tables.speakers[0]
    result = profile.profile_sentence(tiny_voice, TEXT, speaker, audio_s=1.0, repeats=2)
    names = [p.name for p in result.parts]
    assert names == list(profile.PARTS)
    assert all(p.seconds >= 0 for p in result.parts) and result.total_s > 0
    assert result.frames == round(1.0 * tiny_voice.sample_rate / tiny_voice.audio.hop_length)
    assert result.decoder_steps == -(-result.frames // tiny_voice.am.r)
    assert result.matmul_gflops > 0

    # The per-part MACs add up to the count of the whole synthesis, with the same durations.
    lines, _ = inputs.text_to_lines(TEXT, None, speaker)
    encoded = synthesis.encode_lines(tiny_voice, lines, speaker=speaker)
    durations = [profile.spread_frames(len(s.ling), result.frames) for s in encoded]
    with macs.count(torch.nn.ModuleList([tiny_voice.am, tiny_voice.vocoder])) as whole:
        synthesis.synthesize(tiny_voice, encoded, durations=durations)
    by_part = {p.name: p.macs for p in result.parts}
    assert sum(by_part.values()) == whole["macs"]
    assert by_part["decoder"] > 0 and by_part["encoder"] > 0 and by_part["vocoder"] > by_part["decoder"]


def test_profiling_leaves_the_voice_untouched(tiny_voice):
    speaker = tiny_voice.tables.speakers[0]
    lines, _ = inputs.text_to_lines(TEXT, None, speaker)
    encoded = synthesis.encode_lines(tiny_voice, lines, speaker=speaker)
    before = synthesis.synthesize(tiny_voice, encoded).wav
    profile.profile_sentence(tiny_voice, TEXT, speaker, repeats=1)
    assert "forward" not in vars(tiny_voice.vocoder)
    assert "infer" not in vars(tiny_voice.am.mel_decoder)
    assert "predict_prosody" not in vars(tiny_voice.am.variance_adaptor)
    np.testing.assert_array_equal(synthesis.synthesize(tiny_voice, encoded).wav, before)


def test_profile_command_prints_the_table_and_writes_json(cli, tmp_path):
    out = tmp_path / "profile.json"
    got = cli("profile", "--voice", VOICE, "--text", TEXT, "--repeats", "1", "--audio-seconds", "0.5",
              "--out", out)
    assert got.code == 0, got.stderr
    assert "| vocoder |" in got.stdout and "matmul ceiling" in got.stdout
    data = json.loads(out.read_text())
    assert [p["name"] for p in data["parts"]] == list(profile.PARTS)
    assert data["frames"] == 40 and data["matmul_gflops"] > 0


@pytest.mark.parametrize("args, message", [
    (["--repeats", "0"], "--repeats must be at least 1"),
    (["--audio-seconds", "-1"], "audio seconds must be positive"),
    (["--speaker", "nobody"], "unknown speaker 'nobody'"),
    (["--text", "   "], "the text is empty"),
])
def test_profile_command_rejects_bad_input(cli, args, message):
    got = cli("profile", "--voice", VOICE, *args)
    assert got.code == 2 and got.stderr.startswith("error: ") and message in got.stderr
    assert "Traceback" not in got.stderr and got.stdout == ""


def test_profile_of_an_export_times_each_graph_and_leaves_the_sessions_as_they_were(tiny_voice, tmp_path):
    from compress.export.bridge import onnx_voice
    from compress.loading import load_voice
    from tests.export.conftest import export_voice

    exported = load_voice(export_voice(tiny_voice, tmp_path / "export"))
    result = profile.profile_sentence(exported, TEXT, exported.tables.speakers[0], audio_s=1.0, repeats=2)
    seconds = {p.name: p.seconds for p in result.parts}
    assert list(seconds) == list(profile.ONNX_PARTS)
    assert all(seconds[g] > 0 for g in ("encoder", "duration_step", "memory", "decoder_step", "vocoder"))
    assert all(p.macs == 0 for p in result.parts)  # not counted in ONNX Runtime
    assert all(type(s).__name__ == "InferenceSession" for s in onnx_voice(exported).sessions.values())
    assert "decoder: " in profile.format_table(result)
