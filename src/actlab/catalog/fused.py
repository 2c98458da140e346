"""Fused kernels in place of an entry's torch form, wherever one serves the call.

The learnable entries (prelu, swish_learnable, pelu, apl, rational, spline) first ask
`fused(name, x, params, dim, consts)`; when it answers None they run their pure-torch form,
which stays the reference (the tests compare the two) and the fallback. The kernels sit above
the catalogue, in `PROVIDER`: the catalogue names that module and imports it on the first call,
never while it loads itself, so neither layer imports the other at import time and the choice
never depends on what the caller happened to import first. Under `torch.compile` a provider
that no eager call has loaded yet is not imported (dynamo cannot trace an import): that trace
keeps the torch form, which gives the same numbers.

`actlab.kernels.compiled.torch_path()` (a block) or `ACTLAB_KERNELS=torch` (a process) selects
the torch form everywhere.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

import torch

PROVIDER = "actlab.kernels.learnable"

_serve: Callable[..., torch.Tensor | None] | None = None


def install(serve: Callable[..., torch.Tensor | None]) -> None:
    """Called by `PROVIDER` when it is imported (any import of `actlab.kernels`), so that a
    `torch.compile` trace finds the kernels even before any eager call."""
    global _serve
    _serve = serve


def fused(
    name: str, x: torch.Tensor, params: Sequence[Any], dim: int = 1, consts: Sequence[float] = ()
) -> torch.Tensor | None:
    """Entry `name` at `x` by its fused kernel, or None where none serves this call (another
    device or dtype, no compiler, an exporter or `jit.trace` recording, `torch_path()`)."""
    global _serve
    if _serve is None:
        if torch.compiler.is_compiling():
            return None
        _serve = importlib.import_module(PROVIDER).serve
    return _serve(name, x, params, dim, consts)
