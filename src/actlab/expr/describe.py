"""What `actlab show "expr:..."` prints: the canonical name, formulas of f and f′, the
parameters, the measured facts and values at a few points (torch and autograd against an
independent float64 NumPy evaluation and a central difference)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from actlab.expr.facts import curve, measure
from actlab.expr.functions import FUNCTIONS, np_safe_div
from actlab.expr.module import PREFIX, Expression
from actlab.expr.tree import Node

POINTS = (-3.0, -1.0, 0.0, 1.0, 3.0)


def evaluate_numpy(node: Node, x: np.ndarray, values: Mapping[str, float]) -> np.ndarray:
    """The tree at `x` in float64 NumPy (the reference the torch form is checked against)."""
    kind = node.kind
    x = np.asarray(x, dtype=np.float64)
    if kind == "x":
        return x
    if kind == "const":
        return np.full_like(x, float(node.value))
    if kind == "param":
        return np.full_like(x, float(values[str(node.value)]))
    args = [evaluate_numpy(c, x, values) for c in node.children]
    if kind == "neg":
        return -args[0]
    if kind == "add":
        return np.sum(args, axis=0)
    if kind == "mul":
        return np.prod(args, axis=0)
    if kind == "div":
        return np_safe_div(args[0], args[1])
    if kind == "pow":
        return args[0] ** int(node.value)
    if kind == "fn":
        return FUNCTIONS[str(node.value)].numpy_fn(args[0])
    return (np.max if kind == "max" else np.min)(args, axis=0)


def describe(text: str, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A JSON-ready record of the expression `text` with parameters at `values`."""
    from actlab.expr.symbolic import latex

    module = Expression(text, **dict(values or {}))
    params = {n: float(v) for n, v in module.values().items()}  # type: ignore[arg-type]
    facts = measure(module.tree, params)
    formula, formula_d1 = latex(module.tree)
    x = np.array(POINTS)
    f, d1 = curve(module.tree, x, params)
    h = 1e-6
    central = (
        evaluate_numpy(module.tree, x + h, params) - evaluate_numpy(module.tree, x - h, params)
    ) / (2 * h)
    rows = [
        {"x": float(a), "f": float(b), "f_ref": float(c), "d1": float(d), "d1_central": float(e)}
        for a, b, c, d, e in zip(
            x, f, evaluate_numpy(module.tree, x, params), d1, central, strict=True
        )
    ]
    return {
        "name": PREFIX + module.expression,
        "expression": module.expression,
        "params": params,
        "learnable": bool(module.names),
        "formula": formula,
        "formula_d1": formula_d1,
        "facts": facts.to_dict(),
        "values": rows,
    }
