"""`diagnose`: train a model a few steps (or not at all), then measure its activation health.

The library side of ``actlab diagnose``: the command only builds the model and the data.

Procedure: with the seed set, `steps` Adam steps on shuffled mini-batches (unmonitored), then
one diagnostic pass: forward and backward over the first `samples` inputs in mini-batches,
watched by a `Monitor` (gradients accumulate; no optimiser step). The loss is cross-entropy
when there are class targets; a model whose output is not (N, classes) gets half the mean
squared output instead, so that gradients still flow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from actlab.diagnose.monitor import Monitor


@dataclass
class Diagnosis:
    """What `diagnose` found: the monitor's rows and warnings, and the training losses."""

    rows: list[dict[str, Any]]
    warnings: list[str]
    losses: list[float] = field(default_factory=list)  # one per training step
    samples: int = 0  # inputs in the diagnostic pass
    note: str = ""  # activations the monitor cannot see (functional calls), if any

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "warnings": self.warnings,
            "losses": self.losses,
            "samples": self.samples,
            "note": self.note,
        }


def _loss(output: torch.Tensor, target: torch.Tensor | None) -> torch.Tensor:
    if target is not None and output.dim() == 2 and output.shape[1] > int(target.max()):
        return F.cross_entropy(output, target)
    return 0.5 * output.float().pow(2).mean()


def _check_count(value: Any, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}; got {value!r}")
    return value


def diagnose(
    model: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor | None = None,
    *,
    steps: int = 0,
    batch_size: int = 128,
    lr: float = 1e-3,
    samples: int = 1024,
    seed: int = 0,
    eps: float = 1e-2,
) -> Diagnosis:
    """Train `model` for `steps` Adam steps on (`inputs`, `targets`), then monitor one
    forward+backward pass over up to `samples` inputs. `targets` (class indices) may be None.

    >>> import torch, torch.nn as nn
    >>> net = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))
    >>> d = diagnose(net, torch.randn(64, 3), torch.randint(0, 2, (64,)), steps=2)
    >>> len(d.losses), d.samples, d.rows[0]["module"]
    (2, 64, 'Tanh')
    """
    _check_count(steps, "steps", 0)
    _check_count(batch_size, "batch_size", 1)
    _check_count(samples, "samples", 1)
    if not lr > 0:
        raise ValueError(f"lr must be a number in (0, ∞); got {lr!r}")
    if targets is not None and targets.shape[0] != inputs.shape[0]:
        raise ValueError(f"{inputs.shape[0]} inputs but {targets.shape[0]} targets")
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model.train()
    losses: list[float] = []
    if steps:
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        order = torch.randperm(inputs.shape[0], generator=generator)
        start = 0
        for _ in range(steps):
            if start + batch_size > order.numel():  # next epoch: a fresh permutation
                order, start = torch.randperm(inputs.shape[0], generator=generator), 0
            batch = order[start : start + batch_size]
            start += batch_size
            optimizer.zero_grad(set_to_none=True)
            loss = _loss(model(inputs[batch]), None if targets is None else targets[batch])
            loss.backward()
            optimizer.step()
            losses.append(float(loss.detach()))
    count = min(samples, inputs.shape[0])
    model.zero_grad(set_to_none=True)
    with Monitor(model, eps=eps) as monitor:
        for begin in range(0, count, batch_size):
            end = min(begin + batch_size, count)
            target = None if targets is None else targets[begin:end]
            _loss(model(inputs[begin:end]), target).backward()
    model.zero_grad(set_to_none=True)
    return Diagnosis(monitor.report(), monitor.warnings(), losses, count, monitor.note)
