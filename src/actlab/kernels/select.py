"""Which implementations exist for an entry, and building the function or module for one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from actlab.catalog.registry import get
from actlab.kernels.fewbit import FEWBIT_KERNELS, fewbit_kernel
from actlab.kernels.lean import MASK_KERNELS, RECOMPUTE_KERNELS, lean_kernel

IMPLS = ("native", "lean", "fewbit")
DEFAULT_BITS = 3

_DESCRIPTIONS = {
    "native": "the catalogue's form (PyTorch's own kernel where one exists)",
    "lean-mask": "exact backward from a 1-bit packed mask (0.125 bytes/element kept)",
    "lean-recompute": "exact backward recomputed from the saved input alone (closed-form f')",
    "fewbit": "approximate backward from a k-bit code per element (k/8 bytes/element; "
    "Novikov et al., ICML 2023); no double backward",
}


def available(name: str) -> list[str]:
    """The implementations `actlab.make(name, impl=...)` accepts for entry `name`."""
    spec = get(name)
    impls = ["native"]
    if spec.name in MASK_KERNELS or spec.name in RECOMPUTE_KERNELS:
        impls.append("lean")
    if spec.name in FEWBIT_KERNELS:
        impls.append("fewbit")
    return impls


def describe_impls(name: str) -> dict[str, str]:
    """impl -> one-line description, for `actlab show NAME` and the docs."""
    spec = get(name)
    out = {"native": _DESCRIPTIONS["native"]}
    if spec.name in MASK_KERNELS:
        out["lean"] = _DESCRIPTIONS["lean-mask"]
    elif spec.name in RECOMPUTE_KERNELS:
        out["lean"] = _DESCRIPTIONS["lean-recompute"]
    if spec.name in FEWBIT_KERNELS:
        out["fewbit"] = _DESCRIPTIONS["fewbit"]
    return out


def _check(name: str, impl: str, bits: int | None) -> None:
    impls = available(name)
    if impl not in IMPLS:
        raise ValueError(
            f"unknown impl {impl!r}; valid impls are {', '.join(IMPLS)} "
            f"(available for {get(name).name}: {', '.join(impls)})"
        )
    if impl not in impls:
        raise ValueError(
            f"impl {impl!r} is not available for {get(name).name}; "
            f"available impls: {', '.join(impls)}"
        )
    if bits is not None and impl != "fewbit":
        raise ValueError(f"bits applies only to impl='fewbit', not impl={impl!r}")
    if impl == "fewbit" and bits is not None:
        if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= 8:
            raise ValueError(f"bits must be an integer in [1, 8]; got {bits!r}")


def kernel(
    name: str, impl: str = "native", bits: int | None = None, **params: Any
) -> Callable[[torch.Tensor], torch.Tensor]:
    """The function x -> f(x) of entry `name` computed by `impl` (params checked)."""
    _check(name, impl, bits)
    spec = get(name)
    bound = spec.bind(**params)
    return _kernel_for_bound(spec.name, impl, bits, bound)


def _kernel_for_bound(name: str, impl: str, bits: int | None, bound: Mapping[str, Any]):
    spec = get(name)
    if impl == "native":
        return lambda x: spec.apply(x, bound)
    if impl == "lean":
        return lean_kernel(name, bound)
    return fewbit_kernel(name, DEFAULT_BITS if bits is None else bits, bound)


def make_module(
    name: str, impl: str, bits: int | None, num_parameters: int | None, params: Mapping[str, Any]
) -> torch.nn.Module:
    """The catalogue module for `name`, with its forward computed by `impl`."""
    from actlab.catalog.module import module_class

    _check(name, impl, bits)
    base = module_class(name)
    spec = base.spec
    bound = spec.bind(**params)
    module = _kernel_class(base, impl)(num_parameters=num_parameters, **params)
    module.impl = impl
    module.bits = (DEFAULT_BITS if bits is None else bits) if impl == "fewbit" else None
    module._kernel_fn = _kernel_for_bound(spec.name, impl, module.bits, bound)
    return module


_KERNEL_CLASSES: dict[tuple[type, str], type] = {}


def _kernel_class(base: type, impl: str) -> type:
    key = (base, impl)
    if key not in _KERNEL_CLASSES:

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self._kernel_fn(x)

        def extra_repr(self) -> str:
            own = base.extra_repr(self)
            tail = f"impl={self.impl!r}" + (f", bits={self.bits}" if self.bits is not None else "")
            return f"{own}, {tail}" if own else tail

        cls = type(
            base.__name__,
            (base,),
            {"forward": forward, "extra_repr": extra_repr, "__doc__": base.__doc__},
        )
        cls.__module__ = "actlab.modules"
        _KERNEL_CLASSES[key] = cls
    return _KERNEL_CLASSES[key]
