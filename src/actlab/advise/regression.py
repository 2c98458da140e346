"""The evidence base's regression task: a smooth 2-D function, generated here, deterministic.

.. math::
    y = \\sin(\\pi x_1) \\cos(\\tfrac{\\pi}{2} x_2) + \\tfrac{1}{2} x_1 x_2 + \\varepsilon,
    \\quad x \\sim U[-1, 1]^2,\\ \\varepsilon \\sim N(0, 0.05^2)

A smooth target with one sign change per axis and an interaction term: smooth activations
(tanh, GELU, SiLU) fit it with fewer units than piecewise-linear ones, which is one of the
things the evidence base should be able to show. `smooth_2d()` is a data factory in the
form `actlab compare --data-factory actlab.advise.regression:smooth_2d --task regression`
takes: ``((X_train, y_train), (X_test, y_test))``, float32 tensors, the same on every call.
"""

from __future__ import annotations

import numpy as np
import torch

N_TRAIN = 2000
N_TEST = 1000
NOISE = 0.05
SEED = 2026


def target(x: np.ndarray) -> np.ndarray:
    """The noise-free function at points `x` of shape (n, 2)."""
    x1, x2 = x[:, 0], x[:, 1]
    return np.sin(np.pi * x1) * np.cos(0.5 * np.pi * x2) + 0.5 * x1 * x2


def smooth_2d() -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """(train, test) of the smooth 2-D regression: 2,000 / 1,000 points, noise std 0.05.

    >>> (x, y), (xt, yt) = smooth_2d()
    >>> tuple(x.shape), tuple(y.shape), tuple(xt.shape)
    ((2000, 2), (2000,), (1000, 2))
    """
    rng = np.random.default_rng(SEED)
    x = rng.uniform(-1.0, 1.0, size=(N_TRAIN + N_TEST, 2))
    y = target(x) + rng.normal(0.0, NOISE, size=len(x))
    xs = torch.from_numpy(x.astype(np.float32))
    ys = torch.from_numpy(y.astype(np.float32))
    return (xs[:N_TRAIN], ys[:N_TRAIN]), (xs[N_TRAIN:], ys[N_TRAIN:])
