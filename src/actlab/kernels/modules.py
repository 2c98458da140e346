"""Importable module classes for the kernel variants: `LeanReLU`, `LeanMish`, `FewBitGELU`, ...

Each subclasses the entry's native class (so `isinstance(m, GELU)` holds), takes the same
arguments (`FewBit*` also `bits`), and lives in `actlab.modules`, so pickle, `copy.deepcopy`
and `torch.save` of a whole model work. The kernel function itself is never pickled: it is
rebuilt from the parameters when the module is loaded or copied.

While torch.export, the ONNX exporter or `torch.jit.trace` records the forward, a kernel module
computes the exact forward of its native class instead: the outputs are the same numbers, an
exported graph has no backward whose memory the kernels would save, and their autograd
Functions and C++ ops have no meaning outside this process. So a lean SiLU-like or few-bit
GELU model exports as the catalogue's plain forward.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import torch

from actlab.catalog.docstrings import kernel_doc
from actlab.catalog.entries._torch import onnx_exporting
from actlab.catalog.module import Activation, make_class, module_class, signature
from actlab.catalog.registry import get
from actlab.kernels.select import (
    DEFAULT_BITS,
    KERNEL_ROWS,
    check_impl,
    describe_impls,
    kernel_for_bound,
)

PREFIXES = {"lean": "Lean", "fewbit": "FewBit"}
_KERNEL_CLASSES: dict[tuple[str, str], type] = {}


def exporting() -> bool:
    """True while torch.export / the ONNX exporter / torch.jit.trace records a forward (and
    False under plain torch.compile, which traces the kernels as custom ops)."""
    if torch.compiler.is_compiling():
        return torch.compiler.is_exporting()
    return torch.jit.is_tracing() or onnx_exporting()


class KernelActivation(Activation):
    """The behaviour every kernel class shares; the classes themselves are generated."""

    impl_name: ClassVar[str]

    def _setup(self, bits: int | None = None) -> None:
        check_impl(self.spec.name, self.impl_name, bits)
        fewbit = self.impl_name == "fewbit"
        self.__dict__["_bits"] = (DEFAULT_BITS if bits is None else bits) if fewbit else None
        self._build()

    @property
    def impl(self) -> str:
        return self.impl_name

    @property
    def bits(self) -> int | None:
        """The few-bit code width (None for lean); fixed at construction."""
        return self.__dict__["_bits"]

    def _build(self) -> None:
        kernel = kernel_for_bound(self.spec.name, self.impl_name, self.bits, self.fixed)
        self.__dict__["_kernel"] = kernel

    def _fixed_changed(self) -> None:
        self._build()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if exporting():
            return super().forward(x)  # the exact forward, which every exporter understands
        return self.__dict__["_kernel"](x)

    def extra_repr(self) -> str:
        own = super().extra_repr()
        tail = f"impl={self.impl!r}" + (f", bits={self.bits}" if self.bits is not None else "")
        return f"{own}, {tail}" if own else tail

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_kernel", None)  # a closure over autograd Functions: rebuilt on load
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._build()


def kernel_class(name: str, impl: str) -> type[KernelActivation]:
    """The class of entry `name` computed by `impl` ("lean" or "fewbit"), created once."""
    spec = get(name)
    check_impl(spec.name, impl, None)
    if impl == "native":
        raise ValueError("impl='native' is the entry's own class: actlab.catalog.module_class")
    key = (spec.name, impl)
    if key not in _KERNEL_CLASSES:
        base = module_class(spec.name)
        sig = signature(spec)
        body: dict[str, Any] = {"impl_name": impl}
        if impl == "fewbit":
            kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
            bits = inspect.Parameter("bits", kind, default=DEFAULT_BITS, annotation=int)
            sig = sig.replace(parameters=[*sig.parameters.values(), bits])
            body["_extra_names"] = ("bits",)
        doc = describe_impls(spec.name)[impl]
        _KERNEL_CLASSES[key] = make_class(
            spec,
            PREFIXES[impl] + base.__name__,
            (KernelActivation, base),
            body,
            sig,
            lambda c, doc=doc: kernel_doc(c, doc),
        )
    return _KERNEL_CLASSES[key]  # type: ignore[return-value]


def kernel_classes() -> list[type[KernelActivation]]:
    """Every kernel class, in table order (for `actlab.modules`)."""
    return [kernel_class(row.name, impl) for row in KERNEL_ROWS.values() for impl in row.impls[1:]]


def make_module(
    name: str,
    impl: str,
    bits: int | None = None,
    num_parameters: int | None = None,
    **params: Any,
) -> KernelActivation:
    """The module of entry `name` with its forward computed by kernel `impl`."""
    check_impl(name, impl, bits)
    cls = kernel_class(name, impl)
    if num_parameters is not None:
        params["num_parameters"] = num_parameters  # refused with the reason: no learnable param
    return cls(**params) if bits is None else cls(bits=bits, **params)
