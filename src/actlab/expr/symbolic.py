"""Formulas of an expression with SymPy: LaTeX of f and f′, and NumPy/SciPy code for both.

SymPy (a dependency of torch) is imported only here, by `actlab show "expr:..."` and the
search's export. The formulas are the mathematical functions: the safe forms' clamps (exp at
±30, division away from zero) are left out, so they differ from the module only there.
"""

from __future__ import annotations

from typing import Any

from actlab.expr.functions import FUNCTIONS
from actlab.expr.tree import Node


def to_sympy(tree: Node) -> tuple[Any, Any, dict[str, Any]]:
    """(f, the symbol x, parameter symbols by name) as SymPy objects."""
    import sympy as sp

    x = sp.Symbol("x", real=True)
    symbols: dict[str, Any] = {}

    def build(node: Node) -> Any:
        kind = node.kind
        if kind == "x":
            return x
        if kind == "const":
            v = float(node.value)
            return sp.Integer(int(v)) if v.is_integer() and abs(v) < 1e15 else sp.Float(v)
        if kind == "param":
            name = str(node.value)
            symbols.setdefault(name, sp.Symbol("beta" + name[4:], real=True))
            return symbols[name]
        args = [build(c) for c in node.children]
        if kind == "neg":
            return -args[0]
        if kind == "add":
            return sp.Add(*args)
        if kind == "mul":
            return sp.Mul(*args)
        if kind == "div":
            return args[0] / args[1]
        if kind == "pow":
            return args[0] ** int(node.value)
        if kind == "fn":
            return FUNCTIONS[str(node.value)].sympy_fn(args[0])
        return (sp.Max if kind == "max" else sp.Min)(*args)

    return build(tree), x, symbols


def latex(tree: Node) -> tuple[str, str]:
    """LaTeX of f and of f′ (simplified a little)."""
    import sympy as sp

    f, x, _ = to_sympy(tree)
    d1 = sp.diff(f, x)
    return _latex(f), _latex(_tidy(d1))


def _tidy(expr: Any) -> Any:
    import sympy as sp

    try:
        simpler = sp.simplify(expr) if sp.count_ops(expr) < 40 else expr
    except Exception:  # SymPy gives up on some piecewise forms: keep the plain derivative
        return expr
    return simpler if sp.count_ops(simpler) <= sp.count_ops(expr) else expr


def _latex(expr: Any) -> str:
    import sympy as sp

    return sp.latex(expr, ln_notation=True)


def numpy_code(tree: Node, derivative: bool = False) -> str:
    """Python code of f (or f′) over `x` and the parameters, calling numpy.* and scipy.special.*."""
    import sympy as sp
    from sympy.printing.numpy import SciPyPrinter

    class Printer(SciPyPrinter):
        # SymPy prints Max/Min as functools.reduce(numpy.maximum, [...]): nest the NumPy
        # calls instead, so that the code needs numpy alone.
        def _nested(self, name: str, args: Any) -> str:
            first, *rest = (self._print(a) for a in args)
            for other in rest:
                first = f"numpy.{name}({first}, {other})"
            return first

        def _print_Max(self, expr: Any) -> str:
            return self._nested("maximum", expr.args)

        def _print_Min(self, expr: Any) -> str:
            return self._nested("minimum", expr.args)

    f, x, _ = to_sympy(tree)
    expr = _tidy(sp.diff(f, x)) if derivative else f
    return Printer({"fully_qualified_modules": True}).doprint(expr)
