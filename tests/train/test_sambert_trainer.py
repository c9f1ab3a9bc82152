import copy

import numpy as np
import pytest
import torch

from compress.models.symbols import encode, parse_tokens
from compress.train.batching import check_item, collate, length_batches
from compress.train.sambert_trainer import SambertTrainConfig, sambert_losses, train_sambert
from compress.train.teacher import teacher_items
from tests.conftest import TINY

REF = np.load(TINY / "ref_io.npz")


@pytest.fixture(scope="module")
def items(tiny_voice):
    sentences = [encode(tiny_voice.tables, parse_tokens(str(REF[f"{u}.symbols"]))) for u in ("utt0", "utt1")]
    made = teacher_items(tiny_voice, sentences)
    for item in made:
        check_item(item, 80)
    return made


def test_collate_pads_to_multiple_of_r(items):
    batch = collate(items, 3)
    assert batch.ling.shape == (2, 18, 4) and batch.mel.shape == (2, 57, 80)
    assert batch.lengths.tolist() == [12, 18]
    assert batch.durations.sum(1).tolist() == [27, 56]


def test_length_batches_cover_every_item_once(items):
    import random

    many = items * 5
    batches = length_batches(many, max_frames=120, rng=random.Random(0))
    assert sorted(i for b in batches for i in b) == list(range(len(many)))
    assert all(len(b) * max(many[i]["mel"].shape[0] for i in b) <= 120 or len(b) == 1 for b in batches)


def test_teacher_scores_near_zero_on_its_own_targets(tiny_voice, items):
    batch = collate(items, 3)
    with torch.no_grad():
        losses = sambert_losses(tiny_voice.am(**batch.model_inputs()), batch)
    # pitch and energy are reproduced exactly; durations and mel only nearly, because
    # training feeds back the targets (rounded durations, post-net frames) where inference
    # feeds back its own float durations and decoder frames
    assert max(float(losses[k]) for k in ("pitch", "energy")) < 1e-5
    assert float(losses["duration"]) < 0.1 and float(losses["mel_post"]) < 0.02


def test_training_reduces_loss(tiny_voice, items):
    student = copy.deepcopy(tiny_voice.am)
    for p in student.parameters():
        p.requires_grad_(True)
    with torch.no_grad():
        for p in student.mel_decoder.parameters():
            p.add_(0.3 * torch.randn_like(p))
    batch = collate(items, 3)
    with torch.no_grad():
        before = float(sambert_losses(student(**batch.model_inputs()), batch)["total"])
    log = train_sambert(student, items, SambertTrainConfig(steps=40, max_frames=200, lr=3e-3, warmup=5, log_every=10))
    student.eval()
    with torch.no_grad():
        after = float(sambert_losses(student(**batch.model_inputs()), batch)["total"])
    assert len(log.rows) == 4 and after < 0.5 * before, (before, after)


def test_training_without_dropout_sees_the_inference_function(tiny_voice, items):
    """With dropout off, the first step's logged loss is the eval-mode loss (no random drops)."""
    batch = collate(items, 3)
    with torch.no_grad():
        eval_loss = float(sambert_losses(tiny_voice.am(**batch.model_inputs()), batch)["total"])
    losses = {}
    for dropout in (True, False):
        student = copy.deepcopy(tiny_voice.am)
        for p in student.parameters():
            p.requires_grad_(True)
        config = SambertTrainConfig(steps=1, max_frames=400, lr=1e-12, warmup=1, log_every=1, dropout=dropout)
        losses[dropout] = train_sambert(student, items, config).rows[0]["total"]
    assert losses[False] == pytest.approx(eval_loss, rel=1e-4)
    assert losses[True] != pytest.approx(eval_loss, rel=1e-2)


def test_cosine_decay_warms_up_then_reaches_zero_at_the_last_step():
    from compress.train.sambert_trainer import warmup_cosine

    assert warmup_cosine(5, 10, 100) == pytest.approx(0.5)
    assert warmup_cosine(10, 10, 100) == pytest.approx(1.0)
    assert warmup_cosine(55, 10, 100) == pytest.approx(0.5)
    assert warmup_cosine(100, 10, 100) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="decay must be noam or cosine"):
        SambertTrainConfig(decay="linear")


class Stop(Exception):
    """Stands for a run killed after its checkpoint at step 2."""


def test_a_stopped_run_resumes_to_the_uninterrupted_result(items, tiny_voice, tmp_path):
    from compress.train.resume import Resumable

    config = SambertTrainConfig(steps=4, max_frames=60, warmup=2, seed=3, log_every=1)
    whole = copy.deepcopy(tiny_voice.am)
    train_sambert(whole, items, config)

    def stop_at_3(step, row):
        if step == 3:
            raise Stop

    resume = Resumable(tmp_path / "am.ckpt", every=2, settings={"run": 1})
    resumed = copy.deepcopy(tiny_voice.am)
    with pytest.raises(Stop):
        train_sambert(resumed, items, config, stop_at_3, resume)
    resumed = copy.deepcopy(tiny_voice.am)  # a fresh process: nothing kept but the checkpoint
    log = train_sambert(resumed, items, config, resume=resume)
    assert [row["step"] for row in log.rows] == [1, 2, 3, 4]
    assert all(torch.equal(a, b) for a, b in zip(whole.state_dict().values(), resumed.state_dict().values()))
    other = Resumable(tmp_path / "am.ckpt", every=2, settings={"run": 2})
    assert other.load() is None  # made under other settings: not resumed from
