"""`Expression`: an activation module computing an expression over x, with learnable β.

`actlab.make("expr:x*sigmoid(beta*x)", beta=1.0)` builds one. Its forward evaluates the
canonical tree with the safe forms of `actlab.expr.functions` (finite for finite inputs, no
NaN gradient from an unused branch); its derivative is autograd's. Half-precision inputs are
computed in float32 and rounded once, as the catalogue's composites are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from actlab.catalog.maths.channels import scalar_along
from actlab.expr.functions import FUNCTIONS, safe_div
from actlab.expr.tree import ExpressionError, Node, canonical_tree, show

PREFIX = "expr:"
DEFAULT_VALUE = 1.0


def is_expression(name: object) -> bool:
    """Whether an activation name is an expression (``"expr:..."``)."""
    return isinstance(name, str) and name.startswith(PREFIX)


def strip_prefix(text: str) -> str:
    return text[len(PREFIX) :] if is_expression(text) else text


def evaluate(node: Node, x: torch.Tensor, values: Mapping[str, Any]) -> torch.Tensor:
    """The tree at `x`; parameters from `values` (numbers or tensors broadcasting against x)."""
    kind = node.kind
    if kind == "x":
        return x
    if kind == "const":
        return torch.full_like(x, float(node.value))
    if kind == "param":
        return torch.zeros_like(x) + values[str(node.value)]
    args = [evaluate(c, x, values) for c in node.children]
    if kind == "neg":
        return -args[0]
    if kind == "add":
        out = args[0]
        for a in args[1:]:
            out = out + a
        return out
    if kind == "mul":
        out = args[0]
        for a in args[1:]:
            out = out * a
        return out
    if kind == "div":
        return safe_div(args[0], args[1])
    if kind == "pow":
        out = args[0]
        for _ in range(int(node.value) - 1):
            out = out * args[0]
        return out
    if kind == "fn":
        return FUNCTIONS[str(node.value)].torch_fn(args[0])
    out = args[0]
    pick = torch.maximum if kind == "max" else torch.minimum
    for a in args[1:]:
        out = pick(out, a)
    return out


class Expression(nn.Module):
    """An activation given by an expression over x (see `actlab.expr.tree` for the language).

    Args:
        expression: the text, with or without the ``expr:`` prefix; kept in canonical form.
        num_parameters: None or 1 for one value of each parameter per layer, C for one per
            channel (along dim 1, as `nn.PReLU`).
        learnable: parameters (``beta``, ``beta2``, ...) are `nn.Parameter`s trained with the
            network (True, the default) or fixed numbers.
        **values: initial values of the parameters by name (default 1.0); the names of the
            text as written are accepted too.

    >>> import torch
    >>> m = Expression("sigmoid(beta*x) * x", beta=2.0)
    >>> m
    Expression('x*sigmoid(beta*x)', beta=2)
    >>> m(torch.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8808], grad_fn=<MulBackward0>)
    """

    def __init__(
        self,
        expression: str,
        num_parameters: int | None = None,
        learnable: bool = True,
        **values: Any,
    ) -> None:
        super().__init__()
        if not isinstance(learnable, bool):
            raise TypeError(f"learnable must be True or False, got {learnable!r}")
        if num_parameters is not None and (
            isinstance(num_parameters, bool) or not isinstance(num_parameters, int)
            or num_parameters < 1
        ):  # fmt: skip
            raise ValueError(f"num_parameters must be an integer >= 1; got {num_parameters!r}")
        tree, mapping = canonical_tree(strip_prefix(expression))
        names = sorted(set(mapping.values()), key=lambda n: int(n[4:] or 1))
        given = _by_canonical_name(values, mapping, show(tree))
        self.tree = tree
        self.expression = show(tree)
        self.learnable = learnable
        self.num_parameters = num_parameters or 1
        self.names = tuple(names)
        for name in names:
            value = torch.full((self.num_parameters,), given.get(name, DEFAULT_VALUE))
            if learnable:
                self.register_parameter(name, nn.Parameter(value))
            else:
                self.register_buffer(name, value)

    @property
    def name(self) -> str:
        """The activation name: ``expr:`` and the canonical text."""
        return PREFIX + self.expression

    def values(self) -> dict[str, float | list[float]]:
        """Current parameter values by name (a list when per channel)."""
        out: dict[str, float | list[float]] = {}
        for name in self.names:
            flat = getattr(self, name).detach().double().flatten().tolist()
            out[name] = flat[0] if len(flat) == 1 else flat
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        low = x.dtype in (torch.float16, torch.bfloat16)
        z = x.float() if low else x
        values = {n: scalar_along(getattr(self, n), z) for n in self.names}
        out = evaluate(self.tree, z, values)
        return out.to(x.dtype) if low else out

    def extra_repr(self) -> str:
        parts = [repr(self.expression)]
        if self.num_parameters > 1:
            parts.append(f"num_parameters={self.num_parameters}")
        if not self.learnable and self.names:
            parts.append("learnable=False")
        for name, value in self.values().items():
            parts.append(f"{name}={_short(value)}")
        return ", ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


def _short(value: float | list[float]) -> str:
    if isinstance(value, list):
        return f"<{len(value)} values in [{min(value):.4g}, {max(value):.4g}]>"
    return f"{value:.4g}"


def _by_canonical_name(
    values: Mapping[str, Any], mapping: Mapping[str, str], text: str
) -> dict[str, float]:
    """Initial values keyed by canonical names; a name of neither spelling is an error."""
    canonical_names = set(mapping.values())
    out: dict[str, float] = {}
    for key, value in values.items():
        name = key if key in canonical_names else mapping.get(key)
        if name is None:
            valid = ", ".join(sorted(canonical_names)) or "none"
            raise TypeError(
                f"expression {text!r} has no parameter {key!r}; its parameters: {valid}"
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"parameter {key!r} of {text!r} must be a number; got {value!r}")
        if not float(value) == float(value) or abs(float(value)) == float("inf"):
            raise ValueError(f"parameter {key!r} of {text!r} must be finite; got {value!r}")
        out[name] = float(value)
    return out


__all__ = ["PREFIX", "Expression", "ExpressionError", "evaluate", "is_expression"]
