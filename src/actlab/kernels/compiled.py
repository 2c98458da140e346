"""Load actlab's fused CPU kernels (`csrc/actlab_cpu.cpp`) and route work to them.

The first process that needs them compiles the C++ source against the installed torch with
the system C++ compiler (`$CXX`, else `c++`/`g++`/`clang++`; about 15 s) and caches the
shared library under `$ACTLAB_KERNEL_CACHE` (default `~/.cache/actlab/kernels`), keyed by the
source, torch's version and ABI and the ISA (`cache.py`: verified by size and SHA-256 before
every load, usable without a compiler or from a read-only directory); later processes load it
in milliseconds. Concurrent processes build it once (a file lock). The ops are registered as
`torch.ops.actlab.*` with fake implementations, so `torch.compile` traces them without a
graph break.

`ACTLAB_KERNELS` chooses: `auto` (default: compiled when it builds, else the pure-torch form
with one warning saying why), `torch` (never compile) or `compiled` (raise if it cannot be
built). Both forms give the same numbers (tests compare them); `backend()` says which is in use.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from actlab.kernels.cache import KernelBuildError, build, cache_root

__all__ = ["Backend", "KernelBuildError", "backend", "build", "cache_root", "mode", "route"]

MODES = ("auto", "torch", "compiled")


@dataclass(frozen=True)
class Backend:
    """What runs the lean, fewbit and learnable kernels on CPU float tensors in this process."""

    name: str  # "compiled" or "torch"
    isa: str | None = None  # "avx2" or "scalar" when compiled
    path: str | None = None  # the shared library
    reason: str | None = None  # why not compiled

    def describe(self) -> str:
        if self.name == "compiled":
            return f"compiled C++ ({self.isa}), {self.path}"
        return f"pure torch ({self.reason})"


_lock = threading.Lock()
_state: dict[str, Backend] = {}
_forced_torch = threading.local()


def mode() -> str:
    value = os.environ.get("ACTLAB_KERNELS", "auto").strip().lower() or "auto"
    if value not in MODES:
        raise ValueError(f"ACTLAB_KERNELS={value!r} is not one of {', '.join(MODES)}")
    return value


def _load() -> Backend:
    if mode() == "torch":
        return Backend("torch", reason="ACTLAB_KERNELS=torch")
    try:
        path = build()
        torch.ops.load_library(str(path))
        _register_fakes()
        _kinds.update(
            {
                family: list(torch.ops.actlab.kinds(family))
                for family in ("mask", "smooth", "learnable")
            }
        )
        return Backend("compiled", isa=torch.ops.actlab.isa(), path=str(path))
    except (KernelBuildError, OSError, RuntimeError) as exc:
        if mode() == "compiled":
            raise KernelBuildError(
                f"ACTLAB_KERNELS=compiled but the kernels failed: {exc}"
            ) from exc
        warnings.warn(
            f"actlab: fused CPU kernels unavailable ({exc}); impl='lean'/'fewbit' and the "
            "learnable activations run their pure-torch form (same results, slower)",
            RuntimeWarning,
            stacklevel=3,
        )
        return Backend("torch", reason=str(exc))


def backend() -> Backend:
    """The backend of this process, building and loading the kernels on first call."""
    with _lock:
        if "backend" not in _state:
            _state["backend"] = _load()
        return _state["backend"]


@contextlib.contextmanager
def torch_path() -> Iterator[None]:
    """Within this block (this thread), kernels take their pure-torch form: to compare or time
    the two forms."""
    previous = getattr(_forced_torch, "on", False)
    _forced_torch.on = True
    try:
        yield
    finally:
        _forced_torch.on = previous


_DTYPES = {
    "mask": (torch.float32, torch.float64),
    "smooth": (torch.float32,),
    "fewbit": (torch.float32,),
    "learnable": (torch.float32, torch.float64),
    "stats": (torch.float32, torch.float64),
}
_kinds: dict[str, list[str]] = {}


_routes: dict[tuple[str, str, str, torch.dtype], int] = {}


def route(family: str, name: str, device_type: str, dtype: torch.dtype) -> int:
    """The C++ kernel number that serves entry `name` on (device_type, dtype) tensors, or -1
    for the pure-torch form. family: "mask", "smooth", "learnable" or "fewbit" (any name). Under
    torch.compile it runs once per trace and its result is a constant of the graph. Answers are
    kept per (family, name, device, dtype): a process's backend does not change once loaded,
    and every learnable layer asks on every call."""
    if getattr(_forced_torch, "on", False):
        return -1
    key = (family, name, device_type, dtype)
    kind = _routes.get(key)
    if kind is None:
        kind = _routes[key] = _route(family, name, device_type, dtype)
    return kind


def _route(family: str, name: str, device_type: str, dtype: torch.dtype) -> int:
    if device_type != "cpu" or dtype not in _DTYPES[family]:
        return -1
    if backend().name != "compiled":
        return -1
    if family in ("fewbit", "stats"):
        return 0
    kinds = _kinds[family]  # read from the library itself: the single source of truth
    return kinds.index(name) if name in kinds else -1


# What torch.compiler.assume_constant_result does, without importing torch._dynamo (1.5 s of
# start-up for every command that touches a kernel). The compile tests trace `route` with
# fullgraph=True, so a torch that stops reading this mark fails them loudly.
route._dynamo_marked_constant = True  # type: ignore[attr-defined]


def _register_fakes() -> None:
    """Shapes for torch.compile's tracing (FakeTensor); the values come from the CPU kernels."""

    def like(t: torch.Tensor) -> torch.Tensor:
        return torch.empty(t.shape, dtype=t.dtype, device=t.device)

    def packed(t: torch.Tensor, planes: int) -> torch.Tensor:
        return t.new_empty((planes * ((t.numel() + 7) // 8),), dtype=torch.uint8)

    fake = torch.library.register_fake
    fake("actlab::mask_forward")(lambda x, kind, a, b: (like(x), packed(x, 1)))
    fake("actlab::mask_backward")(lambda grad, mask, slope: like(grad))
    fake("actlab::lean_mask")(lambda x, kind, a, b, slope: like(x))
    fake("actlab::smooth_forward")(lambda x, kind, p: like(x))
    fake("actlab::smooth_backward")(lambda grad, x, kind, p: like(grad))
    fake("actlab::fewbit_codes")(lambda x, boundaries, bits: packed(x, bits))
    fake("actlab::fewbit_backward")(lambda grad, codes, levels, bits: like(grad))
    fake("actlab::learnable_forward")(lambda x, kind, params, dim, consts: like(x))
    fake("actlab::learnable")(lambda x, kind, params, dim, consts: like(x))
    fake("actlab::tensor_stats")(lambda x, eps: x.new_empty((6,), dtype=torch.float64))
    fake("actlab::positive_columns")(lambda x: x.new_empty((x.shape[1],)))
    fake("actlab::learnable_backward")(
        lambda grad, x, kind, params, dim, consts: [like(grad), *(like(p) for p in params)]
    )
