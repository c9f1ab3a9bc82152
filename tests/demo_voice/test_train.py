"""Training the demo voice on a tiny stand-in dataset (tests/demo_voice/standin.py; no espeak-ng needed): the NSF path
(82 acoustic channels, am/mvn.npy from the corpus F0 stats, a warm-started vocoder) and a
build that continues from its checkpoints."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from compress.demo_voice import dataset
from compress.demo_voice.train import DemoTrainConfig, acoustic_items, assemble, train_both, vocoder_items
from compress.models.kantts_io import save_kantts_voice
from compress.models.symbols import parse_tokens
from compress.loading import load_voice
from compress.synthesis import encode_lines, synthesize
from tests.demo_voice.standin import F0_MEAN, F0_STD, write_dataset

TINY_TRAINING = DemoTrainConfig(am_steps=2, am_max_frames=200, am_warmup=1, voc_steps=2, voc_batch=2,
                                voc_segment=8, voc_source_steps=1, voc_gta_steps=1, warm_start=True,
                                checkpoint_every=1)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, ref_lines):
    root = tmp_path_factory.mktemp("demo-train")
    write_dataset(root / "data", ref_lines)
    curves = train_both(root / "data", TINY_TRAINING, root / "train")
    return root, curves


def test_nsf_items_carry_f0_and_voicing(trained):
    root, _ = trained
    utt = dataset.load_utterance(root / "data", "u0")
    am_item, voc_item = acoustic_items(root / "data", nsf=True)[0], vocoder_items(root / "data", nsf=True)[0]
    assert am_item["mel"].shape == (len(utt.mel), 82)
    np.testing.assert_array_equal(am_item["mel"][:, 80], utt.frame_f0)
    f0_hz = np.maximum(utt.frame_f0 * F0_STD + F0_MEAN, 30.0)
    np.testing.assert_allclose(voc_item["mel"][:, 80], f0_hz, rtol=1e-6)
    np.testing.assert_array_equal(voc_item["mel"][:, 81], utt.frame_uv)


def test_nsf_voice_is_trained_written_and_loaded(trained, tmp_path):
    root, curves = trained
    assert curves["voc"]["warm_started"] > 0  # the committed vocoder's tensors where shapes match
    voice = assemble(root / "data", root / "train", tmp_path / "voice", TINY_TRAINING)
    assert voice.am.arch.num_mels == 82 and voice.vocoder.arch.nsf
    assert (voice.am.arch.f0_norm.mean, voice.am.arch.f0_norm.std) == (F0_MEAN, F0_STD)
    save_kantts_voice(voice, tmp_path / "voice", steps=2)
    np.testing.assert_array_equal(np.load(tmp_path / "voice" / "am" / "mvn.npy"),
                                  np.array([[F0_MEAN], [F0_STD]], dtype=np.float32))
    loaded = load_voice(tmp_path / "voice")
    utt = dataset.load_utterance(root / "data", "u0")
    encoded = encode_lines(loaded, [parse_tokens(utt.symbols)])
    # durations fixed: two training steps teach the duration predictor nothing
    first = synthesize(loaded, encoded, durations=[utt.duration], seed=0)
    again = synthesize(loaded, encoded, durations=[utt.duration], seed=0)
    assert first.mel.shape[1] == 82 and np.array_equal(first.wav, again.wav)


def test_a_finished_training_is_resumed_not_repeated(trained):
    root, curves = trained
    before = {p.name: p.stat().st_mtime_ns for p in (root / "train").glob("*.ckpt.pt")}
    again = train_both(root / "data", TINY_TRAINING, root / "train")
    for part in ("am", "voc", "gta"):  # the same rows, with the first run's times: nothing was retrained
        assert again[part]["rows"] == curves[part]["rows"]
    after = {p.name: p.stat().st_mtime_ns for p in (root / "train").glob("*.ckpt.pt")}
    assert before == after and set(after) == {"am.ckpt.pt", "voc-source.ckpt.pt", "voc.ckpt.pt", "gta.ckpt.pt"}  # not re-saved
    assert torch.load(root / "train" / "am.ckpt.pt", weights_only=True)["step"] == 2


def test_the_built_voice_declares_the_styles_it_was_trained_on(tmp_path):
    from compress.demo_voice.build import BuildConfig
    from compress.demo_voice.voice_build import write_emotions
    from compress.serve.catalog import trained_emotions

    write_emotions(tmp_path, BuildConfig(emotions=("neutral", "sad")))
    emotions, source = trained_emotions(tmp_path, ["zhiyan", "zhibei"])
    assert emotions == {"zhiyan": ["emotion_neutral", "emotion_sad"], "zhibei": ["emotion_neutral", "emotion_sad"]}
    assert source == str(tmp_path / "emotions.json")


def test_a_training_process_that_stops_is_one_error_naming_it(tmp_path):
    from compress.errors import DataError

    with pytest.raises(DataError, match="training of the acoustic model and the vocoder stopped .*run the same "
                                        "command again"):
        train_both(tmp_path / "no-data", TINY_TRAINING, tmp_path / "train")


def test_the_source_phase_trains_on_zeroed_mels_and_settings_are_per_part(trained):
    from compress.demo_voice.train import source_only

    root, curves = trained
    items = vocoder_items(root / "data", nsf=True)
    blind = source_only(items)[0]["mel"]
    assert not blind[:, :80].any() and np.array_equal(blind[:, 80:], items[0]["mel"][:, 80:])
    assert len(curves["voc"]["source_rows"]) == 1  # voc_source_steps=1, before the vocoder's steps
    # a vocoder setting does not restart the acoustic model's training, and the reverse
    changed = DemoTrainConfig(**{**TINY_TRAINING.__dict__, "voc_steps": 3})
    assert changed.settings("am") == TINY_TRAINING.settings("am")
    assert changed.settings("voc") != TINY_TRAINING.settings("voc")
    assert DemoTrainConfig(am_lr=1.0).settings("voc") == DemoTrainConfig().settings("voc")
    # the fine-tuning on the acoustic model's mels follows both models, and only it follows its own keys
    assert DemoTrainConfig(am_lr=1.0).settings("gta") != DemoTrainConfig().settings("gta")
    assert DemoTrainConfig(voc_gta_lr=1.0).settings("voc") == DemoTrainConfig().settings("voc")
    assert DemoTrainConfig(voc_gta_lr=1.0).settings("gta") != DemoTrainConfig().settings("gta")
    assert DemoTrainConfig(voc_gta_shift=()).settings("gta") != DemoTrainConfig().settings("gta")
    with pytest.raises(ValueError, match="voc_gta_shift"):
        DemoTrainConfig(voc_gta_shift=(1.5, 0.7))


def test_the_fine_tuning_reads_the_acoustic_models_mel_on_the_recordings_frames(trained):
    from compress.demo_voice.train import acoustic_mel_items, f0_stats, new_sambert

    root, curves = trained
    am = new_sambert(0, True, f0_stats(root / "data"))
    am.load_state_dict(torch.load(root / "train" / "am.pt", weights_only=True))
    ours, recorded = acoustic_mel_items(root / "data", am, nsf=True), vocoder_items(root / "data", nsf=True)
    utt = dataset.load_utterance(root / "data", "u0")
    expected = am.infer(*(torch.from_numpy(a)[None] for a in _encoded(utt)),
                        durations=torch.from_numpy(utt.duration.astype(np.int64))[None]).mel.numpy()[:, :80]
    assert len(ours) == len(recorded) and ours[0]["mel"].shape == recorded[0]["mel"].shape
    np.testing.assert_array_equal(ours[0]["mel"][:, :80], expected)  # the model's mel, the recording's frames
    np.testing.assert_array_equal(ours[0]["mel"][:, 80:], recorded[0]["mel"][:, 80:])  # the recording's F0, voicing
    np.testing.assert_array_equal(ours[0]["wav"], recorded[0]["wav"])
    assert len(curves["gta"]["rows"]) == 1 and "low" in curves["gta"]["rows"][0]  # the low-band term is on
    tuned = torch.load(root / "train" / "voc-gta.pt", weights_only=True)
    assembled = assemble(root / "data", root / "train", root / "voice", TINY_TRAINING).vocoder.state_dict()
    assert all(torch.equal(assembled[k], tuned[k]) for k in tuned)  # the voice gets the fine-tuned vocoder


def _encoded(utt):
    from compress.demo_voice.train import tables
    from compress.models.symbols import encode

    enc = encode(tables(), parse_tokens(utt.symbols))
    return enc.ling, enc.emotion, enc.speaker
