"""`nn.Module` forms of catalogue entries: thin wrappers that hold parameters only."""

from __future__ import annotations

import re
from typing import Any

import torch
from torch import nn

from actlab.catalog.registry import get
from actlab.catalog.spec import ActivationSpec

_CLASSES: dict[str, type[Activation]] = {}


def class_name(spec_name: str) -> str:
    """`leaky_relu` -> `LeakyRelu`; the generated module class for a spec."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"_+", spec_name))


class Activation(nn.Module):
    """An activation module built from a spec.

    Fixed parameters are validated once here; learnable ones become `nn.Parameter`s of shape
    `(num_parameters,)`, one value per channel (dim 1) when `num_parameters > 1`, as in
    `nn.PReLU`.
    """

    spec: ActivationSpec

    def __init__(self, num_parameters: int | None = None, **params: Any) -> None:
        super().__init__()
        spec = self.spec
        bound = spec.bind(**params)
        if num_parameters is not None:
            if not spec.learnable:
                raise TypeError(
                    f"{spec.name} has no learnable parameter; num_parameters does not apply"
                )
            if (
                isinstance(num_parameters, bool)
                or not isinstance(num_parameters, int)
                or num_parameters < 1
            ):
                raise ValueError(
                    f"{spec.name}: num_parameters must be an integer >= 1; got {num_parameters!r}"
                )
        self.num_parameters = num_parameters or 1
        self.fixed = {p.name: bound[p.name] for p in spec.params if not p.learnable}
        for p in spec.learnable:
            value = torch.as_tensor(bound[p.name], dtype=torch.get_default_dtype())
            # A vector param (coefficients) gets one row per channel: (num_parameters, K).
            shape = (self.num_parameters, *value.shape) if p.vector else (self.num_parameters,)
            self.register_parameter(p.name, nn.Parameter(value.expand(shape).clone()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        params = dict(self.fixed)
        for p in self.spec.learnable:
            params[p.name] = getattr(self, p.name)
        if self.spec.stochastic:
            params["training"] = self.training
        return self.spec.apply(x, params)

    def extra_repr(self) -> str:
        parts = [f"{k}={v!r}" for k, v in self.fixed.items() if k != "training"]
        if self.spec.learnable:
            parts.append(f"num_parameters={self.num_parameters}")
            parts += [
                f"{p.name}={p.default!r} (learnable)"
                if not p.vector
                else f"{p.name}=<{getattr(self, p.name).shape[-1]} values> (learnable)"
                for p in self.spec.learnable
            ]
        return ", ".join(parts)


def module_class(name: str) -> type[Activation]:
    """The `nn.Module` subclass for a catalogue entry (created once, then cached)."""
    spec = get(name)
    if spec.name not in _CLASSES:
        doc = f"{spec.summary}\n\nModule form of ``actlab.functional.{spec.name}``."
        cls = type(class_name(spec.name), (Activation,), {"spec": spec, "__doc__": doc})
        cls.__module__ = "actlab.modules"
        _CLASSES[spec.name] = cls
    return _CLASSES[spec.name]


def make(
    name: str,
    num_parameters: int | None = None,
    impl: str = "native",
    bits: int | None = None,
    **params: Any,
) -> Activation:
    """Build the `nn.Module` for activation `name` with `params` (checked against the spec).

    `impl` picks the autograd implementation: "native" (the catalogue's form), "lean" (exact,
    keeps a 1-bit mask or only the input for the backward) or "fewbit" (approximate backward
    from `bits`-bit codes, default 3); `actlab.kernels.available(name)` lists those on offer.

    >>> import actlab
    >>> actlab.make("leaky_relu", negative_slope=0.1)
    LeakyRelu(negative_slope=0.1)
    """
    if impl != "native" or bits is not None:
        from actlab.kernels import make_module

        return make_module(name, impl, bits, num_parameters, params)
    return module_class(name)(num_parameters=num_parameters, **params)
