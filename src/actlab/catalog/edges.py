"""The edges of the input domain for actlab's own formulas: ±inf and integer tensors.

At x = ±inf a formula such as x·tanh(x) or exp(-x²) meets inf·0 = NaN in its forward or its
backward, although f and f' both have limits there. `limits_at_infinity` evaluates the formula
on finite inputs only and puts the limits of f and f' at ±inf, so the value and the gradient at
±inf are what PyTorch's own kernels give where they can: the limits (relu'(inf) = 1,
tanh'(inf) = 0).

Integer tensors: PyTorch's float-only activations (gelu, silu, elu) refuse them, and the ones
that accept them either stay exact (relu) or promote to float first (sigmoid). `as_floating`
does the promotion for formulas whose result is a float anyway, and `refuse_integers` refuses
integer input where the result would not fit the integer type (relu(x)² in uint8 wraps).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

Limit = float | torch.Tensor


class _InfinityLimits(torch.autograd.Function):
    """where(x = -inf, low, where(x = +inf, high, y)), whose gradient at ±inf is the given
    slope and elsewhere flows through y. The backward is built from differentiable ops, so
    double backward works (the slopes are constants: f'' = 0 at ±inf)."""

    @staticmethod
    def forward(ctx, x, y, low, high, slope_low, slope_high):
        ctx.save_for_backward(x, slope_low, slope_high)
        return torch.where(x == -math.inf, low, torch.where(x == math.inf, high, y))

    @staticmethod
    def backward(ctx, grad):
        x, slope_low, slope_high = ctx.saved_tensors
        low, high = x == -math.inf, x == math.inf
        zero = torch.zeros((), dtype=grad.dtype, device=grad.device)
        # The slope is selected first (a constant: 0 at the finite inputs), then multiplied:
        # an infinite slope (x^3 at +inf) never meets a 0, neither here (0 * inf = NaN at the
        # finite inputs) nor in the double backward, whose d(grad * slope)/d(grad) is the slope.
        slope = torch.where(low, slope_low, torch.where(high, slope_high, zero))
        grad_x = torch.where(low | high, grad * slope, zero)
        if grad_x.shape != x.shape:  # per-channel slopes broadcast: reduce to x's shape
            grad_x = grad_x.sum_to_size(x.shape)
        return grad_x, torch.where(low | high, zero, grad), None, None, None, None


def _constant(value: Limit, x: torch.Tensor) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach().to(dtype=x.dtype)
    return torch.tensor(value, dtype=x.dtype, device=x.device)


def limits_at_infinity(
    x: torch.Tensor,
    formula: Callable[[torch.Tensor], torch.Tensor],
    low: Limit,
    high: Limit,
    slope_low: Limit,
    slope_high: Limit,
) -> torch.Tensor:
    """`formula(x)` for finite and NaN x; at x = -inf the value `low` with gradient
    `slope_low`, at +inf `high` with `slope_high`.

    `formula` sees 0 in place of ±inf, so no inf·0 reaches its forward or backward. The limits
    may be numbers or tensors broadcasting against x (per-channel parameters); they are
    constants of the graph (detached): an infinite input sends no gradient to parameters.

    >>> x = torch.tensor([-math.inf, 1.0, math.inf], requires_grad=True)
    >>> y = limits_at_infinity(x, lambda t: t * torch.tanh(t), math.inf, math.inf, -1.0, 1.0)
    >>> torch.autograd.grad(y.sum(), x)[0]
    tensor([-1.0000,  1.1816,  1.0000])
    """
    infinite = torch.isinf(x)
    y = formula(torch.where(infinite, torch.zeros((), dtype=x.dtype, device=x.device), x))
    limits = [_constant(v, x) for v in (low, high, slope_low, slope_high)]
    if torch.jit.is_tracing() or torch.onnx.is_in_onnx_export():
        # A traced graph cannot hold a Python autograd.Function: the same values, as plain
        # ops (the graph then serves inference, where no gradient at ±inf is asked for).
        return torch.where(x == -math.inf, limits[0], torch.where(x == math.inf, limits[1], y))
    return _InfinityLimits.apply(x, y, *limits)


def slope_limits(fn: Callable[[torch.Tensor], torch.Tensor]) -> tuple[float, float]:
    """(lim f'(x) at -inf, at +inf) of an elementwise torch function, read from its own
    autograd gradient in float64 at ±1e150 and ±1e300: far enough out that every catalogue
    derivative has settled to its limit in float64 (or keeps growing: ±inf), near enough that
    no kernel meets inf·0. NaN where f' has no limit (sin)."""
    with torch.inference_mode(False), torch.enable_grad():  # callers may be in no_grad
        x = torch.tensor([-1e150, -1e300, 1e150, 1e300], dtype=torch.float64, requires_grad=True)
        (grad,) = torch.autograd.grad(fn(x).sum(), x)
    out = []
    for near, far in grad.view(2, 2).tolist():
        if math.isclose(near, far, rel_tol=1e-9, abs_tol=1e-300):
            out.append(far)
        elif math.isfinite(far) and abs(far) > abs(near) > 1e100 and near * far > 0:
            out.append(math.copysign(math.inf, far))
        else:
            out.append(math.nan)
    return out[0], out[1]


def as_floating(x: torch.Tensor) -> torch.Tensor:
    """Integer and bool tensors promoted to the default float dtype, as torch.sigmoid does;
    floating tensors unchanged. For formulas whose result is a float anyway."""
    return x if x.is_floating_point() or x.is_complex() else x.to(torch.get_default_dtype())


def refuse_integers(x: torch.Tensor, name: str, why: str) -> None:
    """Raise a TypeError for an integer or bool `x`: the result of entry `name` would not fit
    the integer type (`why` says how)."""
    if not (x.is_floating_point() or x.is_complex()):
        raise TypeError(
            f"{name} takes floating-point tensors; got {x.dtype}, where {why}. "
            "Convert first, e.g. x.float()"
        )
