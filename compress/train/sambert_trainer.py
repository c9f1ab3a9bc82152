"""Training the acoustic model: the KAN-TTS losses (mel MAE on decoder and post-net output,
MAE on log-duration, pitch and energy), Adam with Noam warm-up, gradient clipping.

The same loop trains the demo voice from recordings and recovers a pruned model from a
teacher's targets (distillation), so it takes items, not files.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from compress.models.sambert import Sambert
from compress.train import distributed
from compress.train.batching import SambertBatch, collate, length_batches, padded_lengths
from compress.train.resume import Resumable


@dataclass
class SambertTrainConfig:
    steps: int = 2000
    max_frames: int = 2400  # padded mel frames per batch
    lr: float = 1e-3
    warmup: int = 400
    grad_clip: float = 1.0
    seed: int = 0
    log_every: int = 50
    # False: train with dropout off, for distillation towards a deterministic teacher whose
    # outputs the student must match at inference (where dropout is off too)
    dropout: bool = True
    # after warm-up: "noam" (lr / sqrt(step), for training from scratch) or "cosine" (down to
    # zero at the last step, for fine-tuning a fixed number of steps)
    decay: str = "noam"

    def __post_init__(self):
        if self.steps < 0 or self.max_frames <= 0 or self.lr <= 0 or self.warmup <= 0:
            raise ValueError("steps >= 0, and max_frames, lr and warmup > 0, are required")
        if self.decay not in ("noam", "cosine"):
            raise ValueError(f"decay must be noam or cosine, got {self.decay!r}")


@dataclass
class TrainLog:
    """Loss curves: one row per logged step, and the wall time spent."""

    rows: list[dict] = field(default_factory=list)
    seconds: float = 0.0


def _valid(pred: torch.Tensor, pad_mask: torch.Tensor) -> torch.Tensor:
    valid = (~pad_mask).to(pred.dtype)
    return valid.unsqueeze(-1).expand_as(pred) if pred.dim() > valid.dim() else valid


def masked_mae(pred: torch.Tensor, target: torch.Tensor, pad_mask: torch.Tensor,
               count: torch.Tensor | None = None) -> torch.Tensor:
    """Mean absolute error over the positions where pad_mask (B, T) is False; divided by
    `count` instead of this batch's own count of them where given (a share of a global batch)."""
    valid = _valid(pred, pad_mask)
    count = valid.sum() if count is None else count
    return ((pred - target).abs() * valid).sum() / count.clamp(min=1)


def sambert_losses(out: dict, batch: SambertBatch, weight: float = 1.0) -> dict[str, torch.Tensor]:
    """The KAN-TTS losses. Under torchrun each is this rank's share of the global batch's loss,
    scaled by the world size (DDP averages the gradients); `weight` 0 makes a rank that has
    no item of a global batch take part with a zero gradient."""
    frames = out["frame_mask"]
    mel = batch.mel[:, : frames.shape[1]]
    tokens = out["token_mask"]
    log_dur = torch.log(batch.durations.float() + 1)
    scale = weight * distributed.world()
    mel_count = distributed.global_sum(_valid(out["dec"], frames).sum() * weight)
    token_count = distributed.global_sum(_valid(out["pitch"], tokens).sum() * weight)
    losses = {
        "mel_dec": masked_mae(out["dec"], mel, frames, mel_count),
        "mel_post": masked_mae(out["post"], mel, frames, mel_count),
        "duration": masked_mae(out["log_durations"], log_dur, tokens, token_count),
        "pitch": masked_mae(out["pitch"], batch.pitch, tokens, token_count),
        "energy": masked_mae(out["energy"], batch.energy, tokens, token_count),
    }
    if scale != 1.0:
        losses = {k: v * scale for k, v in losses.items()}
    losses["total"] = sum(losses.values())
    return losses


def noam(step: int, warmup: int) -> float:
    """Noam schedule scaled to reach 1.0 at the end of warm-up."""
    step = max(step, 1)
    return min(step / warmup, math.sqrt(warmup / step))


def warmup_cosine(step: int, warmup: int, total: int) -> float:
    """Linear warm-up to 1.0, then half a cosine down to 0.0 at `total`."""
    step = max(step, 1)
    if step <= warmup:
        return step / warmup
    progress = min(1.0, (step - warmup) / max(total - warmup, 1))
    return 0.5 * (1.0 + math.cos(math.pi * progress))


def lr_factor(step: int, config: SambertTrainConfig) -> float:
    """The learning rate's multiplier at `step` (1-based) under the config's decay."""
    if config.decay == "cosine":
        return warmup_cosine(step, config.warmup, config.steps)
    return noam(step, config.warmup)


def train_sambert(model: Sambert, items: list[dict], config: SambertTrainConfig,
                  progress: Callable[[int, dict], None] | None = None,
                  resume: Resumable | None = None) -> TrainLog:
    """Train in place for config.steps batches; returns the loss curves. With `resume`, a
    checkpoint is kept there and a run that stopped continues from it."""
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=config.lr, betas=(0.9, 0.98), eps=1e-9)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: lr_factor(s + 1, config))
    log, start, queue, first = TrainLog(), time.perf_counter(), [], 1
    saved = resume.load() if resume else None
    if saved is not None:
        state = saved["state"]
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        queue, log.rows, first = state["queue"], saved["rows"], saved["step"] + 1
        start -= saved["seconds"]
        Resumable.restore_rngs(saved, rng)
    model.train(config.dropout)
    net = distributed.wrap(model)
    for step in range(first, config.steps + 1):
        if not queue:
            queue = length_batches(items, config.max_frames, rng)
        indices = queue.pop()
        share = distributed.my_share(indices)  # all of them in one process
        pad_to = padded_lengths([items[i] for i in indices], model.r)  # as the whole global batch
        batch = collate([items[i] for i in share or indices[:1]], model.r, pad_to)
        losses = sambert_losses(net(**batch.model_inputs()), batch, weight=1.0 if share else 0.0)
        optimizer.zero_grad(set_to_none=True)
        losses["total"].backward()
        torch.nn.utils.clip_grad_norm_(params, config.grad_clip)
        optimizer.step()
        schedule.step()
        if step % config.log_every == 0 or step == config.steps:
            row = {"step": step, "seconds": round(time.perf_counter() - start, 1),
                   **{k: round(float(distributed.global_mean(v)), 5) for k, v in losses.items()}}
            log.rows.append(row)
            if progress:
                progress(step, row)
        if resume and resume.due(step, config.steps) and distributed.is_writer():
            resume.save(step, {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                               "schedule": schedule.state_dict(), "queue": queue},
                        rng, log.rows, time.perf_counter() - start)
    model.eval()
    log.seconds = time.perf_counter() - start
    return log
