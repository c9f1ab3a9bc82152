"""Training the HiFi-GAN generator on (mel, waveform) pairs: mel L1 and multi-resolution
STFT losses, optionally with a multi-period discriminator (see discriminators.py).

The generator is causal, so a training segment carries `context_frames` of mel before it;
the loss skips the samples those frames produce, which were computed without their past.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from compress.models.hifigan import Generator, apply_weight_norm, remove_weight_norm
from compress.train import distributed
from compress.train.resume import Resumable
from compress.train.sambert_trainer import TrainLog
from compress.train.spectral_losses import STFT_RESOLUTIONS, low_band_loss, mel_l1, stft_loss


@dataclass
class VocoderTrainConfig:
    steps: int = 2000
    batch_size: int = 8
    segment_frames: int = 32
    context_frames: int = 8
    lr: float = 2e-4
    lr_decay_every: int = 0  # steps between halvings of the learning rate (0 = never)
    mel_weight: float = 45.0
    stft_weight: float = 1.0
    stft_resolutions: tuple = STFT_RESOLUTIONS  # (fft size, hop, window) of each STFT term
    low_band_weight: float = 0.0  # a long-STFT term on the pitch region alone (0 = none)
    low_band_hz: float = 600.0  # its upper edge
    sample_rate: int = 16000  # of the waveforms (the low band's bins)
    adversarial_from: int = -1  # step at which the discriminator joins (-1 = never)
    adv_weight: float = 1.0
    fmap_weight: float = 2.0
    seed: int = 0
    log_every: int = 50

    def __post_init__(self):
        if self.steps < 0 or self.batch_size <= 0 or self.segment_frames <= 0 or self.context_frames < 0:
            raise ValueError("steps >= 0, batch_size > 0, segment_frames > 0, context_frames >= 0")
        if self.low_band_weight < 0 or not 0 < self.low_band_hz <= self.sample_rate / 2:
            raise ValueError("low_band_weight >= 0 and 0 < low_band_hz <= sample_rate / 2")


def sample_segments(items: list[dict], config: VocoderTrainConfig, hop: int, rng: random.Random):
    """A batch of (mel (B, n_mels, ctx+seg), wav (B, seg*hop)) with zero-padded context."""
    ctx, seg = config.context_frames, config.segment_frames
    mels, wavs = [], []
    for _ in range(config.batch_size):
        item = items[rng.randrange(len(items))]
        mel, wav = item["mel"], item["wav"]
        start = rng.randrange(max(1, mel.shape[0] - seg + 1))
        window = np.zeros((ctx + seg, mel.shape[1]), dtype=np.float32)
        lo = max(0, start - ctx)
        piece = mel[lo : start + seg]
        window[ctx - (start - lo) : ctx - (start - lo) + len(piece)] = piece
        target = np.zeros(seg * hop, dtype=np.float32)
        chunk = wav[start * hop : (start + seg) * hop]
        target[: len(chunk)] = chunk
        mels.append(window.T)
        wavs.append(target)
    return torch.from_numpy(np.stack(mels)), torch.from_numpy(np.stack(wavs))


def generator_losses(pred, target, mel_fn, config) -> dict[str, torch.Tensor]:
    losses = {"mel": mel_l1(pred, target, mel_fn) * config.mel_weight,
              "stft": stft_loss(pred, target, config.stft_resolutions) * config.stft_weight}
    if config.low_band_weight:
        losses["low"] = low_band_loss(pred, target, config.low_band_hz, config.sample_rate) * config.low_band_weight
    return losses


def _resume(resume: Resumable | None, parts: dict, rng: random.Random, log: TrainLog) -> int:
    """Load a saved run into `parts` (modules and optimizers), `rng` and `log`; its step, or 0."""
    saved = resume.load() if resume else None
    if saved is None:
        return 0
    for name, part in parts.items():
        if part is not None:
            part.load_state_dict(saved["state"][name])
    Resumable.restore_rngs(saved, rng)
    log.rows, log.seconds = saved["rows"], saved["seconds"]
    return saved["step"]


def train_vocoder(generator: Generator, items: list[dict], mel_fn: Callable[[torch.Tensor], torch.Tensor],
                  config: VocoderTrainConfig, discriminator: torch.nn.Module | None = None,
                  progress: Callable[[int, dict], None] | None = None,
                  resume: Resumable | None = None) -> TrainLog:
    """Train in place (weight norm applied during training, folded afterwards). With
    `resume`, a checkpoint (of the weight-normed form) is kept there and a run that stopped
    continues from it."""
    if distributed.world() > 1:
        if discriminator is not None:
            raise ValueError("adversarial vocoder training does not run under torchrun; use one process")
        distributed.check_divisible(config.batch_size, "the vocoder batch")
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    hop = generator.arch.hop
    skip = config.context_frames * hop
    apply_weight_norm(generator)
    generator.train()
    net = distributed.wrap(generator)
    opt_g = torch.optim.AdamW(generator.parameters(), config.lr, betas=(0.8, 0.99))
    opt_d = None
    if discriminator is not None:
        opt_d = torch.optim.AdamW(discriminator.parameters(), config.lr, betas=(0.8, 0.99))
    log, start = TrainLog(), time.perf_counter()
    parts = {"generator": generator, "opt_g": opt_g, "discriminator": discriminator, "opt_d": opt_d}
    first = _resume(resume, parts, rng, log) + 1
    start -= log.seconds
    try:
        for step in range(first, config.steps + 1):
            if config.lr_decay_every and step % config.lr_decay_every == 0:
                for opt in filter(None, (opt_g, opt_d)):
                    for group in opt.param_groups:
                        group["lr"] *= 0.5
            # every rank draws the same global batch and keeps its share of it
            mel, wav = (part[distributed.rank()::distributed.world()]
                        for part in sample_segments(items, config, hop, rng))
            pred = net(mel)[:, 0, skip:]
            losses = generator_losses(pred, wav, mel_fn, config)
            adversarial = discriminator is not None and 0 <= config.adversarial_from <= step
            if adversarial:
                losses.update(discriminator.generator_losses(pred, wav, config.adv_weight, config.fmap_weight))
            total = sum(losses.values())
            opt_g.zero_grad(set_to_none=True)
            total.backward()
            opt_g.step()
            if adversarial:
                d_loss = discriminator.discriminator_loss(pred.detach(), wav)
                opt_d.zero_grad(set_to_none=True)
                d_loss.backward()
                opt_d.step()
                losses["disc"] = d_loss
            if step % config.log_every == 0 or step == config.steps:
                row = {"step": step, "seconds": round(time.perf_counter() - start, 1),
                       "total": round(float(distributed.global_mean(total)), 5),
                       **{k: round(float(distributed.global_mean(v)), 5) for k, v in losses.items()}}
                log.rows.append(row)
                if progress:
                    progress(step, row)
            if resume and resume.due(step, config.steps) and distributed.is_writer():
                resume.save(step, {k: v.state_dict() for k, v in parts.items() if v is not None},
                            rng, log.rows, time.perf_counter() - start)
    finally:
        remove_weight_norm(generator)
        generator.eval()
    log.seconds = time.perf_counter() - start
    return log
