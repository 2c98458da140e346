"""Broadcasting learnable parameters over one chosen dimension of the input (per channel).

Scalar params have shape (C,) (one per channel, as `nn.PReLU`) or a single value (shared);
vector params (coefficients) have shape (C, K) or (K,)/(1, K) when shared. The functional
form may also receive plain Python numbers or tuples; they become tensors of x's dtype.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def as_tensor(value: float | Sequence[float] | torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.to(dtype=x.dtype) if value.dtype != x.dtype else value
    return torch.as_tensor(value, dtype=x.dtype, device=x.device)


def _channel_shape(x: torch.Tensor, dim: int, channels: int) -> list[int]:
    d = dim if dim >= 0 else dim + x.dim()
    if not 0 <= d < x.dim():
        raise ValueError(
            f"per-channel parameters run along dim {dim}, but the input has {x.dim()} dimension(s)"
        )
    if x.shape[d] != channels:
        raise ValueError(
            f"{channels} per-channel parameters, but the input has {x.shape[d]} "
            f"entries along dim {dim}"
        )
    shape = [1] * x.dim()
    shape[d] = channels
    return shape


def scalar_along(value, x: torch.Tensor, dim: int) -> torch.Tensor:
    """A scalar param as a tensor that broadcasts against x: shared, or one per channel."""
    t = as_tensor(value, x)
    if t.numel() == 1:
        return t.reshape(())
    return t.reshape(_channel_shape(x, dim, t.numel()))


def vector_along(value, x: torch.Tensor, dim: int) -> torch.Tensor:
    """A vector param as a tensor that broadcasts against `x.unsqueeze(-1)`: (..., K)."""
    t = as_tensor(value, x)
    if t.dim() == 1 or t.shape[0] == 1:
        return t.reshape(t.shape[-1])
    return t.reshape(*_channel_shape(x, dim, t.shape[0]), t.shape[-1])
