"""A tiny corpus build through the whole pipeline, and the loader."""

import json

import numpy as np
import pytest

from compress.audio.normalize import denormalize
from compress.demo_voice import dataset
from compress.demo_voice.build import BuildConfig, build_dataset, schedule
from compress.demo_voice.corpus import training_sentences
from compress.errors import DataError
from compress.models.symbols import SymbolTables, encode, parse_tokens

from .conftest import needs_espeak

CONFIG = BuildConfig(generated=4, max_jobs=8, calibration_jobs=3)


def test_schedule_is_balanced_distinct_and_deterministic():
    config = BuildConfig(generated=20, renders_per_written=4, renders_per_generated=2)
    sentences = training_sentences(20, seed=1)
    jobs = schedule(sentences, config)
    assert jobs == schedule(sentences, config)
    counts = {}
    for job in jobs:
        counts[(job.speaker, job.emotion)] = counts.get((job.speaker, job.emotion), 0) + 1
    assert len(counts) == 10 and max(counts.values()) - min(counts.values()) <= 1
    per_sentence = {}
    for job in jobs:
        per_sentence.setdefault(job.sentence.id, []).append((job.speaker, job.emotion))
    assert all(len(set(cells)) == len(cells) for cells in per_sentence.values())
    assert len(jobs) == 4 * (len(sentences) - 20) + 2 * 20


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "data"
    report = build_dataset(root, CONFIG, install_espeak=False)
    return root, report


@needs_espeak
def test_layout_and_report(built):
    root, report = built
    names = {p.name for p in root.iterdir()}
    assert {"audio_config.yaml", "metadata.jsonl", "raw_metafile.txt", "stats.json", "build.json",
            "mel_mean.txt", "mel_std.txt", "f0_mean.txt", "f0_std.txt", "energy_mean.txt",
            "energy_std.txt", "utts"} <= names
    rows = dataset.load_index(root)
    assert report.utterances == len(rows) >= 8 and report.rejected_fraction == 0.0
    assert json.loads((root / "build.json").read_text())["report"]["utterances"] == len(rows)
    assert dataset.load_config(root).hop_length == 200
    with pytest.raises(DataError, match="exists"):
        build_dataset(root, CONFIG, install_espeak=False)


@needs_espeak
def test_every_utterance_is_consistent(built):
    root, _ = built
    tables = SymbolTables.build(["zhiyan", "zhibei"])
    for row in dataset.load_index(root):
        utt = dataset.load_utterance(root, row)
        frames = row["frames"]
        tokens = parse_tokens(utt.symbols)
        assert utt.mel.shape == (frames, 80) and utt.mel.dtype == np.float32
        assert len(utt.wav) == frames * 200 and np.abs(utt.wav).max() < 1.0
        assert utt.duration.sum() == frames and len(utt.duration) == len(tokens) == row["tokens"]
        assert utt.pitch.shape == utt.energy.shape == (len(tokens),)
        assert utt.frame_f0.shape == utt.frame_uv.shape == utt.frame_energy.shape == (frames,)
        assert len(encode(tables, tokens)) == len(tokens)
        assert {t[5] for t in tokens} == {row["speaker"]}


@needs_espeak
def test_normalization_uses_the_saved_stats(built):
    root, _ = built
    stats = dataset.load_stats(root)
    mels = [dataset.load_utterance(root, row).mel for row in dataset.load_index(root)]
    everything = np.concatenate(mels)
    np.testing.assert_allclose(everything.mean(0), 0.0, atol=1e-3)
    np.testing.assert_allclose(everything.std(0), 1.0, atol=1e-3)
    raw = denormalize(mels[0], stats.mel)
    assert raw.min() >= -1e-5 and raw.max() <= 1.0 + 1e-5  # back on KAN-TTS's [0, 1] scale
