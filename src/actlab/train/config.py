"""`Training`: the whole training recipe of a run, typed and checked when it is made.

One frozen dataclass, embedded as it is in `actlab.experiments.RunConfig` and
`ExperimentConfig` (no copied field lists). Every field shapes the result, so every field is
part of a run's identity; what only affects speed (device, threads, evaluation batch size)
lives elsewhere.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("constant", "cosine", "step:E:GAMMA")
AUGMENTATIONS = ("none", "flip", "crop", "crop+flip")
SELECTIONS = ("last", "best-val")
TASKS = ("classification", "regression")


@dataclass(frozen=True)
class Training:
    """How a run trains. Defaults are the classic recipe: Adam 1e-3, batch 128, 10 epochs.

    - optimizer: adam, adamw or sgd (with `momentum`, optionally `nesterov`).
    - schedule: ``constant``, ``cosine`` (to 0 at the last step) or ``step:E:GAMMA`` (lr ×
      GAMMA after every E epochs, e.g. ``step:80:0.1``), after `warmup_epochs` of linear warmup.
    - label_smoothing (classification), grad_clip (max global L2 norm; None = off).
    - augment: random ``crop`` (zero padding `crop_padding`, then a crop of the original
      size) and/or horizontal ``flip`` of image inputs (C, H, W), seeded by the run's seed.
    - val_fraction of the training set is held out (stratified, seeded by `val_seed`) for
      per-epoch validation; `select` = ``last`` reports the final model on the test set,
      ``best-val`` the model of the epoch with the best validation score.
    - task: classification (cross-entropy, accuracy) or regression (MSE, R²).
    """

    epochs: int = 10
    batch_size: int = 128
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 0.0
    schedule: str = "constant"
    warmup_epochs: int = 0
    label_smoothing: float = 0.0
    grad_clip: float | None = None
    augment: str = "none"
    crop_padding: int = 4
    val_fraction: float = 0.1
    val_seed: int = 0
    select: str = "last"
    task: str = "classification"

    def __post_init__(self) -> None:
        check(self)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def replace(self, **changes: Any) -> Training:
        return dataclasses.replace(self, **changes)

    @property
    def step_schedule(self) -> tuple[int, float] | None:
        """(E, GAMMA) of a ``step:E:GAMMA`` schedule, else None."""
        if not self.schedule.startswith("step:"):
            return None
        _, every, gamma = self.schedule.split(":")
        return int(every), float(gamma)


FIELDS = tuple(f.name for f in dataclasses.fields(Training))


def check(t: Training) -> None:
    """Raise ValueError naming the field, the value and the valid range."""
    _int_in("epochs", t.epochs, 1, None)
    _int_in("batch_size", t.batch_size, 1, None)
    _one_of("optimizer", t.optimizer, OPTIMIZERS)
    _real_in("lr", t.lr, 0.0, math.inf, "(0, inf)", low_open=True)
    _real_in("momentum", t.momentum, 0.0, 1.0, "[0, 1)", high_open=True)
    _bool("nesterov", t.nesterov)
    if t.optimizer != "sgd" and (t.momentum != 0.9 or t.nesterov):
        raise ValueError(
            f"momentum and nesterov apply to optimizer sgd only (optimizer is {t.optimizer!r})"
        )
    if t.nesterov and t.momentum == 0:
        raise ValueError("nesterov needs momentum > 0")
    _real_in("weight_decay", t.weight_decay, 0.0, math.inf, "[0, inf)")
    _check_schedule(t.schedule)
    _int_in("warmup_epochs", t.warmup_epochs, 0, None)
    if t.warmup_epochs >= t.epochs:
        raise ValueError(
            f"warmup_epochs must be less than epochs ({t.epochs}), got {t.warmup_epochs}"
        )
    _real_in("label_smoothing", t.label_smoothing, 0.0, 1.0, "[0, 1)", high_open=True)
    if t.grad_clip is not None:
        _real_in("grad_clip", t.grad_clip, 0.0, math.inf, "(0, inf) or null", low_open=True)
    _one_of("augment", t.augment, AUGMENTATIONS)
    _int_in("crop_padding", t.crop_padding, 1, None)
    _real_in("val_fraction", t.val_fraction, 0.0, 0.5, "[0, 0.5]")
    _int_in("val_seed", t.val_seed, 0, None)
    _one_of("select", t.select, SELECTIONS)
    if t.select == "best-val" and t.val_fraction == 0:
        raise ValueError("select 'best-val' needs a validation split (val_fraction > 0)")
    _one_of("task", t.task, TASKS)
    if t.task == "regression" and t.label_smoothing:
        raise ValueError("label_smoothing applies to classification only")


def _check_schedule(schedule: Any) -> None:
    if schedule in ("constant", "cosine"):
        return
    if isinstance(schedule, str) and schedule.startswith("step:"):
        parts = schedule.split(":")
        try:
            every, gamma = int(parts[1]), float(parts[2])
            ok = len(parts) == 3 and every >= 1 and 0 < gamma <= 1
        except (ValueError, IndexError):
            ok = False
        if ok:
            return
        raise ValueError(
            f"schedule {schedule!r}: write step:E:GAMMA with E an integer >= 1 (epochs) and "
            "GAMMA in (0, 1], e.g. step:80:0.1"
        )
    raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, got {schedule!r}")


def _one_of(name: str, value: Any, valid: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in valid:
        import difflib

        close = difflib.get_close_matches(str(value), valid, n=2)
        hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
        raise ValueError(f"{name} must be one of {', '.join(valid)}; got {value!r}{hint}")


def _bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, got {value!r}")


def _int_in(name: str, value: Any, low: int, high: int | None) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {value!r}")


def _real_in(
    name: str,
    value: Any,
    low: float,
    high: float,
    shown: str,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and (
            value < high if high_open else value <= high
        )
    if not ok:
        raise ValueError(f"{name} must be a number in {shown}, got {value!r}")
