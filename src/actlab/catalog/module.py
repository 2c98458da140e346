"""`nn.Module` forms of catalogue entries: one real class per entry, made from the spec table.

Each class is created once from its spec (never written by hand) and lives, for pickle,
`torch.save` and IDEs, in `actlab.modules`: `from actlab.modules import GELU, Serf`. Names
follow PyTorch where torch has the activation (`GELU`, `LeakyReLU`, `ReLU6`, `PReLU`,
`LogSoftmax`, ...), else the CamelCase of the entry's name, or the spec's `class_name`.
Constructors have the spec's real signature (`inspect.signature(GELU)` shows
`approximate='none'`); the docstring carries the formulas, ranges, Shape and a run example.

A module holds only its parameters: fixed ones, checked once (`module.fixed`, also readable and
settable as attributes, `module.negative_slope`), and learnable ones as `nn.Parameter`s of
shape `(num_parameters,)` (one per channel when `num_parameters > 1`, as `nn.PReLU`) or
`(num_parameters, K)` for coefficient vectors. `catalog.make` builds these native modules only;
`actlab.make(name, impl=...)` (in `actlab.factory`) also builds the kernel variants.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from typing import Any, ClassVar

import torch
from torch import nn

from actlab.catalog.docstrings import module_doc
from actlab.catalog.registry import get
from actlab.catalog.spec import ActivationSpec

MODULE_PATH = "actlab.modules"  # where the classes are published (and found by pickle)

# PyTorch's spelling of its own activation classes, by lower-case name without underscores:
# "leakyrelu" -> "LeakyReLU". An entry whose name matches takes torch's spelling.
TORCH_SPELLINGS = {
    name.lower(): name for name in (*torch.nn.modules.activation.__all__, "Identity")
}

_CLASSES: dict[str, type[Activation]] = {}


def class_name(spec: ActivationSpec) -> str:
    """The class name of an entry: `spec.class_name`, else PyTorch's spelling where torch has
    the activation (`leaky_relu` -> `LeakyReLU`), else the CamelCase of the name
    (`bent_identity` -> `BentIdentity`)."""
    if spec.class_name:
        return spec.class_name
    torch_name = TORCH_SPELLINGS.get(spec.name.replace("_", ""))
    if torch_name is not None:
        return torch_name
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"_+", spec.name))


class _LazyDoc(type):
    """Metaclass whose `__doc__` is built on first read: the Examples block runs the module,
    which must not happen at import (the rational entry fits its coefficients)."""

    @property
    def __doc__(cls) -> str | None:  # type: ignore[override]
        doc = cls.__dict__.get("_doc")
        if callable(doc):
            doc = doc()
            type.__setattr__(cls, "_doc", doc)
        return doc if doc is not None else cls.__dict__.get("__doc__")


class Activation(nn.Module, metaclass=_LazyDoc):
    """The base of every catalogue module class: parameters from the spec, forward = the
    spec's torch form. Subclasses are generated, one per entry (see `module_class`)."""

    spec: ClassVar[ActivationSpec]
    _init_names: ClassVar[tuple[str, ...]] = ()  # the constructor's parameters, in order
    _extra_names: ClassVar[tuple[str, ...]] = ()  # constructor options that are not spec params

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        spec, cls = self.spec, type(self).__name__
        if len(args) > len(self._init_names):
            raise TypeError(
                f"{cls}() takes at most {len(self._init_names)} positional arguments "
                f"({len(args)} given)"
            )
        for name, value in zip(self._init_names, args, strict=False):
            if name in kwargs:
                raise TypeError(f"{cls}() got multiple values for argument {name!r}")
            kwargs[name] = value
        extra = {k: kwargs.pop(k) for k in self._extra_names if k in kwargs}
        num_parameters = kwargs.pop("num_parameters", None)
        if num_parameters is not None and not spec.learnable:
            raise TypeError(
                f"{spec.name} has no learnable parameter; num_parameters does not apply"
            )
        if num_parameters is not None and (
            isinstance(num_parameters, bool)
            or not isinstance(num_parameters, int)
            or num_parameters < 1
        ):
            raise ValueError(
                f"{spec.name}: num_parameters must be an integer >= 1; got {num_parameters!r}"
            )
        bound = spec.bind(**kwargs)
        self.num_parameters = num_parameters or 1
        self.fixed = {p.name: bound[p.name] for p in spec.params if not p.learnable}
        for p in spec.learnable:
            value = torch.as_tensor(bound[p.name], dtype=torch.get_default_dtype())
            # A vector param (coefficients) gets one row per channel: (num_parameters, K).
            shape = (self.num_parameters, *value.shape) if p.vector else (self.num_parameters,)
            self.register_parameter(
                p.name,
                nn.Parameter(value.expand(shape).clone(memory_format=torch.contiguous_format)),
            )
        self._setup(**extra)

    def _setup(self) -> None:
        """Hook for subclasses with constructor options of their own (the kernel variants'
        `bits`), called once the parameters are in place."""

    # -- fixed parameters as attributes, like torch's `nn.LeakyReLU().negative_slope` ----------
    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            fixed = self.__dict__.get("fixed")
            if fixed is not None and name in fixed:
                return fixed[name]
            raise

    def __setattr__(self, name: str, value: Any) -> None:
        fixed = self.__dict__.get("fixed")
        if fixed is not None and name in fixed:
            self.set_fixed(**{name: value})
        else:
            super().__setattr__(name, value)

    def set_fixed(self, **changes: Any) -> None:
        """Change fixed parameters, checked as the constructor checks them."""
        learnable = {p.name for p in self.spec.learnable}
        bad = sorted(set(changes) & learnable)
        if bad:
            raise TypeError(f"{self.spec.name}: {bad[0]!r} is learnable; change the nn.Parameter")
        bound = self.spec.bind(**{**self.fixed, **changes})
        self.__dict__["fixed"] = {k: v for k, v in bound.items() if k not in learnable}
        self._fixed_changed()

    def _fixed_changed(self) -> None:
        """Hook for subclasses that derive state from the fixed parameters (kernel variants)."""

    # -- evaluation ---------------------------------------------------------------------------
    def params(self) -> dict[str, Any]:
        """Every parameter as the spec's function takes it: fixed values and live tensors."""
        params = dict(self.fixed)
        for p in self.spec.learnable:
            params[p.name] = getattr(self, p.name)
        if self.spec.stochastic:
            params["training"] = self.training
        return params

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.spec.apply(x, self.params())

    def extra_repr(self) -> str:
        parts = [f"num_parameters={self.num_parameters}"] if self.spec.learnable else []
        parts += [f"{k}={v!r}" for k, v in self.fixed.items()]
        parts += [f"{p.name}={_live(getattr(self, p.name))}" for p in self.spec.learnable]
        return ", ".join(parts)


def _live(value: torch.Tensor) -> str:
    """A learnable parameter's current value, short: `0.25`, `(0.1, 0.5, 2)` or a summary.

    Among a few values, one below 1e-9 of the largest shows as 0: a fit's 1e-14 residue in a
    coefficient is rounding, not information (and would differ between machines)."""
    flat = value.detach().double().flatten().tolist()
    if len(flat) == 1:
        return f"{flat[0]:.4g}"
    if len(flat) <= 4:
        scale = max(abs(v) for v in flat)
        shown = [0.0 if abs(v) < 1e-9 * scale else v for v in flat]
        return "(" + ", ".join(f"{v:.4g}" for v in shown) + ")"
    return f"<{len(flat)} values in [{min(flat):.4g}, {max(flat):.4g}]>"


def signature(spec: ActivationSpec) -> inspect.Signature:
    """The constructor signature of an entry's class: `num_parameters` first when it has
    learnable parameters (as `nn.PReLU`), then the spec's parameters with their defaults."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = []
    if spec.learnable:
        params.append(inspect.Parameter("num_parameters", kind, default=1, annotation=int))
    for p in spec.params:
        annotation: Any = Sequence[float] | None if p.vector else p.kind
        params.append(inspect.Parameter(p.name, kind, default=p.default, annotation=annotation))
    return inspect.Signature(params)


def make_class(
    spec: ActivationSpec,
    name: str,
    bases: tuple[type, ...],
    body: dict[str, Any],
    sig: inspect.Signature,
    doc,
) -> type:
    """A class published in `actlab.modules` with constructor signature `sig` and a lazily
    built docstring (`doc(cls)`); shared by the native and the kernel classes."""
    namespace = {"__module__": MODULE_PATH, "__qualname__": name, "spec": spec, **body}
    namespace["_init_names"] = tuple(sig.parameters)
    cls = _LazyDoc(name, bases, namespace)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super(cls, self).__init__(*args, **kwargs)

    __init__.__qualname__ = f"{name}.__init__"
    self_param = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    __init__.__signature__ = sig.replace(parameters=[self_param, *sig.parameters.values()])  # type: ignore[attr-defined]
    cls.__init__ = __init__  # type: ignore[misc]
    cls.__signature__ = sig  # type: ignore[attr-defined]
    type.__setattr__(cls, "_doc", lambda: doc(cls))
    return cls


def module_class(name: str) -> type[Activation]:
    """The `nn.Module` class of catalogue entry `name` (an alias works), created once."""
    spec = get(name)
    if spec.name not in _CLASSES:
        cls = make_class(
            spec,
            class_name(spec),
            (Activation,),
            {},
            signature(spec),
            module_doc,
        )
        _CLASSES[spec.name] = cls  # type: ignore[assignment]
    return _CLASSES[spec.name]


def make(name: str, num_parameters: int | None = None, **params: Any) -> Activation:
    """The native `nn.Module` for activation `name` with `params` (checked against the spec).

    Kernel variants (`impl="lean"`/`"fewbit"`) come from `actlab.make`, which sits above both
    the catalogue and the kernels.

    >>> from actlab.catalog import make
    >>> make("leaky_relu", negative_slope=0.1)
    LeakyReLU(negative_slope=0.1)
    """
    if "impl" in params or "bits" in params:
        raise TypeError(
            "actlab.catalog.make builds the native form only; use actlab.make(name, impl=..., "
            "bits=...) for the lean and fewbit kernels"
        )
    cls = module_class(name)
    if num_parameters is None:
        return cls(**params)
    return cls(num_parameters=num_parameters, **params)
