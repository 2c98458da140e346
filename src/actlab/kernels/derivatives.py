"""Closed-form torch derivatives f'(x) for the smooth entries that `impl="lean"` recomputes.

Each is written from the formula, not from autograd, and evaluated on x clamped to finite
values so that f'(±inf) is the limit that the catalogue's composite form gives (its `_gated`
clamps do the same), never inf * 0 = NaN. NaN inputs give a NaN derivative, as PyTorch's
native kernels do (the composite forms' clamps happen to give 0 there). The tests compare each one
with autograd of the catalogue's `spec.fn` in float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable

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


# name -> f'(x, **params)
DERIVATIVES: dict[str, Callable[..., torch.Tensor]] = {
    "mish": mish_d1,
    "serf": serf_d1,
    "tanhexp": tanhexp_d1,
    "smish": smish_d1,
    "logish": logish_d1,
    "quick_gelu": quick_gelu_d1,
    "gcu": gcu_d1,
    "elish": elish_d1,
    "squareplus": squareplus_d1,
}
