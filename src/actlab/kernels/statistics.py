"""One-pass float64 statistics of a tensor, for the Monitor: the fused kernel where it serves
(CPU float32 and float64 tensors, the library built), else the same numbers from torch ops.

`positive_columns(x)` is, per column of an (N, C) x, whether some element is > 0 (ReLU's
per-unit maximum of f' for the dead units).

`tensor_stats(x, eps)` is float64 [sum x, sum x², sum |x|, #(x > 0), #(x ≠ 0), #(|x| < eps)].
The kernel reads x once and widens each element to float64 as it adds it; the torch form
(the reference, and the path for other devices and dtypes) makes a float64 copy and reduces it
several times. Both count with the comparisons of `torch.gt`/`ne`/`lt` on x's own dtype (eps
rounded to it, as a Python scalar is), so NaN is ≠ 0 but neither > 0 nor < eps; the sums agree
to float64 rounding (the kernel adds in another order).
"""

from __future__ import annotations

import torch

from actlab.kernels import compiled

F64 = torch.float64
FIELDS = ("sum", "squares", "abs_sum", "positive", "nonzero", "below")


def tensor_stats_torch(x: torch.Tensor, eps: float) -> torch.Tensor:
    """The reference: float64 copies and one reduction per field."""
    wide = (x if x.dtype == F64 else x.to(F64)).reshape(-1)
    magnitude = x.abs()
    return torch.stack(
        [
            wide.sum(),
            torch.dot(wide, wide),
            wide.abs().sum(),
            torch.gt(x, 0).sum(dtype=F64),
            torch.ne(x, 0).sum(dtype=F64),
            torch.lt(magnitude, eps).sum(dtype=F64),
        ]
    )


def tensor_stats(x: torch.Tensor, eps: float = 0.0) -> torch.Tensor:
    """Float64 [sum, sum of squares, sum |x|, #(x > 0), #(x != 0), #(|x| < eps)] of `x`, on x's
    device (no host transfer): one read of x by the fused kernel where it serves."""
    if compiled.route("stats", "tensor_stats", x.device.type, x.dtype) >= 0:
        return torch.ops.actlab.tensor_stats(x, float(eps))
    return tensor_stats_torch(x, eps)


def positive_columns_torch(x: torch.Tensor) -> torch.Tensor:
    """The reference: the indicator of x > 0, then its maximum down each column (0 where a
    column has no element)."""
    if x.shape[0] == 0:
        return x.new_zeros(x.shape[1:])
    return torch.gt(x, 0).to(x.dtype).amax(dim=0)


def positive_columns(x: torch.Tensor) -> torch.Tensor:
    """For an (N, C) `x`: per column, 1 where some element is > 0, else 0, in x's dtype - the
    per-unit maximum of ReLU's derivative (the indicator of x > 0) without making the indicator:
    one read of x by the fused kernel where it serves."""
    if x.dim() == 2 and compiled.route("stats", "positive_columns", x.device.type, x.dtype) >= 0:
        return torch.ops.actlab.positive_columns(x)
    return positive_columns_torch(x)
