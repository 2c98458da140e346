"""Which implementations exist for an entry, and building the function for one.

The kernel tables are rows, one per catalogue entry they serve: `MASK_ROWS` (lean.py),
`SMOOTH_ROWS` (derivatives.py) and `FEWBIT_KERNELS` (fewbit.py). At import each row is checked
against the registry (the entry exists, is elementwise and deterministic, has no learnable
parameter, and has every parameter the row reads, with the derivative taking exactly the
entry's parameters), and the rows are joined into `KERNEL_ROWS`, one `KernelRow` per entry.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import torch

from actlab.catalog.registry import get
from actlab.kernels.derivatives import SMOOTH_ROWS, SmoothRow
from actlab.kernels.fewbit import FEWBIT_KERNELS, fewbit_kernel
from actlab.kernels.lean import MASK_ROWS, MaskRow, lean_kernel

IMPLS = ("native", "lean", "fewbit")
DEFAULT_BITS = 3

_DESCRIPTIONS = {
    "native": "the catalogue's form (PyTorch's own kernel where one exists)",
    "lean-mask": "exact backward from a 1-bit packed mask (0.125 bytes/element kept)",
    "lean-recompute": "exact backward recomputed from the saved input alone (closed-form f')",
    "fewbit": "approximate backward from a k-bit code per element (k/8 bytes/element; "
    "Novikov et al., ICML 2023); no double backward",
}


@dataclass(frozen=True)
class KernelRow:
    """The kernels one catalogue entry has: `lean` is "mask", "recompute" or None."""

    name: str
    lean: str | None
    fewbit: bool

    @property
    def impls(self) -> list[str]:
        return ["native", *(["lean"] if self.lean else []), *(["fewbit"] if self.fewbit else [])]


class KernelTableError(ValueError):
    """A kernel row that does not match its catalogue entry."""


def _check_row(table: str, name: str, reads: tuple[str, ...] = ()) -> None:
    spec = get(name)  # an unknown name raises, listing close matches
    where = f"kernels: {table} row {name!r}"
    if spec.name != name:
        raise KernelTableError(f"{where} uses an alias; write the entry's name {spec.name!r}")
    if not spec.elementwise or spec.stochastic or spec.learnable:
        raise KernelTableError(
            f"{where}: kernels serve elementwise, deterministic entries without learnable "
            "parameters"
        )
    params = {p.name for p in spec.params}
    missing = [r for r in reads if r not in params]
    if missing:
        raise KernelTableError(f"{where} reads {missing}, which {name} does not have: {params}")


def _derivative_params(d1: Callable[..., torch.Tensor]) -> set[str]:
    return set(list(inspect.signature(d1).parameters)[1:])


def build_rows(
    mask_rows: tuple[MaskRow, ...] = MASK_ROWS,
    smooth_rows: tuple[SmoothRow, ...] = SMOOTH_ROWS,
    fewbit: tuple[str, ...] = FEWBIT_KERNELS,
) -> Mapping[str, KernelRow]:
    """The kernel tables joined into one row per entry, each row checked against the registry;
    raises KernelTableError (or UnknownActivationError) naming the row that does not fit."""
    rows: dict[str, dict[str, Any]] = {}
    for mask in mask_rows:
        reads = (*([mask.outside_slope] if mask.outside_slope else []), *mask.kernel_params)
        _check_row("mask", mask.name, reads)
        rows.setdefault(mask.name, {"lean": None, "fewbit": False})["lean"] = "mask"
    for smooth in smooth_rows:
        reads = (smooth.kernel_param,) if isinstance(smooth.kernel_param, str) else ()
        _check_row("smooth", smooth.name, reads)
        params = {p.name for p in get(smooth.name).params}
        if _derivative_params(smooth.d1) != params:
            raise KernelTableError(
                f"kernels: smooth row {smooth.name!r}: its derivative takes "
                f"{sorted(_derivative_params(smooth.d1))}, the entry has {sorted(params)}"
            )
        row = rows.setdefault(smooth.name, {"lean": None, "fewbit": False})
        if row["lean"] is not None:
            raise KernelTableError(f"kernels: {smooth.name!r} has both a mask and a smooth row")
        row["lean"] = "recompute"
    for name in fewbit:
        _check_row("fewbit", name)
        rows.setdefault(name, {"lean": None, "fewbit": False})["fewbit"] = True
    return MappingProxyType({name: KernelRow(name, **row) for name, row in rows.items()})


KERNEL_ROWS = build_rows()


def available(name: str) -> list[str]:
    """The implementations `actlab.make(name, impl=...)` accepts for entry `name`."""
    spec = get(name)
    row = KERNEL_ROWS.get(spec.name)
    return row.impls if row else ["native"]


def describe_impls(name: str) -> dict[str, str]:
    """impl -> one-line description, for `actlab show NAME` and the docs."""
    spec = get(name)
    row = KERNEL_ROWS.get(spec.name)
    out = {"native": _DESCRIPTIONS["native"]}
    if row and row.lean:
        out["lean"] = _DESCRIPTIONS[f"lean-{row.lean}"]
    if row and row.fewbit:
        out["fewbit"] = _DESCRIPTIONS["fewbit"]
    return out


def check_impl(name: str, impl: str, bits: int | None) -> None:
    """Raise ValueError unless `impl` (with `bits`) is available for entry `name`."""
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
    check_impl(name, impl, bits)
    spec = get(name)
    bound = spec.bind(**params)
    return kernel_for_bound(spec.name, impl, bits, bound)


def kernel_for_bound(name: str, impl: str, bits: int | None, bound: Mapping[str, Any]):
    """The function for already-checked `impl`, `bits` and bound parameters."""
    spec = get(name)
    if impl == "native":
        return lambda x: spec.apply(x, bound)
    if impl == "lean":
        return lean_kernel(name, bound)
    return fewbit_kernel(name, DEFAULT_BITS if bits is None else bits, bound)
