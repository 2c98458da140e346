"""One-pass float64 statistics of a tensor, for the Monitor: the fused kernel where it serves
(CPU float32 and float64 tensors, the library built), else the same numbers from torch ops.

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
