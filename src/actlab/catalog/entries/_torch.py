"""Small torch helpers shared by entries: safe branches and per-channel parameters."""

from __future__ import annotations

import torch


def channel(param: float | torch.Tensor, x: torch.Tensor) -> float | torch.Tensor:
    """Broadcast a per-channel parameter of shape (C,) over dim 1 of `x`; scalars pass through.

    Matches `nn.PReLU`: one value per channel of an (N, C, ...) input, or per feature of (N, C).
    """
    if not isinstance(param, torch.Tensor) or param.numel() == 1:
        return param.reshape(()) if isinstance(param, torch.Tensor) else param
    if x.dim() < 2:
        return param
    return param.reshape(1, -1, *([1] * (x.dim() - 2)))


def where_safe(cond: torch.Tensor, x: torch.Tensor, branch_true, branch_false) -> torch.Tensor:
    """`where(cond, branch_true(x), branch_false(x))` without NaN gradients from the unused side.

    Each branch sees `x` only where it is taken (elsewhere a harmless 0), so an exp() or
    division on the unused side can't produce inf * 0 = NaN in the backward pass.
    """
    zero = torch.zeros((), dtype=x.dtype, device=x.device)
    return torch.where(
        cond, branch_true(torch.where(cond, x, zero)), branch_false(torch.where(cond, zero, x))
    )
