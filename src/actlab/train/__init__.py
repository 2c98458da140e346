"""Training: the recipe (`Training`), one loop (`train`), per-epoch metrics, the test at the end."""

from actlab.train.config import AUGMENTATIONS, OPTIMIZERS, SCHEDULES, SELECTIONS, TASKS, Training
from actlab.train.loop import (
    DEVICES,
    EpochMetrics,
    TrainResult,
    build_and_train,
    evaluate,
    resolve_device,
    seed_everything,
    train,
)
from actlab.train.objective import SCORE_NAMES, Objective

__all__ = [
    "AUGMENTATIONS",
    "DEVICES",
    "OPTIMIZERS",
    "SCHEDULES",
    "SCORE_NAMES",
    "SELECTIONS",
    "TASKS",
    "EpochMetrics",
    "Objective",
    "TrainResult",
    "Training",
    "build_and_train",
    "evaluate",
    "resolve_device",
    "seed_everything",
    "train",
]
