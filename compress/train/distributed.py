"""Fine-tuning on several processes under PyTorch's own launcher (torchrun), with
DistributedDataParallel: gloo on CPU, NCCL on GPU.

Every rank builds the same global batch from the same seeded generator and computes its
share of it (items `rank::world`); DDP averages the gradients, so all ranks take the same
optimizer step and stay equal. Losses are normalized by the global batch's counts, so the
gradient is the one a single process computes on the whole global batch (up to float
summation order, and the vocoder's spectral-convergence term, a ratio of batch norms).
Distillation targets are computed sharded and gathered in the original order. Only rank 0
writes files. Outside torchrun (no WORLD_SIZE, or 1) every function here is a no-op.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import torch
import torch.distributed as dist

from compress.errors import InputError


def init_from_env() -> int:
    """Join the process group torchrun describes (WORLD_SIZE > 1); returns the world size."""
    size = int(os.environ.get("WORLD_SIZE", "1") or 1)
    if size > 1 and not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend=backend)
    return size


def world() -> int:
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def rank() -> int:
    return dist.get_rank() if world() > 1 else 0


def is_writer() -> bool:
    """The one rank that writes files and reports progress."""
    return rank() == 0


def barrier() -> None:
    if world() > 1:
        dist.barrier()


def my_share(items: list) -> list:
    """This rank's share of a global batch: items rank, rank + world, ..."""
    return items[rank()::world()]


def gather_shared(compute, items: list) -> list:
    """compute(item) for every item, each rank computing its share; every rank gets the
    results in the order of `items`."""
    if world() == 1:
        return [compute(item) for item in items]
    mine = [compute(item) for item in my_share(items)]
    shares: list = [None] * world()
    dist.all_gather_object(shares, mine)
    merged: list = [None] * len(items)
    for r, share in enumerate(shares):
        merged[r::world()] = share
    return merged


def global_sum(value: torch.Tensor) -> torch.Tensor:
    """The sum of `value` over the ranks (a copy; no gradient)."""
    total = value.detach().clone()
    if world() > 1:
        dist.all_reduce(total, op=dist.ReduceOp.SUM)
    return total


def global_mean(value: torch.Tensor) -> torch.Tensor:
    return global_sum(value) / world()


def agree(value: float, how: str = "mean") -> float:
    """One number every rank holds the same of: the mean (or max) of the ranks' values."""
    if world() == 1:
        return value
    tensor = torch.tensor(float(value), dtype=torch.float64)
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX if how == "max" else dist.ReduceOp.SUM)
    return float(tensor) if how == "max" else float(tensor) / world()


def wrap(model: torch.nn.Module) -> torch.nn.Module:
    """DDP around `model` on several ranks (buffers, such as quantizer ranges, broadcast
    from rank 0 at every forward); the model itself on one."""
    if world() == 1:
        return model
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(model, find_unused_parameters=True)


def check_divisible(batch: int, what: str) -> None:
    if batch % world():
        raise InputError(f"{what} {batch} must be a multiple of the {world()} processes under torchrun")


@contextmanager
def launched():
    """Join torchrun's process group for the duration of a command, then leave it."""
    joined = init_from_env() > 1 and dist.is_initialized()
    try:
        yield
    finally:
        if joined:
            dist.destroy_process_group()
