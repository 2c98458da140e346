"""Learned activation parameters of a trained run: capture, rebuild, evaluate.

After training, `capture(model)` lists every actlab `Activation` with learnable parameters,
in forward (module) order: its spec name, bound fixed params and learned tensors as nested
lists. The store keeps these rows (table `activation_params`); `rebuild` turns a row back
into a module with exactly the trained values, and `initial` gives the module the run
started from (the run's activation with its given params, learnable ones at their defaults).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

GRID = (-4.0, 4.0)


@dataclass(frozen=True)
class LearnedActivation:
    """One learnable activation layer of a trained run (`layer` counts from 1)."""

    layer: int
    path: str
    name: str
    fixed: dict[str, Any]
    learned: dict[str, list]

    @property
    def num_parameters(self) -> int:
        # Every learnable tensor has one row per channel (shape (C,) or (C, K)).
        return len(next(iter(self.learned.values())))


def capture(model: nn.Module) -> tuple[LearnedActivation, ...]:
    """The learnable activations of `model` (catalogue entries with learnable parameters and
    expressions with learnable β), with their current parameter values."""
    from actlab.catalog.module import Activation
    from actlab.expr import Expression

    rows = []
    for path, module in model.named_modules():
        if isinstance(module, Expression) and module.learnable and module.names:
            learned = {n: getattr(module, n).detach().cpu().double().tolist() for n in module.names}
            rows.append(LearnedActivation(len(rows) + 1, path, module.name, {}, learned))
        elif isinstance(module, Activation) and module.spec.learnable:
            learned = {
                p.name: getattr(module, p.name).detach().cpu().double().tolist()
                for p in module.spec.learnable
            }
            rows.append(
                LearnedActivation(
                    len(rows) + 1, path, module.spec.name, dict(module.fixed), learned
                )
            )
    return tuple(rows)


def rebuild(row: LearnedActivation) -> nn.Module:
    """The module of `row` with its learned values, in float64 (for evaluation)."""
    from actlab.factory import make

    module = make(row.name, num_parameters=row.num_parameters, **row.fixed).double()
    with torch.no_grad():
        for name, values in row.learned.items():
            getattr(module, name).copy_(torch.tensor(values, dtype=torch.float64))
    return module


def initial(activation: str, params: dict[str, Any]) -> nn.Module:
    """The module a run with `activation` and `params` started from, in float64."""
    from actlab.factory import make

    return make(activation, **params).double()


def channel_curves(module: nn.Module, x: np.ndarray, channels: int = 1) -> np.ndarray:
    """f(x) of each channel of `module`: shape (channels, len(x)). Parameters run along dim 1
    (the modules' default), so a (len(x), channels) input evaluates every channel at once."""
    grid = torch.as_tensor(x, dtype=torch.float64)[:, None].expand(len(x), channels)
    with torch.no_grad():
        return module(grid.contiguous()).T.numpy().copy()


def mean_curve(row: LearnedActivation, x: np.ndarray) -> np.ndarray:
    """The learned shape of `row`'s layer: f(x) averaged over its channels."""
    return channel_curves(rebuild(row), x, row.num_parameters).mean(axis=0)
