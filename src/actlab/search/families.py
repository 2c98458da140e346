"""Shape families: which well-known activation each candidate looks like, and clusters of
candidates with similar shapes (the report's family view).

`shape_of` fits f on [-4, 4] (at β = 1) as a·g(±x) + c to each reference shape g — ReLU,
Swish x·σ(βx) (β = 0.5, 1, 2, 4), linear, |x|, x², tanh, sigmoid, sin — and names the best
fit when it explains at least 95% of the variance (R² ≥ 0.95), else "other". The offset c,
the scale a (of either sign) and the sign of x are free because the layers around an
activation absorb them: a network with -ReLU(x) or min(x, 0) = -ReLU(-x) computes what one
with ReLU computes, once the weights before and after change sign. `clusters` groups
candidates whose curves correlate by ≥ 0.99 (average linkage on 1 − correlation).

`shape_class` is a rule-based class, measured from the values and not from a fit: relu-like,
swish-like, linear+periodic, periodic, linear or other (the rules are in its docstring and in
docs/search.md).
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


SHAPE_CLASSES = ("relu-like", "swish-like", "linear+periodic", "periodic", "linear", "other")
# The four ways a layer's weights absorb a sign: W2·f(W1·x) = (−W2)·(−f)(W1·x), and f(−x) is
# f after W1 → −W1 (He initialisation is symmetric, so even the starting point is the same).
ORIENTATIONS = ("f(x)", "-f(x)", "f(-x)", "-f(-x)")
_CENTRE = (GRID >= -6.0) & (GRID <= 6.0)  # the dense part of the grid


def _at(x: float) -> int:
    return int(np.argmin(np.abs(GRID - x)))


def _rectifier(g: np.ndarray) -> str | None:
    """The rectifier class (relu-like, swish-like) or None of one orientation g of a curve on GRID."""
    i0, i4, i8, i20 = _at(0.0), _at(4.0), _at(8.0), _at(20.0)
    rise = g[i20] - g[i0]
    if not rise > 0:
        return None
    near, far = (g[i8] - g[i4]) / 4.0, (g[i20] - g[i8]) / 12.0
    if not (near > 0 and 2.0 / 3.0 <= far / near <= 1.5):  # not ~a·x for large positive x
        return None
    left = g[GRID < 0]
    if np.ptp(left) > 0.25 * rise:  # not bounded / near constant for negative x
        return None
    tol = 1e-3 * rise
    if _largest_drop(g[GRID >= 0]) > tol:  # must rise monotonically for x > 0
        return None
    if _largest_drop(g) <= tol:
        return "relu-like"
    return "swish-like" if left.min() < left[0] - tol else None  # a dip below the left tail


def _largest_drop(g: np.ndarray) -> float:
    """How far g falls below its running maximum: 0 for a non-decreasing curve."""
    return float(np.max(np.maximum.accumulate(g) - g))


def _extrema(r: np.ndarray) -> int:
    """Local extrema of r on the dense part of the grid (steps below 1e-9 of its range are
    flat)."""
    d = np.diff(r[_CENTRE])
    d = d[np.abs(d) > 1e-9 * (np.ptp(r) + 1e-300)]
    return int(np.sum(np.sign(d[1:]) != np.sign(d[:-1])))


def classify(values: Sequence[float]) -> tuple[str, str]:
    r"""(class, orientation) of a curve given by its values on the fingerprint grid (β = 1).

    The rules, tried on f(x), −f(x), f(−x), −f(−x) in that order (the weights around an
    activation absorb each sign; the first orientation that matches is reported; f(−x) is
    read off the reversed grid, which is symmetric up to its 0.0123 shift):

    - **relu-like**: grows like a·x (a > 0) for large positive x — the slope on [8, 20] is
      within 2/3–3/2 of the slope on [4, 8] — while its spread on x < 0 is at most a quarter of
      its rise from 0 to 20, and it is monotone (it never falls more than 10⁻³ of that rise below an earlier value).
      ReLU, leaky ReLU, softplus, ELU, max(x, σ(x)), max(x, tanh x);
    - **swish-like**: the same, rising monotonically for x > 0, but not monotone: a dip on
      x < 0 below its value at the left end. x·σ(x), GELU, max(x, sin x);
    - **linear+periodic**: the best line a·x + c explains at least 80% of the variance on the
      grid, and what is left has at least three local extrema on [−6, 6], each wiggle more than
      10⁻³ of the curve's spread: x + sin x, cos x − x, sinc x + x;
    - **periodic**: at least four local extrema on [−6, 6] (two periods of sin x) and no
      dominant line: sin x,
      sin(x)·σ(σ(x));
    - **linear**: the line explains ≥ 99.9999% of the variance (x, 2x + 1);
    - **other**: the rest (x², tanh, |x|, σ, atan(x)² − x, ...).

    .. math:: R^2 = 1 - \frac{\sum (f - a x - c)^2}{\sum (f - \bar f)^2}
    """
    f = np.asarray(values, dtype=np.float64)
    if f.shape != GRID.shape:
        raise ValueError(f"shape_class needs the {GRID.size} values on the fingerprint grid, "
                         f"got {f.size}")  # fmt: skip
    if not np.all(np.isfinite(f)):
        return "other", "f(x)"
    for orientation, g in zip(ORIENTATIONS, (f, -f, f[::-1], -f[::-1]), strict=True):
        found = _rectifier(g)
        if found:
            return found, orientation
    design = np.stack([GRID, np.ones_like(GRID)], axis=1)
    coef, *_ = np.linalg.lstsq(design, f, rcond=None)
    residual = f - design @ coef
    total = float(np.sum((f - f.mean()) ** 2))
    r2 = 1.0 - float(np.sum(residual**2)) / total if total > 0 else 0.0
    extrema = _extrema(residual) if np.ptp(residual[_CENTRE]) > 1e-3 * np.ptp(f) else 0
    if r2 >= 1.0 - 1e-6:
        return "linear", "f(x)"
    if extrema >= 3 and r2 >= 0.8:
        return "linear+periodic", "f(x)"
    if extrema >= 4:
        return "periodic", "f(x)"
    return "other", "f(x)"


def shape_class(values: Sequence[float]) -> str:
    """The class of `classify` alone."""
    return classify(values)[0]


def class_shares(classes: Sequence[str], tops: Sequence[int] = (10, 20)) -> dict[str, dict]:
    """{"top 10": {class: count, ...}, ...} over the first `top` entries, classes in
    SHAPE_CLASSES order, zero counts left out."""
    out = {}
    for top in tops:
        head = list(classes[:top])
        out[f"top {top}"] = {c: head.count(c) for c in SHAPE_CLASSES if head.count(c)}
    return out


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
