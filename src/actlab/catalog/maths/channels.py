"""Broadcasting learnable parameters over one chosen dimension of the input (per channel).

The one helper every entry with per-channel parameters uses. A scalar parameter is a Python
number, a single value (shared) or a tensor of shape (C,), one value per channel along `dim`
(dim 1 by default, as `nn.PReLU`); a vector parameter (coefficients) has shape (K,) or (1, K)
when shared and (C, K) per channel. A mismatch between C and the input's size along `dim` is a
`ChannelError` naming both sizes, never a raw broadcasting error.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


class ChannelError(ValueError):
    """Per-channel parameters that do not fit the input (wrong size or missing dim)."""


def as_tensor(value: float | Sequence[float] | torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """`value` as a tensor of x's dtype and device (a tensor of that dtype is returned as is)."""
    if isinstance(value, torch.Tensor):
        return value.to(dtype=x.dtype) if value.dtype != x.dtype else value
    return torch.as_tensor(value, dtype=x.dtype, device=x.device)


def channel_shape(x: torch.Tensor, dim: int, channels: int) -> list[int]:
    """The shape that puts `channels` values along `dim` of x and 1 elsewhere; raises
    ChannelError when x has no such dim or a different size there."""
    d = dim if dim >= 0 else dim + x.dim()
    if not 0 <= d < x.dim():
        raise ChannelError(
            f"{channels} per-channel parameters run along dim {dim}, but the input has "
            f"{x.dim()} dimension(s) (shape {tuple(x.shape)})"
        )
    if x.shape[d] != channels:
        raise ChannelError(
            f"{channels} per-channel parameters, but the input has {x.shape[d]} "
            f"entries along dim {dim} (shape {tuple(x.shape)})"
        )
    shape = [1] * x.dim()
    shape[d] = channels
    return shape


def scalar_along(value, x: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """A scalar parameter as a tensor of x's dtype that broadcasts against x: one value as a
    0-dim tensor, C values reshaped to lie along `dim` (checked against x)."""
    t = as_tensor(value, x)
    if t.numel() == 1:
        return t.reshape(())
    return t.reshape(channel_shape(x, dim, t.numel()))


def vector_along(value, x: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """A vector parameter as a tensor that broadcasts against `x.unsqueeze(-1)`: (..., K)."""
    t = as_tensor(value, x)
    if t.dim() == 1 or t.shape[0] == 1:
        return t.reshape(t.shape[-1])
    return t.reshape(*channel_shape(x, dim, t.shape[0]), t.shape[-1])
