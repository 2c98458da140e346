"""Shape families: which well-known activation each candidate looks like, and clusters of
candidates with similar shapes (the report's family view).

`shape_of` fits f on [-4, 4] (at β = 1) as a·g(±x) + c to each reference shape g — ReLU,
Swish x·σ(βx) (β = 0.5, 1, 2, 4), linear, |x|, x², tanh, sigmoid, sin — and names the best
fit when it explains at least 95% of the variance (R² ≥ 0.95), else "other". The offset c,
the scale a (of either sign) and the sign of x are free because the layers around an
activation absorb them: a network with -ReLU(x) or min(x, 0) = -ReLU(-x) computes what one
with ReLU computes, once the weights before and after change sign. `clusters` groups
candidates whose curves correlate by ≥ 0.99 (average linkage on 1 − correlation).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from actlab.search.fingerprint import GRID

WINDOW = (GRID >= -4.0) & (GRID <= 4.0)
_X = GRID[WINDOW]


def _sig(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


REFERENCES: dict[str, list[np.ndarray]] = {
    "relu-like": [np.maximum(_X, 0.0)],
    "swish-like": [_X * _sig(b * _X) for b in (0.5, 1.0, 2.0, 4.0)],
    "linear": [_X],
    "abs-like": [np.abs(_X)],
    "quadratic": [_X**2],
    "tanh-like": [np.tanh(_X)],
    "sigmoid-like": [_sig(_X)],
    "periodic": [np.sin(_X), np.sin(2 * _X)],
}
# The shapes of the Swish paper's winners: ReLU-like and Swish-like functions.
RECTIFIER_SHAPES = ("relu-like", "swish-like")


def _fit(f: np.ndarray, g: np.ndarray) -> float:
    """R² of the least-squares fit f ≈ a·g + c."""
    design = np.stack([g, np.ones_like(g)], axis=1)
    coef, *_ = np.linalg.lstsq(design, f, rcond=None)
    residual = f - design @ coef
    total = float(np.sum((f - f.mean()) ** 2))
    return 1.0 - float(np.sum(residual**2)) / total if total > 0 else 0.0


def shape_of(values: Sequence[float], threshold: float = 0.95) -> tuple[str, float]:
    """(family, R²) of a candidate's curve on the fingerprint grid."""
    f = np.asarray(values, dtype=np.float64)[WINDOW]
    best, score = "other", 0.0
    for name, shapes in REFERENCES.items():
        fit = max(_fit(f, g) for shape in shapes for g in (shape, shape[::-1]))  # g(x), g(-x)
        # linear wins only when nothing bends: prefer a rectifier that fits as well
        if fit > score + (1e-3 if name == "linear" else 0.0):
            best, score = name, fit
    return (best if score >= threshold else "other"), score


def clusters(curves: Sequence[Sequence[float]], threshold: float = 0.01) -> list[int]:
    """A cluster id per curve (0, 1, ... in order of first appearance)."""
    n = len(curves)
    if n == 0:
        return []
    if n == 1:
        return [0]
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    data = np.asarray([np.asarray(c, dtype=np.float64)[WINDOW] for c in curves])
    data = data - data.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(data, axis=1, keepdims=True)
    data = np.where(norms > 0, data / np.where(norms > 0, norms, 1.0), 0.0)
    distance = np.clip(pdist(data, "sqeuclidean") / 2.0, 0.0, 2.0)  # = 1 - correlation
    labels = fcluster(linkage(distance, "average"), t=threshold, criterion="distance")
    renumber: dict[int, int] = {}
    return [renumber.setdefault(int(k), len(renumber)) for k in labels]
