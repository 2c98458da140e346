"""Adaptive piecewise-linear units (APL): f(x) = relu(x) + sum_s a_s relu(b_s - x).

The torch form and the float64 reference take the slopes a and hinge positions b as tensors or
sequences; `apl_facts` reads range, limits, kinks and monotonicity off the pieces exactly.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from actlab.catalog.edges import limits_at_infinity
from actlab.catalog.maths.channels import vector_along
from actlab.catalog.spec import SMOOTH, Facts, Interval, Properties


def apl_torch(x: torch.Tensor, slopes, offsets, dim: int = 1) -> torch.Tensor:
    a, b = vector_along(slopes, x, dim), vector_along(offsets, x, dim)
    # For x below every b_s, f = sum a_s b_s - x sum a_s: its limit and slope at -inf.
    total = a.sum(-1).detach()
    low = torch.where(total == 0, (a * b).sum(-1).detach(), total * torch.inf)
    return limits_at_infinity(
        x,
        lambda t: F.relu(t) + (a * F.relu(b - t.unsqueeze(-1))).sum(-1),
        low,
        math.inf,
        -total,
        1.0,
    )


def _step(x: np.ndarray) -> np.ndarray:
    """Heaviside with 0 at 0: relu's derivative convention, which every hinge follows."""
    return np.where(x > 0, 1.0, 0.0)


def apl_ref(x: np.ndarray, slopes, offsets, d1: bool = False) -> np.ndarray:
    """float64 f (or f' with `d1`, 0 at each switch as relu's)."""
    out = _step(x) if d1 else np.maximum(x, 0.0)
    for a, b in zip(slopes, offsets, strict=True):
        out = out - a * _step(b - x) if d1 else out + a * np.maximum(b - x, 0.0)
    return out


def apl_facts(slopes, offsets) -> Facts:
    """Exact facts of the piecewise-linear f: it bends only at 0 and at each b_s whose a_s is
    not 0, and only where the slopes on both sides differ; its extremes are at those points or
    its ends (f(+inf) = inf, and f(-inf) follows the left slope -sum a)."""
    a, b = np.asarray(slopes, np.float64), np.asarray(offsets, np.float64)
    points = sorted({0.0, *(float(v) for v, s in zip(b, a, strict=True) if s != 0.0)})
    cuts = [-math.inf, *points, math.inf]
    probes = [_probe(u, v) for u, v in zip(cuts[:-1], cuts[1:], strict=True)]
    slopes_between = apl_ref(np.array(probes), a, b, d1=True)
    # slopes_between[i] is left of points[i], slopes_between[i + 1] right of it
    kinks = [p for i, p in enumerate(points) if slopes_between[i] != slopes_between[i + 1]]
    values = [float(v) for v in apl_ref(np.array(points), a, b)]
    left = float(slopes_between[0])
    low_limit = -math.inf if left > 0 else (math.inf if left < 0 else values[0])
    limits = (low_limit, math.inf)
    low = min(values + [low_limit])
    interval = Interval(low, math.inf)
    centred = abs(float(apl_ref(np.array([0.0]), a, b)[0])) == 0.0 and low < 0.0
    return Facts(
        interval,
        Properties(bool((slopes_between >= 0).all()), 0 if kinks else SMOOTH, centred),
        limits,
        tuple(kinks),
        {k: float(apl_ref(np.array([k]), a, b, d1=True)[0]) for k in kinks},
    )


def _probe(lo: float, hi: float) -> float:
    if math.isinf(lo):
        return hi - 1.0
    if math.isinf(hi):
        return lo + 1.0
    return (lo + hi) / 2
