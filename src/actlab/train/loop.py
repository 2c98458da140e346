"""The one training loop: any model, any task, a validation split, the test set read once.

Speed: data that fits in memory lives on the device as two tensors and each batch is an
index into them (a seeded permutation per epoch) — no DataLoader, no collation, no copy per
batch. Larger torch Datasets stream through a DataLoader (`num_workers`) in the same seeded
order. Running sums stay on the device and are read once per epoch.

Fairness: each epoch is scored on the validation split only. The test split is evaluated
once, after training, on the final model (`select="last"`) or on the weights of the epoch
with the best validation score (`select="best-val"`); nothing during training reads it.

Reproducibility: the batch order and the augmentation draws come from CPU generators seeded
with the run's seed; `build_and_train` seeds Python, NumPy and torch before building the
model. On the CPU the same config, seed and thread count give identical metrics.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from actlab.data.splits import Split, Splits
from actlab.train.augment import augment_batch, check_shape
from actlab.train.config import Training
from actlab.train.objective import LossFn, Objective
from actlab.train.schedule import scheduler

DEVICES = ("auto", "cpu", "cuda")
MetricFn = Callable[[torch.Tensor, torch.Tensor], float]


@dataclass
class EpochMetrics:
    """One epoch. `*_score` is the task's score (accuracy as a fraction, or R²); `train_*`
    average over the epoch's batches while the weights changed; `val_*` are measured after the
    epoch in eval mode (NaN without a validation split). `lr` is the rate the epoch began with;
    `seconds` its wall time, training plus validation."""

    epoch: int
    train_loss: float
    train_score: float
    val_loss: float
    val_score: float
    lr: float
    seconds: float


@dataclass
class TrainResult:
    """A finished training: per-epoch history, then the test metrics of the selected model."""

    history: list[EpochMetrics]
    test_loss: float
    test_score: float
    selected_epoch: int
    score_name: str
    val_metrics: dict[str, float] = field(default_factory=dict)
    test_metrics: dict[str, float] = field(default_factory=dict)


def seed_everything(seed: int) -> None:
    """Seed Python's `random`, NumPy's global generator and torch (CPU and every GPU)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def resolve_device(device: str) -> torch.device:
    """The torch device for `device`: "auto" is cuda when available, else cpu.

    Asking for cuda where CUDA is not available is an error, not a silent fallback.
    """
    if not isinstance(device, str) or not (device in DEVICES or device.startswith("cuda:")):
        raise ValueError(f"device must be one of auto, cpu, cuda, cuda:N; got {device!r}")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(
            f"device {device!r} requested but CUDA is not available here; use cpu or auto"
        )
    return torch.device(device)


def make_optimizer(training: Training, params: Any) -> torch.optim.Optimizer:
    lr, wd = training.lr, training.weight_decay
    if training.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd)
    if training.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd)
    return torch.optim.SGD(
        params, lr=lr, momentum=training.momentum, nesterov=training.nesterov, weight_decay=wd
    )


class _Batches:
    """Batches of a split on `device`: index tensors in memory, a DataLoader when streamed."""

    def __init__(self, split: Split, device: torch.device, num_workers: int = 0) -> None:
        self.split, self.device, self.num_workers = split, device, num_workers
        if split.in_memory:
            self.x, self.y = split.x.to(device), split.y.to(device)

    def __len__(self) -> int:
        return len(self.split)

    def iterate(self, batch_size: int, order: torch.Tensor | None = None) -> Iterator:
        n = len(self.split)
        if self.split.in_memory:
            order = order.to(self.device) if order is not None else None
            for start in range(0, n, batch_size):
                if order is None:
                    yield self.x[start : start + batch_size], self.y[start : start + batch_size]
                else:
                    index = order[start : start + batch_size]
                    yield self.x[index], self.y[index]
            return
        base = self.split.indices if self.split.indices is not None else np.arange(n)
        sampler = base[order.numpy()] if order is not None else base
        loader = torch.utils.data.DataLoader(
            self.split.dataset,
            batch_size=batch_size,
            sampler=sampler.tolist(),
            num_workers=self.num_workers,
        )
        for x, y in loader:
            yield x.float().to(self.device), y.to(self.device)


@torch.inference_mode()
def evaluate(
    model: nn.Module,
    batches: _Batches,
    objective: Objective,
    batch_size: int = 8192,
    metrics: Mapping[str, MetricFn] | None = None,
) -> tuple[float, float, dict[str, float]]:
    """(mean loss, score, user metrics) of `model` on a split, in eval mode."""
    model.eval()
    totals = objective.totals(batches.device)
    outputs, targets = [], []
    for x, y in batches.iterate(batch_size):
        out = model(x)
        totals.add(out, y, objective.batch_loss_sum(out, y))
        if metrics:
            outputs.append(objective.fit(out, y))
            targets.append(y)
    loss, score = totals.result()
    extra = {}
    if metrics:
        all_out, all_y = torch.cat(outputs), torch.cat(targets)
        extra = {name: float(fn(all_out, all_y)) for name, fn in metrics.items()}
    return loss, score, extra


def _better(score: float, loss: float, best: tuple[float, float] | None) -> bool:
    """Higher score wins; equal scores go to the lower loss; NaN never wins."""
    if math.isnan(score) and math.isnan(loss):
        return best is None
    if best is None:
        return True
    key = (-score if not math.isnan(score) else math.inf, loss)
    best_key = (-best[0] if not math.isnan(best[0]) else math.inf, best[1])
    return key < best_key


def train(
    model: nn.Module,
    splits: Splits,
    training: Training,
    *,
    seed: int = 0,
    device: str = "auto",
    loss_fn: LossFn | None = None,
    metrics: Mapping[str, MetricFn] | None = None,
    on_epoch: Callable[[EpochMetrics, nn.Module], None] | None = None,
    eval_guard: Callable[[], AbstractContextManager[Any]] | None = None,
    eval_batch_size: int = 8192,
    num_workers: int = 0,
) -> TrainResult:
    """Train `model` in place on `splits.train` for `training.epochs`; test once at the end.

    `loss_fn(outputs, targets)` replaces the task's loss; `metrics` maps names to
    `fn(outputs, targets) -> float`, measured on the validation split each epoch's end and on
    the test split at the end. `on_epoch(metrics, model)` runs after each epoch; evaluation
    runs inside `eval_guard()` when given (a diagnose Monitor's `paused`, so health statistics
    count training batches only). The model is left on the device in eval mode, holding the
    selected weights.
    """
    if training.task != splits.task:
        raise ValueError(
            f"training task {training.task!r} does not match the data's {splits.task!r}"
        )
    check_shape(training.augment, splits.input_shape)
    guard = eval_guard or nullcontext
    where = resolve_device(device)
    model.to(where)
    objective = Objective(training.task, training.label_smoothing, loss_fn)
    train_batches = _Batches(splits.train, where, num_workers)
    val_batches = _Batches(splits.val, where, num_workers) if splits.val is not None else None
    optimizer = make_optimizer(training, model.parameters())
    steps_per_epoch = math.ceil(len(train_batches) / training.batch_size)
    schedule = scheduler(optimizer, training, steps_per_epoch)
    order_rng = torch.Generator().manual_seed(seed)
    augment_rng = torch.Generator().manual_seed(seed + 0x5EED)
    history: list[EpochMetrics] = []
    best: tuple[float, float] | None = None
    best_state: dict[str, torch.Tensor] | None = None
    best_epoch = training.epochs
    val_extra: dict[str, float] = {}
    for epoch in range(1, training.epochs + 1):
        clock = time.perf_counter()
        lr = optimizer.param_groups[0]["lr"]
        model.train()
        totals = objective.totals(where)
        order = torch.randperm(len(train_batches), generator=order_rng)
        for x, y in train_batches.iterate(training.batch_size, order):
            x = augment_batch(x, training.augment, training.crop_padding, augment_rng)
            outputs = model(x)
            loss = objective.training_loss(outputs, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if training.grad_clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), training.grad_clip)
            optimizer.step()
            schedule.step()
            totals.add(outputs, y, loss.detach() * y.shape[0])
        train_loss, train_score = totals.result()
        val_loss = val_score = math.nan
        if val_batches is not None:
            with guard():
                val_loss, val_score, val_extra = evaluate(
                    model, val_batches, objective, eval_batch_size, metrics
                )
            if training.select == "best-val" and _better(val_score, val_loss, best):
                best, best_epoch, best_extra = (val_score, val_loss), epoch, val_extra
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if where.type == "cuda":
            torch.cuda.synchronize(where)
        row = EpochMetrics(
            epoch, train_loss, train_score, val_loss, val_score, lr, time.perf_counter() - clock
        )
        history.append(row)
        if on_epoch is not None:
            on_epoch(row, model)
    if best_state is not None and best_epoch != training.epochs:
        model.load_state_dict(best_state)
        val_extra = best_extra
    selected = best_epoch if training.select == "best-val" else training.epochs
    with guard():
        test_loss, test_score, test_extra = evaluate(
            model, _Batches(splits.test, where, num_workers), objective, eval_batch_size, metrics
        )
    return TrainResult(
        history, test_loss, test_score, selected, objective.score_name, val_extra, test_extra
    )


def build_and_train(
    splits: Splits,
    model_kwargs: dict[str, Any],
    training: Training,
    *,
    seed: int = 0,
    device: str = "auto",
    on_epoch: Callable[[EpochMetrics, nn.Module], None] | None = None,
) -> tuple[nn.Module, TrainResult]:
    """One run on a built-in model: seed everything, build the model, train it.

    `model_kwargs` are `actlab.models.build_model` arguments; `kind` defaults to "mlp" and
    `input_shape` / `num_classes` to the data's.
    """
    from actlab.models import build_model

    seed_everything(seed)
    kwargs = {
        "kind": "mlp",
        "input_shape": splits.input_shape,
        "num_classes": splits.num_outputs,
        **model_kwargs,
    }
    model = build_model(**kwargs)
    return model, train(model, splits, training, seed=seed, device=device, on_epoch=on_epoch)
