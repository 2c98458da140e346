"""Closed-form torch derivatives f'(x) for the smooth entries that `impl="lean"` recomputes.

Each is written from the formula, not from autograd, and evaluated on x clamped to finite
values so that f'(±inf) is the limit that the catalogue's composite form gives (its `_gated`
clamps do the same), never inf * 0 = NaN. NaN inputs give a NaN derivative, as PyTorch's
native kernels do (the composite forms' clamps happen to give 0 there). The tests compare each one
with autograd of the catalogue's `spec.fn` in float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import torch
import torch.nn.functional as F

from actlab.catalog.entries.smooth_gated import QUICK_GELU_SCALE

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _finite(x: torch.Tensor) -> torch.Tensor:
    big = torch.finfo(x.dtype).max
    return x.clamp(-big, big)


def mish_d1(x: torch.Tensor) -> torch.Tensor:
    x = _finite(x)
    t = torch.tanh(F.softplus(x))
    return t + x * ((1 - t * t) * torch.sigmoid(x))


def serf_d1(x: torch.Tensor) -> torch.Tensor:
    x = _finite(x)
    sp = F.softplus(x)
    # the finite factors are multiplied first: x = ±max times them must not overflow to inf
    return torch.erf(sp) + x * (_TWO_OVER_SQRT_PI * torch.exp(-sp * sp) * torch.sigmoid(x))


def tanhexp_d1(x: torch.Tensor) -> torch.Tensor:
    x = _finite(x)
    e = torch.exp(x.clamp(max=20.0))  # as the forward: beyond 20, tanh(e^x) = 1 exactly
    t = torch.tanh(e)
    return t + x * (e * (1 - t * t) * (x <= 20.0))


def smish_d1(x: torch.Tensor) -> torch.Tensor:
    x = _finite(x)
    s = torch.sigmoid(x)
    t = torch.tanh(torch.log1p(s))
    return t + x * ((1 - t * t) * s * (1 - s) / (1 + s))


def logish_d1(x: torch.Tensor) -> torch.Tensor:
    x = _finite(x)
    s = torch.sigmoid(x)
    return torch.log1p(s) + x * (s * (1 - s) / (1 + s))


def quick_gelu_d1(x: torch.Tensor) -> torch.Tensor:
    x = _finite(x)
    s = torch.sigmoid(QUICK_GELU_SCALE * x)
    return s + x * (QUICK_GELU_SCALE * s * (1 - s))


def gcu_d1(x: torch.Tensor) -> torch.Tensor:
    return torch.cos(x) - x * torch.sin(x)


def elish_d1(x: torch.Tensor) -> torch.Tensor:
    x = _finite(x)
    s = torch.sigmoid(x)
    ds = s * (1 - s)
    neg = x.clamp(max=0.0)  # the x < 0 branch sees no large positive x: e^x stays finite
    return torch.where(x >= 0, s + x * ds, torch.exp(neg) * s + torch.expm1(neg) * ds)


def squareplus_d1(x: torch.Tensor, b: float) -> torch.Tensor:
    """(1 + x/s)/2 with s = sqrt(x^2 + b); for x < 0 as b / (2 s (s - x)), free of the
    cancellation 1 + x/s suffers there. b = 0 is ReLU and is served by the 1-bit mask instead."""
    x = _finite(x)
    s = torch.hypot(x, x.new_tensor(math.sqrt(b)))
    return torch.where(x >= 0, (1 + x / s) / 2, b / (2 * s * (s - x)))


@dataclass(frozen=True)
class SmoothRow:
    """One entry that `impl="lean"` serves by recomputing f' from the saved input.

    `d1(x, **params)` is the closed-form derivative, taking the entry's (fixed) parameters by
    name; `kernel_param` is the one number the C++ smooth kernel reads: the name of a parameter,
    or a constant of the entry. `mask_instead(params)` names the mask entry that computes the
    entry exactly for these parameters, where the formula degenerates (squareplus with b = 0
    is ReLU), else None. `kernels/select.py` checks every row against the registry at import.
    """

    name: str
    d1: Callable[..., torch.Tensor]
    kernel_param: str | float = 0.0
    mask_instead: Callable[[Mapping[str, Any]], str | None] = lambda params: None

    def kernel_value(self, params: Mapping[str, Any]) -> float:
        """The number the C++ kernel reads, for bound `params`."""
        if isinstance(self.kernel_param, str):
            return float(params[self.kernel_param])
        return float(self.kernel_param)


# The table: one row per entry, in the order the C++ library lists its smooth kinds.
SMOOTH_ROWS: tuple[SmoothRow, ...] = (
    SmoothRow("mish", mish_d1),
    SmoothRow("serf", serf_d1),
    SmoothRow("tanhexp", tanhexp_d1),
    SmoothRow("smish", smish_d1),
    SmoothRow("logish", logish_d1),
    SmoothRow("quick_gelu", quick_gelu_d1, kernel_param=QUICK_GELU_SCALE),
    SmoothRow("gcu", gcu_d1),
    SmoothRow("elish", elish_d1),
    SmoothRow(
        "squareplus",
        squareplus_d1,
        kernel_param="b",
        mask_instead=lambda params: "relu" if params["b"] == 0.0 else None,
    ),
)
SMOOTH = MappingProxyType({row.name: row for row in SMOOTH_ROWS})
# name -> f'(x, **params), read from the rows (for callers that only need the derivative)
DERIVATIVES = MappingProxyType({row.name: row.d1 for row in SMOOTH_ROWS})
