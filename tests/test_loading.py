"""Loading anything a user passes as --voice."""

import json

import pytest

from compress.checkpoint import save_checkpoint, weights_sha256
from compress.errors import CompressError
from compress.loading import load_voice
from compress.origin import import_plain
from tests.conftest import TINY


def test_kantts_dir_voices_root_and_checkpoint_load_the_same_weights(tmp_path, tiny_voice):
    saved = save_checkpoint(tiny_voice, tmp_path / "ckpt", [import_plain(tiny_voice)])
    digests = {weights_sha256(load_voice(p)) for p in (TINY / "voices", TINY / "voices" / "refvoice", saved)}
    assert digests == {weights_sha256(tiny_voice)}


def test_a_mode_of_an_unknown_stage_is_an_error_naming_it(tmp_path, tiny_voice):
    saved = save_checkpoint(tiny_voice, tmp_path / "ckpt", [import_plain(tiny_voice)])
    arch = json.loads((saved / "arch.json").read_text())
    arch["modes"] = [{"stage": "warp", "mode": {"x": 1}}]
    (saved / "arch.json").write_text(json.dumps(arch))
    with pytest.raises(CompressError, match="unknown stage 'warp'"):
        load_voice(saved)


def test_a_newer_arch_version_is_refused(tmp_path, tiny_voice):
    saved = save_checkpoint(tiny_voice, tmp_path / "ckpt", [import_plain(tiny_voice)])
    arch = json.loads((saved / "arch.json").read_text())
    arch["version"] = 9
    (saved / "arch.json").write_text(json.dumps(arch))
    with pytest.raises(CompressError, match="arch version 9"):
        load_voice(saved)


def test_a_reverted_root_loads_although_its_import_lists_the_source_files(tmp_path, tiny_voice):
    from compress.origin import import_kantts

    record, _ = import_kantts(tiny_voice)
    saved = save_checkpoint(tiny_voice, tmp_path / "root", [record])
    assert weights_sha256(load_voice(saved)) == weights_sha256(tiny_voice)
