import json

import pytest
import torch

from compress.checkpoint import load_checkpoint, save_checkpoint, voice_tensors, weights_sha256
from compress.errors import InputError, VoiceLoadError
from compress.origin import import_plain
from compress.loading import load_voice
from tests.conftest import TINY


def import_manifest(voice):
    return [import_plain(voice)]


def test_round_trip_is_identical(tmp_path, tiny_voice):
    out = save_checkpoint(tiny_voice, tmp_path / "ckpt", import_manifest(tiny_voice))
    assert sorted(p.name for p in out.iterdir()) == ["arch.json", "manifest.json", "model.safetensors"]
    again = load_voice(out)
    original, loaded = voice_tensors(tiny_voice), voice_tensors(again)
    assert original.keys() == loaded.keys()
    assert all(torch.equal(original[k], loaded[k]) for k in original)
    assert weights_sha256(again) == json.loads((out / "manifest.json").read_text())["weights_sha256"]
    assert again.tables == tiny_voice.tables and again.audio == tiny_voice.audio
    mel = torch.randn(1, 80, 9)
    with torch.no_grad():
        assert torch.equal(again.vocoder(mel), tiny_voice.vocoder(mel))


def test_serialization_is_deterministic(tiny_voice):
    assert weights_sha256(tiny_voice) == weights_sha256(tiny_voice)


def test_existing_output_is_not_overwritten(tmp_path, tiny_voice):
    (tmp_path / "ckpt").mkdir()
    with pytest.raises(InputError, match="output already exists"):
        save_checkpoint(tiny_voice, tmp_path / "ckpt", import_manifest(tiny_voice))


def test_manifest_that_does_not_match_weights(tmp_path, tiny_voice):
    out = save_checkpoint(tiny_voice, tmp_path / "ckpt", import_manifest(tiny_voice))
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["weights_sha256"] = manifest["history"][-1]["output_sha256"] = "0" * 64
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(VoiceLoadError, match="manifest.json does not match its weights"):
        load_checkpoint(out)


def test_truncated_weights(tmp_path, tiny_voice):
    out = save_checkpoint(tiny_voice, tmp_path / "ckpt", import_manifest(tiny_voice))
    data = (out / "model.safetensors").read_bytes()
    (out / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(VoiceLoadError, match="truncated or not a safetensors file"):
        load_checkpoint(out)


def test_manifest_whose_history_disagrees_is_refused(tmp_path, tiny_voice):
    out = save_checkpoint(tiny_voice, tmp_path / "ckpt", import_manifest(tiny_voice))
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["weights_sha256"] = "0" * 64
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(VoiceLoadError, match="weights_sha256 differs from the last history entry"):
        load_checkpoint(out)


def test_nsf_voice_round_trips_with_its_f0_norm_and_source(tmp_path, nsf_voice):
    out = save_checkpoint(nsf_voice, tmp_path / "nsf", import_manifest(nsf_voice))
    arch = json.loads((out / "arch.json").read_text())
    assert arch["sambert"]["f0_norm"] == {"norm_type": "mean_std", "mean": 150.0, "std": 40.0,
                                          "minimum": 30.0, "maximum": 730.0}
    assert arch["hifigan"]["nsf"] and arch["hifigan"]["nsf_harmonics"] == 7
    again = load_voice(out)
    assert again.am.arch == nsf_voice.am.arch and again.vocoder.arch == nsf_voice.vocoder.arch
    original, loaded = voice_tensors(nsf_voice), voice_tensors(again)
    assert original.keys() == loaded.keys() and any(k.startswith("voc.source_downs.") for k in loaded)
    assert all(torch.equal(original[k], loaded[k]) for k in original)
    x = torch.cat([torch.randn(1, 80, 9), torch.full((1, 1, 9), 180.0), torch.ones(1, 1, 9)], dim=1)
    with torch.no_grad():
        torch.manual_seed(4)
        first = nsf_voice.vocoder(x)
        torch.manual_seed(4)
        assert torch.equal(again.vocoder(x), first)
