"""Run under torchrun by test_distributed.py: the gradient of one global batch computed by
two ranks (each its share, DDP averaging) against the whole batch in one process.

Writes {"acoustic": relative difference, "vocoder": relative difference} from rank 0 to the
path given as the first argument. The student is the tiny voice with its weights perturbed,
so that no L1 residual is exactly zero (whose gradient is the sign of rounding noise)."""

import copy
import json
import random
import sys

import torch

from compress.loading import load_voice
from compress.prune.recovery import RecoveryConfig, vocoder_pair
from compress.train import distributed
from compress.train.batching import collate, padded_lengths
from compress.train.hifigan_trainer import VocoderTrainConfig, generator_losses, sample_segments
from compress.train.sambert_trainer import sambert_losses
from compress.train.teacher import teacher_items
from sensitivity import calibration as cal


def perturbed(module):
    student = copy.deepcopy(module)
    torch.manual_seed(1)
    with torch.no_grad():
        for p in student.parameters():
            p.requires_grad_(True)
            p.mul_(1 + 0.05 * torch.randn_like(p))
    return student.train(False)


def relative(shared, whole) -> float:
    num = sum(float((a - b).norm()) ** 2 for a, b in zip(shared, whole) if b is not None)
    return (num / sum(float(b.norm()) ** 2 for b in whole if b is not None)) ** 0.5


def one_process(compute):
    """What a single process computes: the same code with a world of one."""
    saved = distributed.world
    distributed.world = lambda: 1
    try:
        return compute()
    finally:
        distributed.world = saved


def acoustic(voice, items) -> float:
    model = perturbed(voice.am)
    params = list(model.parameters())
    indices = list(range(len(items)))
    whole = collate([items[i] for i in indices], model.r)
    grad = one_process(lambda: torch.autograd.grad(sambert_losses(model(**whole.model_inputs()), whole)["total"],
                                                   params, allow_unused=True))
    net = distributed.wrap(model)
    share = collate([items[i] for i in distributed.my_share(indices)], model.r,
                    padded_lengths([items[i] for i in indices], model.r))
    sambert_losses(net(**share.model_inputs()), share)["total"].backward()
    return relative([p.grad for p in params], grad)


def vocoder(voice, items) -> float:
    from compress.prune.stage import _mel_fn

    generator = perturbed(voice.vocoder)
    params = list(generator.parameters())
    pairs = distributed.gather_shared(lambda item: vocoder_pair(voice, item["mel"]), items)
    config = VocoderTrainConfig(batch_size=4)
    mel, wav = sample_segments(pairs, config, generator.arch.hop, random.Random(0))
    skip, mel_fn = config.context_frames * generator.arch.hop, _mel_fn(voice)
    whole = generator_losses(generator(mel)[:, 0, skip:], wav, mel_fn, config)
    grad = torch.autograd.grad(sum(whole.values()), params, allow_unused=True)
    net = distributed.wrap(generator)
    r, w = distributed.rank(), distributed.world()
    shared = generator_losses(net(mel[r::w])[:, 0, skip:], wav[r::w], mel_fn, config)
    sum(shared.values()).backward()
    return relative([p.grad for p in params], grad)


def main(out: str) -> None:
    distributed.init_from_env()
    voice = load_voice(sys.argv[2])
    texts = RecoveryConfig(sentences=8).text_lines()
    data = cal.from_text(voice, texts, 8, list(voice.tables.speakers), ["emotion_neutral"])
    items = teacher_items(voice, data.encoded())
    result = {"world": distributed.world(), "acoustic": acoustic(voice, items), "vocoder": vocoder(voice, items)}
    if distributed.is_writer():
        with open(out, "w", encoding="utf-8") as handle:
            json.dump(result, handle)


if __name__ == "__main__":
    main(sys.argv[1])
