"""The one training loop: cross-entropy, Adam by default, metrics per epoch.

Speed: the dataset lives on the device as two tensors and each batch is an index into them
(a seeded permutation per epoch), so there is no DataLoader, no per-sample collation and no
host-device copy per batch. Running sums of the training loss and correct predictions stay
on the device and are read once per epoch, not once per batch.

Reproducibility: `build_and_train` seeds Python, NumPy and torch before building the model,
and the batch order comes from its own generator seeded with `config.seed`; on the CPU the
same config, seed and thread count give identical metrics.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from actlab.data.dataset import Dataset

OPTIMIZERS = ("adam", "adamw", "sgd")
DEVICES = ("auto", "cpu", "cuda")


def _check_int(value: Any, what: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}, got {value!r}")


@dataclass
class TrainConfig:
    """How to train. `optimizer`: "adam", "adamw" or "sgd" (momentum 0.9).

    `device`: "auto" (cuda when available, else cpu), "cpu", "cuda" or "cuda:N".
    `eval_batch_size` only bounds memory during evaluation; it does not change the metrics
    beyond float rounding.
    """

    epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.0
    seed: int = 0
    device: str = "auto"
    optimizer: str = "adam"
    eval_batch_size: int = 8192

    def __post_init__(self) -> None:
        _check_int(self.epochs, "epochs", 1)
        _check_int(self.batch_size, "batch_size", 1)
        _check_int(self.eval_batch_size, "eval_batch_size", 1)
        _check_int(self.seed, "seed", 0)
        for name in ("lr", "weight_decay"):
            value = getattr(self, name)
            low_ok = value > 0 if name == "lr" else value >= 0
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not (low_ok and np.isfinite(value))
            ):
                bound = "> 0" if name == "lr" else ">= 0"
                raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(
                f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {self.optimizer!r}"
            )
        if not isinstance(self.device, str) or not (
            self.device in DEVICES or self.device.startswith("cuda:")
        ):
            raise ValueError(f"device must be one of auto, cpu, cuda, cuda:N; got {self.device!r}")


@dataclass
class EpochMetrics:
    """One epoch's results. Losses are mean cross-entropy per sample, accuracies fractions.

    `train_*` average over the epoch's batches weighted by batch size, measured while the
    weights were changing (train mode); `test_*` are measured after the epoch in eval mode.
    `seconds` is the epoch's wall time, training plus test evaluation.
    """

    epoch: int
    train_loss: float
    train_acc: float
    test_loss: float
    test_acc: float
    seconds: float


def seed_everything(seed: int) -> None:
    """Seed Python's `random`, NumPy's global generator and torch (CPU and every GPU)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def resolve_device(device: str) -> torch.device:
    """The torch device for `device`: "auto" is cuda when available, else cpu.

    Asking for cuda where CUDA is not available is an error, not a silent fallback.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(
            f"device {device!r} requested but CUDA is not available here; use cpu or auto"
        )
    return torch.device(device)


def make_optimizer(config: TrainConfig, params: Any) -> torch.optim.Optimizer:
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.SGD(params, lr=config.lr, momentum=0.9, weight_decay=config.weight_decay)


@torch.inference_mode()
def evaluate(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 8192
) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of `model` on `(x, y)`, in eval mode, in large batches."""
    model.eval()
    loss_sum = torch.zeros((), dtype=torch.float64, device=x.device)
    correct = torch.zeros((), dtype=torch.int64, device=x.device)
    for start in range(0, len(y), batch_size):
        logits = model(x[start : start + batch_size])
        target = y[start : start + batch_size]
        loss_sum += F.cross_entropy(logits, target, reduction="sum").double()
        correct += (logits.argmax(dim=1) == target).sum()
    n = max(len(y), 1)
    return loss_sum.item() / n, correct.item() / n


def train(
    model: nn.Module,
    dataset: Dataset,
    config: TrainConfig,
    on_epoch: Callable[[EpochMetrics, nn.Module], None] | None = None,
    eval_guard: Callable[[], AbstractContextManager[Any]] | None = None,
) -> list[EpochMetrics]:
    """Train `model` in place on `dataset` for `config.epochs`; one EpochMetrics per epoch.

    `on_epoch(metrics, model)` is called after each epoch (outside the timed part). Each
    epoch's test evaluation runs inside `eval_guard()` when given (e.g. a diagnose Monitor's
    `paused`, so that health statistics count training batches only). The model is left on
    the training device in eval mode.
    """
    guard = eval_guard or nullcontext
    device = resolve_device(config.device)
    model.to(device)
    x_train, y_train = dataset.x_train.to(device), dataset.y_train.to(device)
    x_test, y_test = dataset.x_test.to(device), dataset.y_test.to(device)
    optimizer = make_optimizer(config, model.parameters())
    order_rng = torch.Generator().manual_seed(config.seed)
    n, bs = len(y_train), config.batch_size
    history: list[EpochMetrics] = []
    for epoch in range(1, config.epochs + 1):
        clock = time.perf_counter()
        model.train()
        order = torch.randperm(n, generator=order_rng).to(device)
        loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        correct = torch.zeros((), dtype=torch.int64, device=device)
        for start in range(0, n, bs):
            index = order[start : start + bs]
            target = y_train[index]
            logits = model(x_train[index])
            loss = F.cross_entropy(logits, target)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                loss_sum += loss.detach().double() * len(index)
                correct += (logits.argmax(dim=1) == target).sum()
        train_loss, train_acc = loss_sum.item() / n, correct.item() / n
        with guard():
            test_loss, test_acc = evaluate(model, x_test, y_test, config.eval_batch_size)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        metrics = EpochMetrics(
            epoch, train_loss, train_acc, test_loss, test_acc, time.perf_counter() - clock
        )
        history.append(metrics)
        if on_epoch is not None:
            on_epoch(metrics, model)
    return history


def build_and_train(
    dataset: Dataset,
    model_kwargs: dict[str, Any],
    config: TrainConfig,
    on_epoch: Callable[[EpochMetrics, nn.Module], None] | None = None,
) -> tuple[nn.Module, list[EpochMetrics]]:
    """One run: seed everything with `config.seed`, build the model, train it.

    `model_kwargs` are `actlab.models.build_model` arguments; `kind` defaults to "mlp" and
    `input_shape` / `num_classes` to the dataset's.
    """
    from actlab.models import build_model

    seed_everything(config.seed)
    kwargs = {
        "kind": "mlp",
        "input_shape": dataset.input_shape,
        "num_classes": dataset.num_classes,
        **model_kwargs,
    }
    model = build_model(**kwargs)
    return model, train(model, dataset, config, on_epoch)
