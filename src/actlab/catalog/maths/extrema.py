"""Extrema of float64 functions, for facts that have no closed form (the minimum of SinLU
for given a, b; the range of a mixture): a dense grid finds the best point, a bounded Brent
search refines it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import optimize

Curve = Callable[[np.ndarray], np.ndarray]


def minimum(f: Curve, low: float, high: float, points: int = 40_001) -> tuple[float, float]:
    """(x, f(x)) at the smallest value of `f` on [low, high], to about 1e-12 in x."""
    x = np.linspace(low, high, points)
    with np.errstate(all="ignore"):
        y = f(x)
    i = int(np.nanargmin(y))
    a, b = x[max(i - 1, 0)], x[min(i + 1, points - 1)]
    found = optimize.minimize_scalar(
        lambda t: float(f(np.array([t]))[0]),
        bounds=(a, b),
        method="bounded",
        options={"xatol": 1e-12},
    )
    if found.success and found.fun <= y[i]:
        return float(found.x), float(found.fun)
    return float(x[i]), float(y[i])


def maximum(f: Curve, low: float, high: float, points: int = 40_001) -> tuple[float, float]:
    """(x, f(x)) at the largest value of `f` on [low, high]."""
    x, value = minimum(lambda t: -f(t), low, high, points)
    return x, -value
