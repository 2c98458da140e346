"""Uniform B-spline bases for KAN-style spline activations (Liu et al., 'KAN', 2024).

The grid [-bound, bound] is cut into `grid_size` equal intervals and extended by `order` knots on
each side, giving grid_size + order basis functions of degree `order` that sum to 1 on the grid.
Inputs are clamped to the grid before the spline is evaluated, so outside it the spline part
holds its edge value (no extrapolated polynomial growth, no NaN for any finite or infinite x).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import interpolate, special

from actlab.catalog.edges import limits_at_infinity
from actlab.catalog.maths.channels import scalar_along, vector_along
from actlab.catalog.maths.extrema import Curve, maximum, minimum
from actlab.catalog.spec import INF, SMOOTH, Facts, Interval, Properties

SILU_MIN = -float(special.lambertw(math.exp(-1.0)).real)  # -W(1/e), at x = -(1 + W(1/e))


def knots(bound: float, grid_size: int, order: int) -> np.ndarray:
    h = 2.0 * bound / grid_size
    return -bound + h * np.arange(-order, grid_size + order + 1, dtype=np.float64)


def bspline_basis(x: torch.Tensor, bound: float, grid_size: int, order: int) -> torch.Tensor:
    """B_i(clamp(x)) for i < grid_size + order, on a new last axis (Cox-de Boor recursion)."""
    t = torch.as_tensor(knots(bound, grid_size, order), dtype=x.dtype, device=x.device)
    xe = x.clamp(-bound, bound).unsqueeze(-1)
    basis = ((xe >= t[:-1]) & (xe < t[1:])).to(x.dtype)
    for p in range(1, order + 1):
        left = (xe - t[: -(p + 1)]) / (t[p:-1] - t[: -(p + 1)])
        right = (t[p + 1 :] - xe) / (t[p + 1 :] - t[1:-p])
        basis = left * basis[..., :-1] + right * basis[..., 1:]
    return basis


def silu_torch(x: torch.Tensor) -> torch.Tensor:
    # -inf is raised to -finfo.max so that the gate's exact 0 gives the limit 0, not NaN.
    return x.clamp(min=-torch.finfo(x.dtype).max) * torch.sigmoid(x)


def spline_torch(
    x: torch.Tensor,
    w_base,
    w_spline,
    coefficients,
    bound: float,
    grid_size: int,
    order: int,
    dim: int = 1,
) -> torch.Tensor:
    """w_b silu(x) + w_s sum_i c_i B_i(clamp(x, -bound, bound)), per channel or shared.

    At +inf the base term w_b silu(x) is sign(w_b) inf (0 when w_b = 0, not 0 * inf = NaN)
    with slope w_b; at -inf it is 0 with slope 0. The spline part holds its edge value.
    """
    c = vector_along(coefficients, x, dim)
    spline = (bspline_basis(x, bound, grid_size, order) * c).sum(-1)
    w_b = scalar_along(w_base, x, dim)
    at_inf = torch.sign(w_b) * torch.where(w_b == 0, 0.0, INF)
    base = limits_at_infinity(x, lambda t: w_b * silu_torch(t), 0.0, at_inf, 0.0, w_b)
    return base + scalar_along(w_spline, x, dim) * spline


def spline_facts(
    grid_size: int,
    order: int,
    bound: float,
    w_base: float,
    w_spline: float,
    coefficients,
    f: Curve,
    d1: Curve,
) -> Facts:
    """Facts of f = w_b silu(x) + w_s S(clamp(x, -bound, bound)), S the B-spline with these
    coefficients; `f` and `d1` are its float64 reference and derivative.

    Kinks come from the spline's polynomial pieces, exactly: at an inner knot where a derivative
    of S jumps, and at ±bound where the clamp stops S (its first non-zero derivative there
    jumps to 0). Any w_b != 0 makes f non-monotonic (silu decreases left of -1.28, and beyond
    the grid only w_b silu changes); with w_b = 0 monotonicity is read off the pieces of S'.
    The extremes are searched numerically on [-60, 60], where silu has reached its limits.
    """
    c = np.asarray(coefficients, np.float64)
    silent = w_spline == 0.0 or not c.any()
    if silent:
        return _silu_facts(w_base)
    pieces = interpolate.PPoly.from_spline(
        interpolate.BSpline(knots(bound, grid_size, order), c, order)
    )
    jumps = [(x, m) for x, m in _inner_jumps(pieces, bound, order)]
    jumps += [(side * bound, _edge_jump(pieces, side * bound, order)) for side in (-1, 1)]
    jumps = [(x, m) for x, m in jumps if m is not None]
    kinks = tuple(sorted(x for x, _ in jumps))
    smoothness = min((m - 1 for _, m in jumps), default=SMOOTH)
    edge = (float(f(np.array([-bound]))[0]), float(f(np.array([bound]))[0]))
    at_left = w_spline * float(pieces(-bound))
    at_right = math.copysign(math.inf, w_base) if w_base else w_spline * float(pieces(bound))
    limits = (at_left, at_right)
    if w_base:
        monotonic = False
    else:
        monotonic = _never_decreasing(pieces.derivative(), bound, w_spline)
    lowest, highest = minimum(f, -60.0, 60.0)[1], maximum(f, -60.0, 60.0)[1]
    lowest, highest = min(lowest, *edge), max(highest, *edge)
    low, high = min(lowest, *limits), max(highest, *limits)
    interval = Interval(
        low,
        high,
        low_open=math.isfinite(low) and low < lowest,
        high_open=math.isfinite(high) and high > highest,
    )
    centred = abs(float(f(np.array([0.0]))[0])) < 1e-15 and low < 0.0 < high
    return Facts(
        interval,
        Properties(monotonic, smoothness, centred),
        limits,
        kinks,
        {k: float(d1(np.array([k]))[0]) for k in kinks},
    )


def _silu_facts(w_base: float) -> Facts:
    """f = w_b silu(x): SiLU's facts scaled (and flipped for w_b < 0)."""
    if w_base == 0.0:
        return Facts(Interval(0.0, 0.0), Properties(True, SMOOTH, False), (0.0, 0.0))
    extreme = w_base * SILU_MIN
    if w_base > 0:
        return Facts(Interval(extreme, math.inf), Properties(False, SMOOTH, True), (0.0, math.inf))
    return Facts(Interval(-math.inf, extreme), Properties(False, SMOOTH, True), (0.0, -math.inf))


def _local(pieces: interpolate.PPoly, i: int, m: int, at: float) -> float:
    """The m-th derivative of piece i (local variable x - x_i) at offset `at`."""
    coef = pieces.c[:, i]
    return float(np.polyval(np.polyder(coef, m), at)) if m < len(coef) else 0.0


def _differ(u: float, v: float) -> bool:
    return abs(u - v) > 1e-9 * (1.0 + abs(u) + abs(v))


def _inner_jumps(pieces: interpolate.PPoly, bound: float, order: int):
    """(knot, m) for each knot strictly inside the grid where the m-th derivative jumps."""
    x = pieces.x
    for i in range(1, len(x) - 1):
        if not -bound < x[i] < bound or x[i] == x[i - 1]:
            continue
        width = x[i] - x[i - 1]
        for m in range(order + 1):
            if _differ(_local(pieces, i - 1, m, width), _local(pieces, i, m, 0.0)):
                yield float(x[i]), m
                break


def _edge_jump(pieces: interpolate.PPoly, at: float, order: int) -> int | None:
    """Order of the first derivative of S that is non-zero at a grid end, from inside the grid
    (outside, the clamp holds S constant), or None when S is flat to every order there."""
    x = pieces.x
    i = int(
        np.flatnonzero(np.isclose(x, at, rtol=0, atol=1e-12 * (1 + abs(at))))[-1 if at < 0 else 0]
    )
    inside, offset = (i, 0.0) if at < 0 else (i - 1, x[i] - x[i - 1])
    for m in range(1, order + 1):
        if abs(_local(pieces, inside, m, offset)) > 1e-12:
            return m
    return None


def _never_decreasing(slope: interpolate.PPoly, bound: float, w_spline: float) -> bool:
    points = np.concatenate([[-bound, bound], slope.roots(extrapolate=False)])
    points = np.unique(points[(points >= -bound) & (points <= bound)])
    mids = (points[:-1] + points[1:]) / 2
    return bool((w_spline * slope(mids) >= -1e-12).all())
