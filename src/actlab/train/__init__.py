"""Training: one loop (`train`), one-call runs (`build_and_train`), per-epoch metrics."""

from actlab.train.loop import (
    DEVICES,
    OPTIMIZERS,
    EpochMetrics,
    TrainConfig,
    build_and_train,
    evaluate,
    resolve_device,
    seed_everything,
    train,
)

__all__ = [
    "DEVICES",
    "OPTIMIZERS",
    "EpochMetrics",
    "TrainConfig",
    "build_and_train",
    "evaluate",
    "resolve_device",
    "seed_everything",
    "train",
]
