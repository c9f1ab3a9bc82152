"""Training the demo voice from its dataset: the acoustic model and the vocoder, side by side.

The two models do not depend on each other (the vocoder learns from recorded mels), so they
train at the same time in two processes of one thread each: on a small CPU, two
single-threaded jobs get more done than one job with two threads, whose tiny matrix products
spend their time synchronizing. Each process is seeded, so a build is repeatable.
"""

from __future__ import annotations

import json
import multiprocessing
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from compress.audio.config import FeatureConfig
from compress.audio.mel_torch import LogMel
from compress.demo_voice import dataset
from compress.demo_voice.voice_config import GENERATOR_PARAMS, SAMBERT_PARAMS, SPEAKERS, am_config, voc_config
from compress.models.arch import HifiGanArch, SambertArch
from compress.models.hifigan import Generator
from compress.models.sambert import Sambert
from compress.models.symbols import SymbolTables, encode, parse_tokens
from compress.models.voice import Voice
from compress.train.discriminators import MultiPeriodDiscriminator
from compress.train.hifigan_trainer import VocoderTrainConfig, train_vocoder
from compress.train.sambert_trainer import SambertTrainConfig, train_sambert


@dataclass(frozen=True)
class DemoTrainConfig:
    seed: int = 1234
    am_steps: int = 2400
    am_max_frames: int = 2400
    am_lr: float = 1e-3
    am_warmup: int = 400
    voc_steps: int = 6000
    voc_batch: int = 8
    voc_segment: int = 32
    voc_lr: float = 2e-4
    voc_lr_decay_every: int = 0
    voc_adversarial_from: int = -1  # -1: mel and STFT losses only
    voc_disc_channels: int = 16
    threads: int = 1  # per training process

    def __post_init__(self):
        if min(self.am_steps, self.voc_steps) < 1 or self.threads < 1:
            raise ValueError("steps and threads must be at least 1")


def tables() -> SymbolTables:
    """Full KAN-TTS tables (with @[MASK]) for the demo speakers."""
    return SymbolTables.build(SPEAKERS)


def acoustic_items(root: Path, split: str = "train") -> list[dict]:
    table = tables()
    items = []
    for row in dataset.load_index(root):
        if row.get("split", "train") != split:
            continue
        utt = dataset.load_utterance(root, row)
        enc = encode(table, parse_tokens(utt.symbols))
        items.append({"ling": enc.ling, "emotion": enc.emotion, "speaker": enc.speaker,
                      "durations": utt.duration.astype(np.int64), "pitch": utt.pitch, "energy": utt.energy,
                      "mel": utt.mel})
    return items


def vocoder_items(root: Path, split: str = "train") -> list[dict]:
    return [{"mel": u.mel, "wav": u.wav} for u in
            (dataset.load_utterance(root, row) for row in dataset.load_index(root) if row.get("split", "train") == split)]


def new_sambert(seed: int) -> Sambert:
    torch.manual_seed(seed)
    return Sambert(SambertArch.from_kantts(SAMBERT_PARAMS, tables().sizes()))


def new_generator(seed: int) -> Generator:
    torch.manual_seed(seed)
    return Generator(HifiGanArch.from_kantts(GENERATOR_PARAMS))


def _train_acoustic(root: str, config: DemoTrainConfig, out: str) -> None:
    torch.set_num_threads(config.threads)
    model = new_sambert(config.seed)
    items = acoustic_items(Path(root))
    log = train_sambert(model, items, SambertTrainConfig(
        steps=config.am_steps, max_frames=config.am_max_frames, lr=config.am_lr, warmup=config.am_warmup,
        seed=config.seed, log_every=max(1, config.am_steps // 100)))
    torch.save(model.state_dict(), Path(out) / "am.pt")
    (Path(out) / "am_curve.json").write_text(json.dumps({"rows": log.rows, "seconds": log.seconds}))


def _train_vocoder(root: str, config: DemoTrainConfig, out: str) -> None:
    torch.set_num_threads(config.threads)
    model = new_generator(config.seed + 1)
    feature = dataset.load_config(Path(root))
    stats = dataset.load_stats(Path(root))
    mel_fn = LogMel(feature, stats.mel.mean, stats.mel.std)
    disc = None
    if config.voc_adversarial_from >= 0:
        torch.manual_seed(config.seed + 2)
        disc = MultiPeriodDiscriminator(channels=config.voc_disc_channels)
    log = train_vocoder(model, vocoder_items(Path(root)), mel_fn, VocoderTrainConfig(
        steps=config.voc_steps, batch_size=config.voc_batch, segment_frames=config.voc_segment, lr=config.voc_lr,
        lr_decay_every=config.voc_lr_decay_every, adversarial_from=config.voc_adversarial_from,
        seed=config.seed + 1, log_every=max(1, config.voc_steps // 100)), discriminator=disc)
    torch.save(model.state_dict(), Path(out) / "voc.pt")
    (Path(out) / "voc_curve.json").write_text(json.dumps({"rows": log.rows, "seconds": log.seconds}))


def train_both(root: Path, config: DemoTrainConfig, work: Path) -> dict:
    """Train both models in parallel processes; returns their loss curves."""
    context = multiprocessing.get_context("spawn")
    jobs = [context.Process(target=fn, args=(str(root), config, str(work)))
            for fn in (_train_acoustic, _train_vocoder)]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join()
    failed = [j for j in jobs if j.exitcode != 0]
    if failed:
        raise RuntimeError(f"{len(failed)} training process(es) failed (exit codes {[j.exitcode for j in failed]})")
    return {part: json.loads((work / f"{part}_curve.json").read_text()) for part in ("am", "voc")}


def assemble(root: Path, work: Path, source: Path) -> Voice:
    """The trained voice, with the KAN-TTS configs it will be written with."""
    feature: FeatureConfig = dataset.load_config(root)
    audio = feature.to_kantts()
    am = new_sambert(0)
    am.load_state_dict(torch.load(work / "am.pt", weights_only=True))
    voc = new_generator(0)
    voc.load_state_dict(torch.load(work / "voc.pt", weights_only=True))
    configs = {"am": am_config(audio), "voc": voc_config(audio), "audio": {"audio_config": audio}}
    return Voice(am=am.eval(), vocoder=voc.eval(), tables=tables(), audio=feature,
                 source=source, kantts_configs=configs)


def config_record(config: DemoTrainConfig) -> dict:
    return asdict(config)
