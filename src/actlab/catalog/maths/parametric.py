"""Torch forms of the parametric swish and ELU (swish_learnable, pelu), per channel or shared.

They are the references the fused kernels (`actlab.kernels.learnable`) are tested against and
fall back to; `catalog/entries/adaptive.py` states the claims.
"""

from __future__ import annotations

import torch

from actlab.catalog.edges import limits_at_infinity
from actlab.catalog.maths.channels import scalar_along
from actlab.catalog.spec import INF

PELU_FLOOR = 0.1


def swish_torch(x: torch.Tensor, beta, dim: int = 1) -> torch.Tensor:
    """x sigmoid(beta x).

    At ±inf: beta > 0 gives (0, inf) with slopes (0, 1), beta < 0 the mirror (-inf, 0) with
    (1, 0), beta = 0 is x/2; the formula itself would meet inf * 0 there.
    """
    b = scalar_along(beta, x, dim)
    sign = torch.sign(b.detach())
    low = torch.where(sign > 0, 0.0, -INF)
    high = torch.where(sign < 0, 0.0, INF)
    return limits_at_infinity(
        x, lambda t: t * torch.sigmoid(b * t), low, high, (1 - sign) / 2, (1 + sign) / 2
    )


def pelu_torch(x: torch.Tensor, a, b, dim: int = 1) -> torch.Tensor:
    """(a/b) x for x > 0, a (e^(x/b) - 1) below, with a and b clamped to >= PELU_FLOOR.

    The negative side sees x raised to -finfo.max: at x = -inf, e^(x/b) = 0 and the gradient
    of b, a x e^(x/b) / b^2, is then its limit 0 instead of inf * 0 = NaN.
    """
    a = scalar_along(a, x, dim).clamp(min=PELU_FLOOR)
    b = scalar_along(b, x, dim).clamp(min=PELU_FLOOR)
    positive = x > 0
    zero = torch.zeros((), dtype=x.dtype, device=x.device)
    # each side sees x only where it is taken (the double where: no NaN gradient from the
    # unused side)
    p, n = torch.where(positive, x, zero), torch.where(positive, zero, x)
    if n.is_floating_point():  # a where, not clamp: NaN keeps its NaN gradient
        lowest = torch.full((), torch.finfo(n.dtype).min, dtype=n.dtype, device=n.device)
        n = torch.where(n < lowest, lowest, n)
    return torch.where(positive, (a / b) * p, a * torch.expm1(n / b))
