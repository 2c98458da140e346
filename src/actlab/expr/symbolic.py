"""Formulas of an expression with SymPy: LaTeX of f and f′, and NumPy/SciPy code for both.

SymPy (a dependency of torch) is imported only here, by `actlab show "expr:..."` and the
search's export. The LaTeX formulas are the mathematical functions: the safe forms' clamps
(exp at 30, division away from zero) are left out, so they differ from the module only there.
The NumPy code keeps σ and softplus whole (through numpy.logaddexp) and uses the clamped exp, sinh
and cosh, so f′ is finite at ±10⁴ and equals the module's autograd derivative there.
"""

from __future__ import annotations

from typing import Any

from actlab.expr.functions import CLAMP, FUNCTIONS
from actlab.expr.tree import Node


def _stable_functions() -> dict[str, Any]:
    """SymPy functions that stay whole under differentiation, for numerical code.

    σ′(u) = σ(u)(1 − σ(u)) and softplus′(u) = σ(u), printed as exp(−logaddexp(0, −u)) and
    logaddexp(0, u) (NumPy alone, finite and accurate in both tails): written out as 1/(1 + e^−u), SymPy's derivative of x·σ(x) holds
    x·e^−x/(1 + e^−x)², which is ∞/∞ = NaN at x = −10⁴; σ(x)(1 − σ(x))·x is 0 there. exp, sinh
    and cosh are the safe forms (argument clamped at 30, sinh and cosh at ±30), whose
    derivative is 0 beyond the clamp, as the module's autograd derivative is."""
    import sympy as sp

    class Sigmoid(sp.Function):
        nargs = 1

        def fdiff(self, argindex: int = 1) -> Any:
            return Sigmoid(self.args[0]) * (1 - Sigmoid(self.args[0]))

    class Softplus(sp.Function):
        nargs = 1

        def fdiff(self, argindex: int = 1) -> Any:
            return Sigmoid(self.args[0])

    class Inside(sp.Function):
        """1 where the safe forms' clamp lets u through (|u| ≤ 30; for exp, u ≤ 30), else 0:
        the derivative of a clamped argument. Piecewise constant, so its own derivative is 0."""

        nargs = 2  # (u, 1 for exp's one-sided clamp or 2 for sinh and cosh)

        def fdiff(self, argindex: int = 1) -> Any:
            return sp.Integer(0)

    def clamped(name: str, one_sided: bool) -> Any:
        class Clamped(sp.Function):
            nargs = 1

            def fdiff(self, argindex: int = 1) -> Any:
                u = self.args[0]
                slope = {"exp": ClampedExp, "sinh": ClampedCosh, "cosh": ClampedSinh}[name]
                return slope(u) * Inside(u, 1 if one_sided else 2)

        Clamped.__name__ = "Clamped" + name.capitalize()
        return Clamped

    ClampedExp, ClampedSinh, ClampedCosh = (
        clamped("exp", True),
        clamped("sinh", False),
        clamped("cosh", False),
    )
    return {"sigmoid": Sigmoid, "softplus": Softplus, "exp": ClampedExp, "sinh": ClampedSinh,
            "cosh": ClampedCosh, "inside": Inside}  # fmt: skip


def to_sympy(tree: Node, stable: bool = False) -> tuple[Any, Any, dict[str, Any]]:
    """(f, the symbol x, parameter symbols by name) as SymPy objects. With `stable`, σ and
    softplus are the functions of `_stable_functions` (for numerical code), else their
    formulas (for LaTeX)."""
    import sympy as sp

    stable_fns = _stable_functions() if stable else {}

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
            name = str(node.value)
            return (stable_fns.get(name) or FUNCTIONS[name].sympy_fn)(args[0])
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
    """Python code of f (or f′) over `x` and the parameters, calling numpy.* and scipy.special.*;
    σ and softplus stay whole (numpy.logaddexp), so f′ of a σ product is finite at ±10⁴, and
    exp, sinh, cosh are the module's clamped forms, with their derivative (0 past the clamp)."""
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

        def _print_Function(self, expr: Any) -> str:
            name = type(expr).__name__
            if name == "Sigmoid":
                return f"numpy.exp(-numpy.logaddexp(0, -({self._print(expr.args[0])})))"
            if name == "Softplus":
                return f"numpy.logaddexp(0, {self._print(expr.args[0])})"
            clamp = repr(CLAMP)
            if name == "ClampedExp":
                return f"numpy.exp(numpy.minimum({self._print(expr.args[0])}, {clamp}))"
            if name in ("ClampedSinh", "ClampedCosh"):
                fn = name.removeprefix("Clamped").lower()
                return f"numpy.{fn}(numpy.clip({self._print(expr.args[0])}, -{clamp}, {clamp}))"
            if name == "Inside":
                u, sides = expr.args
                shown = self._print(u) if int(sides) == 1 else f"numpy.abs({self._print(u)})"
                return f"numpy.less_equal({shown}, {clamp}).astype(float)"
            return super()._print_Function(expr)

    f, x, _ = to_sympy(tree, stable=True)
    expr = _tidy(sp.diff(f, x)) if derivative else f
    return Printer({"fully_qualified_modules": True}).doprint(expr)
