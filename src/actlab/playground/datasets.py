"""The playground's data: `actlab.data.toy` points, scaled into the plane [-1, 1]^2 and split."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from actlab.data.toy import DEFAULT_NOISE, toy

FILL = 0.9  # the data's largest |coordinate| after scaling, leaving a margin in the plane


@dataclass(frozen=True)
class Split:
    """Train and test points in the plane [-1, 1]^2, with integer class labels."""

    x_train: np.ndarray  # (n_train, 2) float64
    y_train: np.ndarray  # (n_train,) int64
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def classes(self) -> int:
        return int(max(self.y_train.max(initial=0), self.y_test.max(initial=0))) + 1


def default_noise(name: str) -> float:
    """The noise level `actlab.data.toy` uses for `name` unless told otherwise."""
    return float(DEFAULT_NOISE[name])


def make_split(name: str, n: int, noise: float, train_ratio: float, seed: int) -> Split:
    """`n` points of toy set `name`, centred, scaled so the largest |coordinate| is FILL,
    then split at random (seeded) with `train_ratio` of them for training (at least one
    point on each side)."""
    x, y = toy(name, n=n, noise=noise, seed=seed)
    x = x - (x.max(0) + x.min(0)) / 2  # centre the bounding box
    scale = np.abs(x).max()
    x = x * (FILL / scale) if scale > 0 else x
    order = np.random.default_rng([seed, 1]).permutation(n)
    n_train = min(max(round(train_ratio * n), 1), n - 1)
    train, test = order[:n_train], order[n_train:]
    return Split(x[train], y[train].astype(np.int64), x[test], y[test].astype(np.int64))
