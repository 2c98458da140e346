"""Learnable activations and the helpers that go with them.

The activations themselves are catalogue entries of family "adaptive" (`actlab.make("rational",
init="gelu")`, `actlab.names("adaptive")`), built from the maths in `actlab.catalog.maths`
(rational fits, spline bases, mixtures, per-channel broadcasting). This package sits above the
catalogue and the module classes: `param_groups` keeps activation parameters out of weight
decay, and the rational fit is re-exported here for convenience.
"""

from __future__ import annotations

from collections.abc import Iterable

from torch import nn

from actlab.catalog.maths.rational import fit_rational_coefficients, rational_init
from actlab.catalog.module import Activation


def activation_parameters(model: nn.Module) -> list[nn.Parameter]:
    """Parameters owned by an actlab `Activation` or an `nn.PReLU` anywhere in `model`."""
    seen: dict[int, nn.Parameter] = {}
    for module in model.modules():
        if isinstance(module, (Activation, nn.PReLU)):
            for p in module.parameters():
                seen.setdefault(id(p), p)
    return list(seen.values())


def param_groups(model: nn.Module, weight_decay: float, **group_options) -> list[dict]:
    """Optimizer groups: every other parameter with `weight_decay`, activation parameters
    (see `activation_parameters`) with none, so decay can't drag a learned shape around.

    >>> opt = torch.optim.AdamW(actlab.param_groups(model, weight_decay=0.05), lr=1e-3)
    """
    act_ids = {id(p) for p in activation_parameters(model)}
    decay, no_decay = [], []
    for p in _unique(model.parameters()):
        if p.requires_grad:
            (no_decay if id(p) in act_ids else decay).append(p)
    return [
        {"params": decay, "weight_decay": weight_decay, **group_options},
        {"params": no_decay, "weight_decay": 0.0, **group_options},
    ]


def _unique(params: Iterable[nn.Parameter]) -> list[nn.Parameter]:
    out: dict[int, nn.Parameter] = {}
    for p in params:
        out.setdefault(id(p), p)
    return list(out.values())


__all__ = ["activation_parameters", "fit_rational_coefficients", "param_groups", "rational_init"]
