"""Learning-rate schedules as a multiplier of the base lr at each optimizer step.

Linear warmup over the first `warmup_epochs` (from 1/warmup_steps of the lr up to the lr),
then ``constant``, ``cosine`` (half a cosine from the lr down to 0 at the last step) or
``step:E:GAMMA`` (× GAMMA after every E epochs, counted from the start, as torch's StepLR).
"""

from __future__ import annotations

import math

import torch

from actlab.train.config import Training


def lr_factor(training: Training, step: int, steps_per_epoch: int) -> float:
    """The lr multiplier for optimizer step `step` (0-based) of the whole run."""
    warmup = training.warmup_epochs * steps_per_epoch
    if step < warmup:
        return (step + 1) / warmup
    if training.schedule == "cosine":
        total = training.epochs * steps_per_epoch - warmup
        progress = (step - warmup) / max(total, 1)
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    stepped = training.step_schedule
    if stepped is not None:
        every, gamma = stepped
        return gamma ** ((step // steps_per_epoch) // every)
    return 1.0


def scheduler(
    optimizer: torch.optim.Optimizer, training: Training, steps_per_epoch: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """A LambdaLR stepping once per optimizer step with `lr_factor`."""
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(training, step, steps_per_epoch)
    )
