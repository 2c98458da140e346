"""Functional forms, `actlab.functional.<name>(x, **params)`, generated from the spec table.

Each function has a real signature (defaults from the spec) and a docstring made from the
spec's template (`catalog/docstrings.py`): summary, math for f and f', arguments, shape,
example and paper.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import torch

from actlab.catalog.docstrings import functional_doc
from actlab.catalog.registry import specs
from actlab.catalog.spec import ActivationSpec


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
    f.__doc__ = functional_doc(spec)
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
