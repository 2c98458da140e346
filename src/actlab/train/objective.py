"""The task's loss and score: cross-entropy and accuracy, or MSE and R².

Running totals stay on the device as float64 tensors and are read once per split, so
accumulating them costs no host sync per batch.

.. math::

    R^2 = \\frac{1}{k}\\sum_{j=1}^{k}\\Bigl(1 - \\frac{\\sum_i (y_{ij} - \\hat y_{ij})^2}
          {\\sum_i (y_{ij} - \\bar y_j)^2}\\Bigr)

(the mean over the k target columns, as scikit-learn's ``r2_score`` averages them).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
SCORE_NAMES = {"classification": "accuracy", "regression": "r2"}


def _fit_outputs(outputs: torch.Tensor, target: torch.Tensor, task: str) -> torch.Tensor:
    if task == "regression" and target.ndim == 1 and outputs.ndim == 2 and outputs.shape[1] == 1:
        return outputs[:, 0]  # one target: (n, 1) outputs against (n,) targets
    return outputs


class Objective:
    """Loss for training, and loss + score over a split, for one task.

    `loss_fn(outputs, targets)` (a mean over the batch) replaces the task's own loss in
    training and evaluation when given; the score stays the task's.
    """

    def __init__(self, task: str, label_smoothing: float = 0.0, loss_fn: LossFn | None = None):
        self.task = task
        self.label_smoothing = label_smoothing
        self.loss_fn = loss_fn

    @property
    def score_name(self) -> str:
        return SCORE_NAMES[self.task]

    def fit(self, outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return _fit_outputs(outputs, target, self.task)

    def training_loss(self, outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        outputs = self.fit(outputs, target)
        if self.loss_fn is not None:
            return self.loss_fn(outputs, target)
        if self.task == "classification":
            return F.cross_entropy(outputs, target, label_smoothing=self.label_smoothing)
        return F.mse_loss(outputs, target)

    def batch_loss_sum(self, outputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Summed (unsmoothed) loss of a batch, for evaluation."""
        outputs = self.fit(outputs, target)
        if self.loss_fn is not None:
            return self.loss_fn(outputs, target) * target.shape[0]
        if self.task == "classification":
            return F.cross_entropy(outputs, target, reduction="sum")
        return F.mse_loss(outputs, target, reduction="sum") / _columns(target)

    def totals(self, device: torch.device) -> Totals:
        return Totals(self.task, device)


def _columns(target: torch.Tensor) -> int:
    return 1 if target.ndim == 1 else int(target.shape[1])


class Totals:
    """Running sums over batches: loss, count, and what the score needs."""

    def __init__(self, task: str, device: torch.device) -> None:
        self.task = task
        zero = lambda: torch.zeros((), dtype=torch.float64, device=device)
        self.loss, self.n, self.correct = zero(), 0, zero()
        self.sse = self.sum_y = self.sum_y2 = None

    @torch.no_grad()
    def add(self, outputs: torch.Tensor, target: torch.Tensor, loss_sum: torch.Tensor) -> None:
        outputs = _fit_outputs(outputs, target, self.task)
        self.loss += loss_sum.detach().double()
        self.n += int(target.shape[0])
        if self.task == "classification":
            self.correct += (outputs.argmax(dim=1) == target).sum()
            return
        y, err = target.double(), (outputs.detach().double() - target.double())
        sums = (err.square().sum(0), y.sum(0), y.square().sum(0))
        if self.sse is None:
            self.sse, self.sum_y, self.sum_y2 = sums
        else:
            self.sse, self.sum_y, self.sum_y2 = (
                a + b for a, b in zip((self.sse, self.sum_y, self.sum_y2), sums, strict=True)
            )

    def result(self) -> tuple[float, float]:
        """(mean loss, score): accuracy as a fraction, or R² (NaN for constant targets)."""
        n = max(self.n, 1)
        loss = self.loss.item() / n
        if self.task == "classification":
            return loss, self.correct.item() / n
        if self.sse is None:
            return loss, math.nan
        total = self.sum_y2 - self.sum_y.square() / n
        r2 = torch.where(total > 0, 1 - self.sse / total, torch.full_like(total, math.nan))
        return loss, float(r2.mean())
