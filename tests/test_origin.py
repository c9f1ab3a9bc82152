"""The import record: whatever loading changed in a KAN-TTS voice is kept, and the original
voice dir is written back with equal tensors (keys, order, dtypes) and identical other files."""

import shutil

import pytest
import torch

from compress.checkpoint import voice_tensors
from compress.errors import VoiceLoadError
from compress.loading import load_voice
from compress.origin import FILE_PREFIX, import_kantts, write_kantts
from tests.conftest import reference_dirs


def checkpoint(voice_dir, part):
    return next((voice_dir / part / "ckpt").glob("checkpoint_*.pth"))


def states(voice_dir):
    return {"am": torch.load(checkpoint(voice_dir, "am"), weights_only=True)["model"],
            "voc": torch.load(checkpoint(voice_dir, "voc"), weights_only=True)["model"]["generator"]}


def round_trip(voice_dir, out):
    voice = load_voice(voice_dir)
    record, kept = import_kantts(voice)
    write_kantts(record, kept, voice_tensors(voice), out)
    return record, kept


def assert_equal_states(a, b):
    for part in ("am", "voc"):
        assert list(a[part]) == list(b[part]), part
        for key, tensor in a[part].items():
            assert b[part][key].dtype == tensor.dtype and torch.equal(b[part][key], tensor), (part, key)


@pytest.mark.parametrize("reference", reference_dirs(), ids=lambda p: p.name)
def test_every_reference_voice_is_written_back_exactly(reference, tmp_path):
    voice_dir = next((reference / "voices").glob("*/am")).parent
    record, kept = round_trip(voice_dir, tmp_path / "back")
    assert_equal_states(states(voice_dir), states(tmp_path / "back"))
    for rel in record["files"]:
        if not rel.endswith(".pth"):
            assert (tmp_path / "back" / rel).read_bytes() == (voice_dir / rel).read_bytes(), rel
    # weight norm is what loading changed: every weight_g/weight_v pair is kept, nothing else
    changed = {k for k in kept if not k.startswith(FILE_PREFIX)}
    assert changed and all(k.endswith(("weight_g", "weight_v")) for k in changed)


def test_legacy_names_extra_keys_and_half_precision_survive(tmp_path):
    source = next(p for p in reference_dirs() if p.name == "kantts-tiny") / "voices" / "refvoice"
    voice_dir = shutil.copytree(source, tmp_path / "voice")
    path = checkpoint(voice_dir, "voc")
    ckpt = torch.load(path, weights_only=True)
    ckpt["model"]["generator"] = {k.replace("conv_blocks.", "resblocks."): v
                                  for k, v in ckpt["model"]["generator"].items()}
    torch.save(ckpt, path)
    path = checkpoint(voice_dir, "am")
    ckpt = torch.load(path, weights_only=True)
    ckpt["model"]["unused.table"] = torch.arange(6)
    key = "text_encoder.ling_proj.weight"
    ckpt["model"][key] = ckpt["model"][key].half()
    torch.save(ckpt, path)
    record, kept = round_trip(voice_dir, tmp_path / "back")
    assert "am.unused.table" in kept and f"am.{key}" in kept
    assert any(k.startswith("voc.resblocks.") and k.endswith(".bias") for k in record["load_changes"]["renamed"])
    assert_equal_states(states(voice_dir), states(tmp_path / "back"))


def test_a_kept_tensor_that_changed_is_refused_and_nothing_is_written(tmp_path):
    voice_dir = next(p for p in reference_dirs() if p.name == "kantts-tiny") / "voices" / "refvoice"
    voice = load_voice(voice_dir)
    record, kept = import_kantts(voice)
    key = next(k for k in kept if k.endswith("weight_v"))
    kept[key] = kept[key] + 1
    with pytest.raises(VoiceLoadError, match="rebuilt voc checkpoint does not match"):
        write_kantts(record, kept, voice_tensors(voice), tmp_path / "back")
    assert not (tmp_path / "back").exists()
