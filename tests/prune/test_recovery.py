"""Recovery trains only the halves of the voice that the prune changed."""

import copy

import numpy as np
import pytest
import torch

from compress.checkpoint import voice_tensors
from compress.models.symbols import encode, parse_tokens
from compress.prune.config import PruneConfig
from compress.prune.recovery import RecoveryConfig, recover
from compress.prune.stage import _mel_fn, changed_parts
from tests.conftest import TINY

REF = np.load(TINY / "ref_io.npz")


def test_changed_parts_follow_the_plan():
    assert changed_parts({"am.encoder.0.ffn": [], "voc.stage.1": []}) == {"acoustic", "vocoder"}
    assert changed_parts({"am.decoder.0.attn": []}) == {"acoustic"}
    assert changed_parts({}) == frozenset()


def test_an_unchanged_vocoder_is_left_bit_for_bit(tiny_voice):
    student = copy.deepcopy(tiny_voice)
    sentences = [encode(tiny_voice.tables, parse_tokens(str(REF["utt0.symbols"])))]
    config = RecoveryConfig(steps=2, vocoder_steps=2, sentences=1, vocoder_batch=1)
    logs = recover(student, tiny_voice, sentences, config, _mel_fn(tiny_voice), parts=frozenset({"acoustic"}))
    assert set(logs) == {"acoustic"}
    before, after = voice_tensors(tiny_voice), voice_tensors(student)
    vocoder = [k for k in before if k.startswith("voc.")]
    acoustic = [k for k in before if k.startswith("am.")]
    assert vocoder and all(torch.equal(before[k], after[k]) for k in vocoder)
    assert any(not torch.equal(before[k], after[k]) for k in acoustic)


def test_distillation_text_comes_from_the_recipe_or_the_package_data(tmp_path):
    from compress.errors import InputError
    from compress.prune.recovery import DISTILLATION_TEXT
    from compress.recipe import build, compose

    assert DISTILLATION_TEXT.parent.name == "data" and DISTILLATION_TEXT.parent.parent.name == "compress"
    default = RecoveryConfig(sentences=5).text_lines()
    assert len(default) == 5 and all("#" not in line for line in default)
    own = tmp_path / "texts.txt"
    own.write_text("# mine\n第一句。\n第二句。\n", encoding="utf-8")
    config = build(PruneConfig, compose([f"prune.recovery.texts={own}"])["prune"], "prune")
    assert config.recovery.text_lines() == ["第一句。", "第二句。"]
    with pytest.raises(InputError, match="recovery.texts file not found: .*missing.txt"):
        RecoveryConfig(texts=str(tmp_path / "missing.txt")).text_lines()
    (tmp_path / "empty.txt").write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(InputError, match="holds no sentences"):
        RecoveryConfig(texts=str(tmp_path / "empty.txt")).text_lines()
