"""Helpers shared by the learnable entry files: the per-channel `dim` parameter and `along`, the
limits at ±inf of units that grow like slope · x, and the claims (`facts`) of entries whose
range has no closed form (found on the float64 formula by actlab.catalog.maths.extrema)."""

from __future__ import annotations

import math

import torch

from actlab.catalog.edges import as_floating
from actlab.catalog.maths.channels import scalar_along
from actlab.catalog.maths.extrema import minimum
from actlab.catalog.spec import INF, SMOOTH, Interval, Param, Properties

NAN = float("nan")
DIM = Param(
    "dim",
    1,
    kind=int,
    doc="Input dimension the per-channel parameters run along (1 as nn.PReLU; -1 for "
    "channels-last). Unused when parameters are shared.",
)
# x times a gate that runs from 0 to 1: a dip below 0, f(0) = 0, smooth.
GATE = Properties(monotonic=False, smoothness=SMOOTH, zero_centred=True)


def along(x: torch.Tensor, dim: int, *values):
    """x as floating point and each parameter broadcast along `dim` in x's dtype."""
    x = as_floating(x)  # the parameters take x's dtype: an integer x would truncate them
    return (x, *(scalar_along(v, x, dim) for v in values))


def slope_limit(slope: torch.Tensor, side: int) -> torch.Tensor:
    """lim f at side·inf of an f that grows like slope·x there (0 when the slope is 0)."""
    inf = torch.full_like(slope, INF)
    return torch.where(
        slope == 0, torch.zeros_like(slope), torch.where(slope * side > 0, inf, -inf)
    )


def slope_limit_float(slope: float, side: int) -> float:
    """`slope_limit` for one float slope."""
    return 0.0 if slope == 0 else math.copysign(INF, slope * side)


def range_through_zero(f, lim_low: float, lim_high: float, span: float) -> Interval:
    """The range of an f with f(0) = 0 and limits lim_low, lim_high (each 0 or ±inf): an
    infinite limit opens that side; otherwise the extremum found on [-span, span] (or 0, the
    value at 0) closes it."""
    low = -INF if -INF in (lim_low, lim_high) else min(minimum(f, -span, span)[1], 0.0)
    if INF in (lim_low, lim_high):
        high = INF
    else:
        high = max(-minimum(lambda t: -f(t), -span, span)[1], 0.0)
    return Interval(low, high)


def dip_range(f, low: float, lim: float = 0.0) -> Interval:
    """[min f, inf) for an f that dips below its limit `lim` at -inf somewhere in [low, 0]; the
    infimum `lim` itself (open) when the dip does not go below it."""
    _, lowest = minimum(f, low, 0.0)
    if lowest < lim:
        return Interval(lowest, INF)
    return Interval(lim, INF, low_open=True)
