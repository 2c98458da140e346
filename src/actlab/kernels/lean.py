"""`impl="lean"`: autograd Functions that keep the least the exact backward needs.

- Piecewise-linear entries (relu, leaky_relu, relu6, hardtanh, threshold, hardshrink,
  softshrink): f' takes two values, so a 1-bit mask per element, packed 8 to a byte, is all
  the backward needs (0.125 bytes/element instead of PyTorch's 4). The mask follows each
  native kernel's own comparison, so kinks and NaN get exactly the native gradient. (Plus,
  while autograd records, one 0-dim tensor per call: the double-backward `anchor`.)
- Smooth entries without a fused PyTorch backward (serf, tanhexp, smish, ...): keep only the
  input and recompute the closed-form f' in the backward; a composition under autograd keeps
  every intermediate instead.

On CPU float tensors both run as fused C++ kernels (`compiled.py`: one pass per forward and
per backward; float32 and float64 for the masks, float32 for the smooth ones); elsewhere, or
without a compiler, as the pure-torch code below, which gives the same numbers.

Under double backward (create_graph=True) the backward is built from differentiable torch ops,
so it is exact: for the mask kernels f'' = 0 almost everywhere, and for the smooth ones
autograd differentiates the closed-form f'.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import torch

from actlab.catalog.registry import get
from actlab.kernels import compiled
from actlab.kernels.bitpack import pack_mask, unpack_mask
from actlab.kernels.derivatives import SMOOTH


@dataclass(frozen=True)
class MaskRow:
    """One entry whose f' takes two values, so a 1-bit mask per element serves its backward.

    `inside(params)` gives the mask function, True where f' = 1. Each comparison is written as
    the negation of the native backward's test, so NaN inputs land on the same side as in
    PyTorch. `outside_slope` names the parameter that is f' elsewhere (None: 0), and
    `kernel_params` the parameters the C++ kernel reads as (a, b), in order.
    `kernels/select.py` checks every row against the registry at import.
    """

    name: str
    inside: Callable[[Mapping[str, Any]], Callable[[torch.Tensor], torch.Tensor]]
    outside_slope: str | None = None
    kernel_params: tuple[str, ...] = ()

    def slope(self, params: Mapping[str, Any]) -> float:
        return float(params[self.outside_slope]) if self.outside_slope else 0.0

    def kernel_values(self, params: Mapping[str, Any]) -> tuple[float, float]:
        values = [float(params[key]) for key in self.kernel_params]
        return (*values, 0.0, 0.0)[:2]  # type: ignore[return-value]


# The table: one row per entry, in the order the C++ library lists its mask kinds.
MASK_ROWS: tuple[MaskRow, ...] = (
    MaskRow("relu", lambda p: lambda x: ~(x <= 0)),
    MaskRow(
        "leaky_relu",
        lambda p: lambda x: x > 0,
        outside_slope="negative_slope",
        kernel_params=("negative_slope",),
    ),
    MaskRow("relu6", lambda p: lambda x: ~((x <= 0) | (x >= 6))),
    MaskRow(
        "hardtanh",
        lambda p: lambda x: ~((x <= p["min_val"]) | (x >= p["max_val"])),
        kernel_params=("min_val", "max_val"),
    ),
    MaskRow(
        "threshold",
        lambda p: lambda x: ~(x <= p["threshold"]),
        kernel_params=("threshold", "value"),
    ),
    MaskRow(
        "hardshrink",
        lambda p: lambda x: ~((x >= -p["lambd"]) & (x <= p["lambd"])),
        kernel_params=("lambd",),
    ),
    MaskRow(
        "softshrink",
        lambda p: lambda x: ~((x >= -p["lambd"]) & (x <= p["lambd"])),
        kernel_params=("lambd",),
    ),
)
MASKS = MappingProxyType({row.name: row for row in MASK_ROWS})

MASK_KERNELS = tuple(MASKS)
RECOMPUTE_KERNELS = tuple(SMOOTH)


def anchor(x: torch.Tensor) -> torch.Tensor | None:
    """-0.0 as a differentiable function of x that keeps none of x's memory (the negated sum
    of an empty view: its graph saves only sizes); None when autograd does not record x.

    The mask backward grad -> mask(grad) does not read x, so under double backward its result
    would have no path to x, and torch.autograd.grad(g, x) would raise "element 0 of tensors
    does not require grad" where PyTorch's relu gives f'' = 0. Adding the anchor (x + -0.0 is
    x exactly, signed zeros included) gives that path, with derivative 0."""
    if not (torch.is_grad_enabled() and x.requires_grad):
        return None
    return x.as_strided((0,), (1,)).sum().neg()


class MaskFunction(torch.autograd.Function):
    """y = f(x); saves a packed 1-bit mask of where f' = 1 (and the 0-dim `anchor`). The
    pure-torch twin of the C++ op `actlab::lean_mask`, which also does its autograd in C++."""

    @staticmethod
    def forward(ctx, x, forward_fn, mask_fn, outside_slope, anchor_box):
        # anchor_box = (anchor,): inside a tuple autograd draws no edge to it, so the
        # first-order backward never visits its graph (that would add a pass of zeros over x).
        ctx.save_for_backward(pack_mask(mask_fn(x)))
        ctx.shape, ctx.outside_slope, ctx.anchor = x.shape, outside_slope, anchor_box[0]
        return forward_fn(x)

    @staticmethod
    def backward(ctx, grad):
        (packed,) = ctx.saved_tensors
        anchor = ctx.anchor
        inside = unpack_mask(packed, grad.numel()).view(ctx.shape)
        # where, not grad * slope: like PyTorch's kernels, a NaN/inf upstream gradient does
        # not leak into elements whose derivative is exactly 0.
        outside = grad * ctx.outside_slope if ctx.outside_slope != 0.0 else torch.zeros_like(grad)
        out = torch.where(inside, grad, outside)
        if torch.is_grad_enabled() and anchor is not None:  # double backward: f'' = 0
            out = out + anchor
        return out, None, None, None, None


class RecomputeFunction(torch.autograd.Function):
    """y = f(x); saves only x and recomputes f'(x) in the backward. `fused` = (name, p): the
    C++ kernel's entry and its parameter."""

    @staticmethod
    def forward(ctx, x, forward_fn, d1_fn, fused):
        name, p = fused
        ctx.save_for_backward(x)
        ctx.d1_fn, ctx.name, ctx.p = d1_fn, name, p
        return fused_forward(x, forward_fn, name, p)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        kind = compiled.route("smooth", ctx.name, x.device.type, x.dtype)
        if kind >= 0 and not torch.is_grad_enabled() and grad.dtype == x.dtype:
            return torch.ops.actlab.smooth_backward(grad, x, kind, ctx.p), None, None, None
        if x.dtype in (torch.float16, torch.bfloat16):  # as the composite forward: float32 math
            return (grad.float() * ctx.d1_fn(x.float())).to(grad.dtype), None, None, None
        return grad * ctx.d1_fn(x), None, None, None


def fused_forward(x: torch.Tensor, forward_fn, name: str, p: float) -> torch.Tensor:
    """f(x) by the C++ smooth kernel for `name` where one serves x, else by `forward_fn`."""
    kind = compiled.route("smooth", name, x.device.type, x.dtype)
    if kind < 0:
        return forward_fn(x)
    return torch.ops.actlab.smooth_forward(x, kind, p)


def lean_kernel(name: str, params: Mapping[str, Any]) -> Callable[[torch.Tensor], torch.Tensor]:
    """The lean function x -> f(x) for catalogue entry `name` with bound `params`."""
    spec, bound = get(name), dict(params)

    def forward_fn(x: torch.Tensor) -> torch.Tensor:
        return spec.apply(x, bound)

    if name in SMOOTH and SMOOTH[name].mask_instead(params):
        name, params = SMOOTH[name].mask_instead(params), {}  # e.g. squareplus(b=0) is relu
    if name in MASKS:
        row = MASKS[name]
        mask_fn, slope = row.inside(params), row.slope(params)
        a, b = row.kernel_values(params)

        def masked(x: torch.Tensor, name: str = name) -> torch.Tensor:
            kind = compiled.route("mask", name, x.device.type, x.dtype)
            if kind >= 0:
                return torch.ops.actlab.lean_mask(x, kind, a, b, slope)
            return MaskFunction.apply(x, forward_fn, mask_fn, slope, (anchor(x),))

        return masked
    row = SMOOTH[name]
    extra = dict(params)
    fused = (name, row.kernel_value(params))
    return lambda x: RecomputeFunction.apply(x, forward_fn, lambda z: row.d1(z, **extra), fused)


def smooth_param(name: str, params: Mapping[str, Any]) -> float:
    """The one parameter the C++ smooth kernel reads for entry `name` (0 when it has none)."""
    return SMOOTH[name].kernel_value(params) if name in SMOOTH else 0.0
