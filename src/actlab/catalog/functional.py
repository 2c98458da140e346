"""Functional forms, `actlab.functional.<name>(x, **params)`, generated from the spec table.

Each function has a real signature (defaults from the spec) and a docstring made from the
spec's template: summary, math for f and f', arguments, shape, example and paper.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import torch

from actlab.catalog.registry import specs
from actlab.catalog.spec import ActivationSpec


def docstring(spec: ActivationSpec) -> str:
    lines = [
        spec.summary,
        "",
        ".. math::",
        "",
        f"    f(x) = {spec.formula}",
        "",
        ".. math::",
        "",
        f"    f'(x) = {spec.formula_d1}",
        "",
        "Args:",
        "    x: input tensor.",
    ]
    for p in spec.params:
        learn = " Learnable in the module form." if p.learnable else ""
        lines.append(
            f"    {p.name}: {p.doc or p.name} Default {p.default!r}; {p.describe_valid()}.{learn}"
        )
    if spec.stochastic:
        lines.append(
            "    training: sample random slopes (True) or use their mean (False). Default False."
        )
    shape = (
        "input (*), output (*), same shape"
        if spec.elementwise
        else "see the formula: the size of ``dim`` may change"
    )
    args = ", ".join(f"{k}={v!r}" for k, v in spec.defaults.items())
    lines += [
        "",
        "Shape:",
        f"    {shape}.",
        "",
        "Example:",
        f"    >>> actlab.functional.{spec.name}(torch.linspace(-2, 2, 4){', ' + args if args else ''})",
    ]
    if spec.paper:
        lines += ["", f"Paper: {spec.paper}"]
    if spec.notes:
        lines += ["", spec.notes]
    return "\n".join(lines)


def functional(spec: ActivationSpec) -> Callable[..., torch.Tensor]:
    def f(x: torch.Tensor, **params: Any) -> torch.Tensor:
        training = params.pop("training", False) if spec.stochastic else None
        bound = spec.bind(**params)
        if training is not None:
            bound["training"] = bool(training)
        return spec.apply(x, bound)

    kw = inspect.Parameter.KEYWORD_ONLY
    sig = [inspect.Parameter("x", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=torch.Tensor)]
    sig += [inspect.Parameter(p.name, kw, default=p.default) for p in spec.params]
    if spec.stochastic:
        sig.append(inspect.Parameter("training", kw, default=False))
    f.__signature__ = inspect.Signature(sig, return_annotation=torch.Tensor)  # type: ignore[attr-defined]
    f.__name__ = f.__qualname__ = spec.name
    f.__module__ = "actlab.functional"
    f.__doc__ = docstring(spec)
    return f


def build_all() -> dict[str, Callable[..., torch.Tensor]]:
    """One function per name and per alias."""
    out = {}
    for spec in specs():
        fn = functional(spec)
        out[spec.name] = fn
        for alias in spec.aliases:
            out[alias] = fn
    return out
