"""`actlab.make`: an entry's name and an implementation in, an `nn.Module` out.

It sits above both the catalogue (`catalog.make` builds the native modules) and the kernels
(`kernels.modules` builds the lean and few-bit ones), so neither of those imports the other's
layer above it.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from actlab.catalog import Activation, module_class
from actlab.catalog import make as make_native
from actlab.expr import Expression, is_expression
from actlab.kernels.modules import kernel_class, make_module
from actlab.kernels.select import check_impl


def make(
    name: str,
    num_parameters: int | None = None,
    impl: str = "native",
    bits: int | None = None,
    **params: Any,
) -> Activation | Expression:
    """Build the `nn.Module` for activation `name` with `params` (checked against the spec).

    `name` may also be an expression over x, ``"expr:x*sigmoid(beta*x)"`` (`actlab.expr`):
    `params` then give the parameters' initial values (``beta=1.0``) and ``learnable=False``
    fixes them.

    `impl` picks the autograd implementation: "native" (the catalogue's form), "lean" (exact,
    keeps a 1-bit mask or only the input for the backward) or "fewbit" (approximate backward
    from `bits`-bit codes, default 3); `actlab.kernels.available(name)` lists those on offer.
    `num_parameters=C` learns one value of each learnable parameter per channel.

    >>> import actlab
    >>> actlab.make("leaky_relu", negative_slope=0.1)
    LeakyReLU(negative_slope=0.1)
    >>> actlab.make("gelu", impl="fewbit", bits=2)
    FewBitGELU(approximate='none', impl='fewbit', bits=2)
    >>> actlab.make("expr:sigmoid(beta*x)*x", beta=1.5)
    Expression('x*sigmoid(beta*x)', beta=1.5)
    """
    if is_expression(name):
        if impl != "native" or bits is not None:
            raise ValueError(
                f"{name}: an expression activation has the native implementation only "
                "(autograd's derivative); leave impl and bits out"
            )
        return Expression(name, num_parameters, **params)
    if impl == "native" and bits is None:
        return make_native(name, num_parameters, **params)
    check_impl(name, impl, bits)
    if impl == "native":  # bits given with the native impl: check_impl has refused it
        raise AssertionError("unreachable")
    return make_module(name, impl, bits, num_parameters, **params)


def module_for(name: str, impl: str = "native") -> type[nn.Module]:
    """The class `actlab.make(name, impl=impl)` instantiates."""
    if is_expression(name) and impl == "native":
        return Expression
    check_impl(name, impl, None)
    return module_class(name) if impl == "native" else kernel_class(name, impl)
