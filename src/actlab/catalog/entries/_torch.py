"""Small torch helpers shared by entries: safe branches, an exportable hypot, and whether an
export is recording the forward."""

from __future__ import annotations

import math
from typing import Any

import torch


def where_safe(
    cond: torch.Tensor,
    x: torch.Tensor,
    branch_true,
    branch_false,
    fill_true: float = 0.0,
    fill_false: float = 0.0,
) -> torch.Tensor:
    """`where(cond, branch_true(x), branch_false(x))` without NaN gradients from the unused side.

    Each branch sees `x` only where it is taken (elsewhere a harmless `fill_true` /
    `fill_false`, 0 unless that side is singular there, as sin(x)/x is), so an exp() or
    division on the unused side can't produce inf * 0 = NaN in the backward pass.
    """
    fill_t = torch.full((), fill_true, dtype=x.dtype, device=x.device)
    fill_f = torch.full((), fill_false, dtype=x.dtype, device=x.device)
    return torch.where(
        cond, branch_true(torch.where(cond, x, fill_t)), branch_false(torch.where(cond, fill_f, x))
    )


def hypot(x: torch.Tensor, c: float) -> torch.Tensor:
    """sqrt(x^2 + c^2) for finite x and a constant c > 0, without overflow for huge |x|.

    Eager code calls `torch.hypot`. ONNX has no hypot and torch's exporter cannot translate
    it, so while a graph is exported (torch.export, ONNX) the same value is written with max,
    min and sqrt:

    .. math::

        \\sqrt{x^2 + c^2} = M \\sqrt{1 + (m/M)^2},\\quad M = \\max(|x|, c),\\ m = \\min(|x|, c)

    M >= c > 0, so nothing divides by zero, and at the tie |x| = c maximum/minimum split the
    gradient evenly, which gives the exact x / sqrt(x^2 + c^2). Within a few ulps of
    `torch.hypot`.
    """
    if not (torch.compiler.is_exporting() or onnx_exporting()):
        return torch.hypot(x, torch.full((), c, dtype=x.dtype, device=x.device))
    a = x.abs()
    bound = torch.full((), c, dtype=x.dtype, device=x.device)
    big, small = torch.maximum(a, bound), torch.minimum(a, bound)
    ratio = small / big
    return big * torch.sqrt(1 + ratio * ratio)


_onnx_state: Any = None  # (exporter flags module, TorchScript exporter GLOBALS), found once


def onnx_exporting() -> bool:
    """True while `torch.onnx.export` records the forward.

    `torch.onnx.is_in_onnx_export()` reads False when the exporter falls back to its
    dynamo-traced (strict) capture, so the exporter's own flag is read as well: dynamo reads a
    module global at trace time, which keeps the answer right in both captures. Both flags are
    read where `is_in_onnx_export` reads them, their modules looked up once: its two import
    statements cost ~1.7 µs on every activation call.
    """
    global _onnx_state
    if _onnx_state is None:
        try:
            from torch.onnx._internal.exporter import _flags
            from torch.onnx._internal.torchscript_exporter._globals import GLOBALS
        except ImportError:  # another torch: only the public function is known to exist
            _flags = GLOBALS = None
        _onnx_state = (_flags, GLOBALS)
    flags, globals_ = _onnx_state
    if flags is None or globals_ is None:
        return torch.onnx.is_in_onnx_export()
    if torch.compiler.is_compiling():  # dynamo traces the public function, not the property
        return bool(flags._is_onnx_exporting) or torch.onnx.is_in_onnx_export()
    return bool(globals_.in_onnx_export or flags._is_onnx_exporting)


def finite(
    x: torch.Tensor,
    formula,
    low: float | torch.Tensor,
    high: float | torch.Tensor,
    slope_low: float | torch.Tensor = 0.0,
    slope_high: float | torch.Tensor = 0.0,
) -> torch.Tensor:
    """`formula(x)` on finite floating-point inputs, with the limits of f (and of f', as the
    gradient) at ±inf: `actlab.catalog.edges.limits_at_infinity` after promoting integer input
    to float. The form most composite entries take, so that no inf·0 reaches them."""
    from actlab.catalog.edges import as_floating, limits_at_infinity

    return limits_at_infinity(as_floating(x), formula, low, high, slope_low, slope_high)


def softplus(x: torch.Tensor) -> torch.Tensor:
    """log(1 + e^x) exactly (torch's F.softplus switches to x above its threshold, a 2e-9 step
    at 20 that the float64 reference would see), without overflow, gradient sigmoid(x)."""
    return torch.logaddexp(x, torch.zeros((), dtype=x.dtype, device=x.device))


def sech(x: torch.Tensor) -> torch.Tensor:
    """1/cosh(x) as 2 e^-|x| / (1 + e^-2|x|): no overflow of cosh, so the gradient
    -tanh(x) sech(x) never becomes inf/inf for large |x|."""
    e = torch.exp(-x.abs())
    return 2.0 * e / (1.0 + e * e)


# sin(x)/x = sum (-1)^k x^(2k) / (2k + 1)!: below |x| = 1/2 the series to x^16 is exact to the
# last bit, and its autograd derivative keeps full accuracy where (x cos x - sin x)/x^2 cancels.
_SINC_SERIES = tuple((-1) ** k / math.factorial(2 * k + 1) for k in range(9))


def sinc(x: torch.Tensor) -> torch.Tensor:
    """The unnormalised sinc sin(x)/x (1 at 0), accurate with its derivative near 0."""

    def series(t: torch.Tensor) -> torch.Tensor:
        z, acc = t * t, torch.zeros_like(t)
        for c in reversed(_SINC_SERIES):
            acc = acc * z + c
        return acc

    return where_safe(x.abs() < 0.5, x, series, lambda t: torch.sin(t) / t, fill_false=1.0)
