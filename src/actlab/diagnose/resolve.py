"""Which modules are activations, and which catalogue entry (with parameters) each one computes.

Two kinds of module count as activations: actlab's own (subclasses of
`actlab.catalog.Activation`, which carry their spec) and PyTorch's activation classes, which are
mapped to their catalogue entry here, e.g. ``nn.LeakyReLU(0.2)`` -> ``leaky_relu`` with
``negative_slope=0.2``. The diagnostics take f'(z) from the catalogue's torch form of that entry,
so every activation is differentiated the same way.

``nn.Softmax``, ``nn.LogSoftmax`` and ``nn.Softmin`` are left out on purpose: they normalise
outputs (logits to probabilities) rather than act as hidden nonlinearities.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from actlab.catalog import Activation, ActivationSpec, UnknownActivationError, get

# PyTorch class -> (catalogue names to try, in order; module attributes that define the function).
# Parameter names in the catalogue follow PyTorch's, so an attribute maps to the same-named param.
TORCH_ACTIVATIONS: dict[type[nn.Module], tuple[tuple[str, ...], tuple[str, ...]]] = {
    nn.ReLU: (("relu",), ()),
    nn.ReLU6: (("relu6",), ()),
    nn.LeakyReLU: (("leaky_relu",), ("negative_slope",)),
    nn.PReLU: (("prelu",), ("weight",)),
    nn.RReLU: (("rrelu",), ("lower", "upper")),
    nn.Threshold: (("threshold",), ("threshold", "value")),
    nn.ELU: (("elu",), ("alpha",)),
    nn.SELU: (("selu",), ()),
    nn.CELU: (("celu",), ("alpha",)),
    nn.GELU: (("gelu", "gelu_tanh"), ("approximate",)),
    nn.SiLU: (("silu", "swish"), ()),
    nn.Mish: (("mish",), ()),
    nn.Softplus: (("softplus",), ("beta", "threshold")),
    nn.Sigmoid: (("sigmoid",), ()),
    nn.Tanh: (("tanh",), ()),
    nn.Hardtanh: (("hardtanh", "hard_tanh"), ("min_val", "max_val")),
    nn.Hardswish: (("hardswish", "hard_swish"), ()),
    nn.Hardsigmoid: (("hardsigmoid", "hard_sigmoid"), ()),
    nn.Softsign: (("softsign",), ()),
    nn.Tanhshrink: (("tanhshrink", "tanh_shrink"), ()),
    nn.LogSigmoid: (("log_sigmoid", "logsigmoid"), ()),
    nn.Hardshrink: (("hardshrink", "hard_shrink"), ("lambd",)),
    nn.Softshrink: (("softshrink", "soft_shrink"), ("lambd",)),
    nn.GLU: (("glu",), ("dim",)),
}

# Activation functions a model may call inside `forward` (or keep as an attribute, as
# nn.TransformerEncoderLayer keeps `self.activation = F.relu`); those calls cannot be swapped.
FUNCTIONAL_ACTIVATIONS: dict[Any, str] = {
    fn: f"{fn.__module__}.{fn.__name__}"
    for fn in (
        F.relu,
        F.relu6,
        F.leaky_relu,
        F.prelu,
        F.rrelu,
        F.elu,
        F.selu,
        F.celu,
        F.gelu,
        F.silu,
        F.mish,
        F.softplus,
        F.hardtanh,
        F.hardswish,
        F.hardsigmoid,
        F.softsign,
        F.tanhshrink,
        F.logsigmoid,
        F.hardshrink,
        F.softshrink,
        F.glu,
        F.threshold,
        torch.relu,
        torch.tanh,
        torch.sigmoid,
        torch.selu,
        torch.celu,
    )
}
FUNCTIONAL_ACTIVATIONS[F.sigmoid] = "torch.nn.functional.sigmoid"
FUNCTIONAL_ACTIVATIONS[F.tanh] = "torch.nn.functional.tanh"


@dataclass(frozen=True)
class Resolved:
    """The catalogue entry a module computes: its spec, fixed params, and learnable param names
    (read from the module at each use, since training changes them)."""

    spec: ActivationSpec
    fixed: dict[str, Any] = field(default_factory=dict)
    learnable: tuple[str, ...] = ()

    def params(self, module: nn.Module) -> dict[str, Any]:
        values = dict(self.fixed)
        for name in self.learnable:
            values[name] = getattr(module, name).detach()
        if self.spec.stochastic:
            values["training"] = False  # f' of the evaluation form (mean slope), deterministic
        return values

    def describe_params(self) -> str:
        """The fixed parameters that differ from the entry's defaults, as ``k=v, ...``."""
        defaults = self.spec.defaults
        return ", ".join(f"{k}={v!r}" for k, v in self.fixed.items() if v != defaults.get(k))


def torch_entry(module: nn.Module) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The table row for a PyTorch activation module (most specific class first: nn.ReLU6
    subclasses nn.Hardtanh), or None."""
    for cls in type(module).__mro__:
        if cls in TORCH_ACTIVATIONS:
            return TORCH_ACTIVATIONS[cls]
    return None


def is_activation(module: nn.Module) -> bool:
    return isinstance(module, Activation) or torch_entry(module) is not None


def _torch_default(module: nn.Module, attr: str) -> Any:
    for cls in type(module).__mro__:
        if cls in TORCH_ACTIVATIONS:
            param = inspect.signature(cls.__init__).parameters.get(attr)
            return None if param is None else param.default
    return None


def _match(spec: ActivationSpec, module: nn.Module, attrs: tuple[str, ...]) -> Resolved | None:
    """`spec` with the module's attributes as params, or None when an attribute the spec has
    no parameter for is set to something the spec does not compute (GELU's approximate='tanh'
    against a plain `gelu` entry without that parameter)."""
    by_name = {p.name: p for p in spec.params}
    fixed: dict[str, Any] = {}
    learnable: list[str] = []
    for attr in attrs:
        value = getattr(module, attr)
        param = by_name.get(attr)
        if param is not None and param.learnable:
            learnable.append(attr)
        elif param is not None:
            fixed[attr] = value
        elif spec.native_kwargs.get(attr, _torch_default(module, attr)) != value:
            return None  # gelu_tanh (native_kwargs approximate='tanh') only matches 'tanh'
    try:
        fixed = {k: v for k, v in spec.bind(**fixed).items() if k not in learnable}
    except (TypeError, ValueError):
        return None
    return Resolved(spec, fixed, tuple(learnable))


def resolve(module: nn.Module) -> Resolved | None:
    """The catalogue entry `module` computes, or None when it is not an activation module or
    the catalogue has no entry for its PyTorch class."""
    if isinstance(module, Activation):
        learnable = tuple(p.name for p in module.spec.learnable)
        return Resolved(module.spec, dict(module.fixed), learnable)
    entry = torch_entry(module)
    if entry is None:
        return None
    names, attrs = entry
    for name in names:
        try:
            spec = get(name)
        except UnknownActivationError:
            continue
        resolved = _match(spec, module, attrs)
        if resolved is not None:
            return resolved
    return None


def computes(module: nn.Module, spec: ActivationSpec) -> bool:
    """Whether `module` computes catalogue entry `spec` (with some parameters). Unlike
    `resolve`, which picks one entry, this accepts every entry that fits: ``nn.GELU
    (approximate='tanh')`` computes both `gelu` (approximate='tanh') and `gelu_tanh`."""
    if isinstance(module, Activation):
        return module.spec.name == spec.name
    entry = torch_entry(module)
    if entry is None:
        return False
    names, attrs = entry
    known = {get(n).name for n in names if _registered(n)}
    return spec.name in known and _match(spec, module, attrs) is not None


def _registered(name: str) -> bool:
    try:
        get(name)
    except UnknownActivationError:
        return False
    return True


def functional_attributes(model: nn.Module) -> Iterator[tuple[str, str]]:
    """(attribute path, function name) for each activation *function* stored on a module, e.g.
    ``("encoder.layers.0.activation", "torch.nn.functional.relu")``."""
    for path, module in model.named_modules():
        for attr, value in vars(module).items():
            try:
                name = FUNCTIONAL_ACTIVATIONS.get(value)
            except TypeError:  # unhashable attribute values
                continue
            if name is not None:
                yield (f"{path}.{attr}" if path else attr), name
