"""2-D toy classification sets for fast studies and the playground: two classes each.

Every set draws its points from a seeded `numpy.random.Generator`, so `(name, n, noise, seed)`
fixes the data exactly. `noise` is the standard deviation of Gaussian noise added to each
coordinate (for `gauss`, the std of the two blobs themselves).

- moons:   two interleaved half circles (radius 1; the second shifted by (1, -0.5)).
- circles: a ring of radius 1 around a ring of radius 0.5.
- spiral:  two spiral arms r = t, angle 3*pi*t (+ pi for the second arm), t in [0.05, 1].
- xor:     uniform on [-1, 1]^2, class 1 where x*y < 0 (before the noise is added).
- gauss:   two Gaussian blobs centred at (1, 1) and (-1, -1).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from actlab.data.dataset import DatasetError

DEFAULT_NOISE = {"moons": 0.1, "circles": 0.05, "spiral": 0.05, "xor": 0.05, "gauss": 0.5}


def _moons(t01: np.ndarray, y: np.ndarray) -> np.ndarray:
    t = np.pi * t01
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    return np.where(y[:, None] == 0, upper, lower)


def _circles(t01: np.ndarray, y: np.ndarray) -> np.ndarray:
    angle = 2 * np.pi * t01
    radius = np.where(y == 0, 1.0, 0.5)[:, None]
    return radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)


def _spiral(t01: np.ndarray, y: np.ndarray) -> np.ndarray:
    r = 0.05 + 0.95 * t01
    angle = 3 * np.pi * r + np.pi * y
    return r[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)


_CURVES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "moons": _moons,
    "circles": _circles,
    "spiral": _spiral,
}


def toy_names() -> list[str]:
    return list(DEFAULT_NOISE)


def toy(
    name: str, n: int = 1000, noise: float | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """`n` points of toy set `name`: x (n, 2) float64 and y (n,) int64 labels in {0, 1}.

    Classes are balanced (they differ by at most one point) and in random order. `noise`
    defaults to `DEFAULT_NOISE[name]`. Raw coordinates, not standardised.

    >>> x, y = toy("moons", n=4, seed=1)
    >>> x.shape, sorted(y.tolist())
    ((4, 2), [0, 0, 1, 1])
    """
    if name not in DEFAULT_NOISE:
        raise DatasetError(f"unknown toy set {name!r}; choose one of {', '.join(DEFAULT_NOISE)}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"{name}: n must be an integer >= 2, got {n!r}")
    noise = DEFAULT_NOISE[name] if noise is None else noise
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise < np.inf:
        raise ValueError(f"{name}: noise must be a finite number >= 0, got {noise!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{name}: seed must be an integer >= 0, got {seed!r}")
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % 2).astype(np.int64)
    if name == "xor":
        # Uniform in the two quadrants of the point's class: same signs for 0, opposite for 1.
        magnitude = rng.uniform(0.0, 1.0, size=(n, 2))
        sign = rng.choice([-1.0, 1.0], size=n)
        clean = magnitude * np.stack([sign, np.where(y == 0, sign, -sign)], axis=1)
        x = clean + rng.normal(0.0, noise, size=(n, 2))
    elif name == "gauss":
        centre = np.where(y[:, None] == 0, 1.0, -1.0) * np.ones((n, 2))
        x = centre + rng.normal(0.0, noise, size=(n, 2))
    else:
        x = _CURVES[name](rng.uniform(0.0, 1.0, size=n), y) + rng.normal(0.0, noise, size=(n, 2))
    return x, y
