"""Fused CPU kernels for the learnable entries: prelu, swish_learnable, pelu, apl, rational
and spline, served to the catalogue through `actlab.catalog.fused`.

Selection: the catalogue's own forms (`actlab.make(name)`, `actlab.functional.<name>`, the
models, the Monitor) use them automatically on CPU float32 and float64 tensors once the C++
library is built (`compiled.py`; one warning and the torch form where it cannot be); every
other device or dtype, `compiled.torch_path()`, `ACTLAB_KERNELS=torch`, and graphs being
recorded by `torch.jit.trace`, `torch.export` or the ONNX exporter (which need plain ops) get
the pure-torch form in `actlab.catalog.maths`, the reference the tests compare against. Under
`torch.compile` the kernels are custom ops with fake implementations, traced without a graph
break.

Each call is one op, `torch.ops.actlab.learnable`, whose autograd is in C++ (no Python per
call): one pass forward, and one backward pass that writes grad * f'(x) and reduces every
parameter's gradient, per channel or shared, in the same pass (float64 sums per tile, tiles
added in a fixed order, so the result does not depend on the thread count). Only x (and the
parameters) is kept for the backward. Under double backward (`create_graph=True`) the backward
is autograd of the torch form (`learnable_double_backward`), so higher derivatives are exact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F

from actlab.catalog import fused
from actlab.catalog.maths import hinges, parametric, rational, spline
from actlab.catalog.maths.channels import as_tensor, channel_shape, vector_along
from actlab.kernels import compiled
from actlab.kernels.modules import exporting

# name -> which of its parameters are vectors (coefficients), in the order the kernel takes them
PARAMETERS: dict[str, tuple[bool, ...]] = {
    "prelu": (False,),
    "swish_learnable": (False,),
    "pelu": (False, False),
    "apl": (True, True),
    "rational": (True, True),
    "spline": (False, False, True),
}
KINDS = tuple(PARAMETERS)  # the order the C++ library lists its learnable kinds


def _rational(x, p, dim, consts):
    return rational.rational_torch(x, vector_along(p[0], x, dim), vector_along(p[1], x, dim))


def _spline(x, p, dim, consts):
    bound, grid_size, order = consts
    return spline.spline_torch(x, *p, bound, int(grid_size), int(order), dim)


# The torch forms, taking the parameters as the kernels do: the reference of double backward.
REFERENCE: dict[str, Callable[..., torch.Tensor]] = {
    "prelu": lambda x, p, dim, consts: F.prelu(x, p[0].reshape(-1)),
    "swish_learnable": lambda x, p, dim, consts: parametric.swish_torch(x, p[0], dim),
    "pelu": lambda x, p, dim, consts: parametric.pelu_torch(x, p[0], p[1], dim),
    "apl": lambda x, p, dim, consts: hinges.apl_torch(x, p[0], p[1], dim),
    "rational": _rational,
    "spline": _spline,
}


def _as_rows(value: Any, x: torch.Tensor, vector: bool, dim: int) -> torch.Tensor:
    """A parameter as the kernels take it, in x's dtype: 1-D as it is (a column of per-channel
    values, or one shared row of coefficients: no reshape for autograd to record), else
    (1, K) shared or (C, K) per channel; C is checked against x along `dim` (the torch form's
    error)."""
    t = as_tensor(value, x)
    if t.dim() == 1:
        rows = t
        channels = 1 if vector else t.shape[0]
    elif vector:
        rows = t.reshape(1, t.shape[-1]) if t.shape[0] == 1 else t
        if rows.dim() != 2:
            return rows  # not a shape the kernels take: the caller falls back
        channels = rows.shape[0]
    else:
        rows = t.reshape(-1, 1)
        channels = rows.shape[0]
    if channels > 1:
        channel_shape(x, dim, channels)  # raises ChannelError naming both sizes
    return rows


def _double_backward(grad, x, kind, params, dim, consts) -> list[torch.Tensor]:
    """`actlab::learnable_double_backward`: what the C++ backward calls when autograd records
    it (create_graph=True): the gradients by autograd of the torch form, with their own graph.
    A gradient a tensor does not need (it does not require grad) comes back as zeros."""
    inputs = [x, *params]
    wanted = [i for i, t in enumerate(inputs) if t.requires_grad]
    out = [torch.zeros_like(t) for t in inputs]
    with torch.enable_grad():
        y = REFERENCE[KINDS[kind]](x, params, dim, tuple(consts))
        found = torch.autograd.grad(
            y, [inputs[i] for i in wanted], grad, create_graph=True, allow_unused=True
        )
    for i, g in zip(wanted, found, strict=True):
        if g is not None:
            out[i] = g
    return out


# Defined here, not in C++: its implementation is Python (CompositeImplicitAutograd, so the
# gradients it returns carry autograd's graph).
_LIBRARY = torch.library.Library("actlab", "FRAGMENT")
_LIBRARY.define(
    "learnable_double_backward(Tensor grad, Tensor x, int kind, Tensor[] params, int dim, "
    "float[] consts) -> Tensor[]"
)
_LIBRARY.impl("learnable_double_backward", _double_backward, "CompositeImplicitAutograd")


_OP: Any = None  # torch.ops.actlab.learnable.default, once the library is loaded


def serve(
    name: str, x: torch.Tensor, params: Sequence[Any], dim: int, consts: Sequence[float]
) -> torch.Tensor | None:
    """Entry `name` at x by its fused kernel, or None where none serves this call.

    Every learnable module calls this on every forward, so it is kept lean: a 1-D parameter
    of x's dtype that needs no channel check (shared, or a coefficient row) goes to the op as
    it is."""
    global _OP
    if exporting():  # first: route() may load the library, which must not happen mid-export
        return None
    # x.is_cpu: reading x.device builds a device object (~0.5 µs)
    kind = compiled.route("learnable", name, "cpu" if x.is_cpu else x.device.type, x.dtype)
    if kind < 0:
        return None
    rows = []
    for p, vector in zip(params, PARAMETERS[name], strict=True):
        if (
            isinstance(p, torch.Tensor)
            and p.dtype == x.dtype
            and p.dim() == 1
            and (vector or p.shape[0] == 1)
        ):
            rows.append(p)
            continue
        r = _as_rows(p, x, vector, dim)
        if r.dim() not in (1, 2):
            return None
        rows.append(r)
    if _OP is None:
        # the overload itself: resolving it from the packet costs ~3 µs a call
        _OP = torch.ops.actlab.learnable.default
    return _OP(x, kind, rows, dim, [float(c) for c in consts] if consts else [])


fused.install(serve)
