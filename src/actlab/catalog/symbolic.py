"""Float64 references derived from one symbolic expression per entry.

An entry may give `sym="x*sigmoid(x)"` instead of a hand-written NumPy `ref` and `ref_d1`:
SymPy parses the expression once (on first use, so importing actlab does not import SymPy),
differentiates it exactly, and `lambdify` turns f and f' into NumPy/SciPy functions. The torch
form stays hand-written and numerically stable, so the generated tests compare two independent
paths: the torch code (and its autograd derivative) against SymPy's expression and SymPy's
derivative. A third path checks the second: `Symbolic.mp_value` evaluates the same expression in
mpmath at 40 digits (tests/catalog/test_symbolic.py).

The expression language is SymPy's, in `x` and the entry's parameter names, plus stable building
blocks whose NumPy forms do not overflow or cancel where the textbook formula would:

    sigmoid(z)   1/(1 + e^-z)          scipy.special.expit; d/dz = sigmoid(z) sigmoid(-z)
    softplus(z)  ln(1 + e^z)           logaddexp(0, z);     d/dz = sigmoid(z)
    Phi(z)       standard normal CDF   scipy.special.ndtr;  d/dz = e^(-z^2/2)/sqrt(2 pi)
    sinc(z)      sin(z)/z, 1 at 0      numpy.sinc(z/pi);    d/dz = sinc_d1(z) (series near 0)
    sech(z), expm1(z), log1p(z)        as their names say

Kinks are written with `Piecewise((a, cond), (b, True))`; SymPy differentiates each piece and
keeps its condition, so the branch that holds at a kink gives f' there, which is how the entry
states its convention (`kink_derivative`). Write `Piecewise` rather than Abs/Max/Min (whose
derivatives at the kink are conventions SymPy chooses).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import special

_LOCK = threading.Lock()


def _sinc_d1_numpy(z: np.ndarray) -> np.ndarray:
    """d/dz sin(z)/z = (cos z - sin(z)/z)/z, by its Taylor series where that cancels."""
    z = np.asarray(z, dtype=np.float64)
    near = np.abs(z) < 0.5
    zz = z * z
    # sum_{k>=1} (-1)^k 2k z^(2k-1) / (2k+1)!, to z^15 (next term < 1e-20 at |z| = 0.5)
    series = np.zeros_like(z)
    for k in range(8, 0, -1):
        series = series * zz + (-1) ** k * 2 * k / math.factorial(2 * k + 1)
    series = series * z
    with np.errstate(all="ignore"):
        direct = (np.cos(z) - np.sin(z) / z) / z
    return np.where(near, series, direct)


_NUMPY: dict[str, Callable[..., Any]] = {
    "sigmoid": special.expit,
    "softplus": lambda z: np.logaddexp(0.0, z),
    "Phi": special.ndtr,
    "usinc": lambda z: np.sinc(np.asarray(z, dtype=np.float64) / np.pi),
    "usinc_d1": _sinc_d1_numpy,
    "sech": lambda z: 1.0 / np.cosh(z),
}


def _mp_functions() -> dict[str, Callable[..., Any]]:
    import mpmath

    def sinc_d1(z):
        return mpmath.mpf(0) if z == 0 else (mpmath.cos(z) - mpmath.sin(z) / z) / z

    return {
        "sigmoid": lambda z: 1 / (1 + mpmath.exp(-z)),
        "softplus": lambda z: mpmath.log1p(mpmath.exp(z)),
        "Phi": mpmath.ncdf,
        "usinc": mpmath.sinc,
        "usinc_d1": sinc_d1,
        "sech": mpmath.sech,
    }


_FUNCTIONS: dict[str, Any] | None = None


def _functions() -> dict[str, Any]:
    """The SymPy function classes of the building blocks (created once, on first use)."""
    global _FUNCTIONS
    if _FUNCTIONS is not None:
        return _FUNCTIONS
    import sympy as sp
    from sympy.codegen.cfunctions import expm1, log1p

    class sigmoid(sp.Function):  # noqa: N801 - the name the expressions use
        def fdiff(self, argindex=1):
            z = self.args[0]
            return sigmoid(z) * sigmoid(-z)

    class softplus(sp.Function):  # noqa: N801
        def fdiff(self, argindex=1):
            return sigmoid(self.args[0])

    class Phi(sp.Function):
        def fdiff(self, argindex=1):
            z = self.args[0]
            return sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)

    # Named usinc, not sinc: printers know SymPy's own sinc and would rewrite it for NumPy's
    # normalised np.sinc(x/pi); the expressions still write sinc(z).
    class usinc_d1(sp.Function):  # noqa: N801
        pass  # only ever evaluated, never differentiated again

    class usinc(sp.Function):  # noqa: N801
        def fdiff(self, argindex=1):
            return usinc_d1(self.args[0])

    _FUNCTIONS = {
        "sigmoid": sigmoid,
        "softplus": softplus,
        "Phi": Phi,
        "sinc": usinc,
        "sech": sp.sech,
        "expm1": expm1,
        "log1p": log1p,
    }
    return _FUNCTIONS


class Symbolic:
    """f and f' of one expression in `x` and the parameters `params`, compiled on first use.

    `ref(x, **params)` and `ref_d1(x, **params)` take a float64 array and the entry's parameters
    (ones the expression does not use, such as `dim`, are ignored) and return float64 arrays of
    x's shape; overflow in a branch that `Piecewise` does not select is harmless and silent.
    """

    def __init__(self, text: str, params: Sequence[str] = ()) -> None:
        if not text.strip():
            raise ValueError("a symbolic reference needs an expression")
        self.text = text
        self.params = tuple(params)
        self._compiled: tuple[Any, ...] | None = None

    def __repr__(self) -> str:
        return f"Symbolic({self.text!r})"

    # -- SymPy ----------------------------------------------------------------------------
    def _build(self) -> tuple[Any, ...]:
        with _LOCK:
            if self._compiled is None:
                import sympy as sp

                x = sp.Symbol("x", real=True)
                symbols = [sp.Symbol(name, real=True) for name in self.params]
                local = {"x": x, **_functions(), **dict(zip(self.params, symbols, strict=True))}
                try:
                    expr = sp.parse_expr(self.text, local_dict=local)
                except (SyntaxError, TypeError, sp.SympifyError) as err:
                    raise ValueError(f"cannot parse the expression {self.text!r}: {err}") from None
                unknown = expr.free_symbols - {x, *symbols}
                if unknown:
                    names = ", ".join(sorted(str(s) for s in unknown))
                    raise ValueError(
                        f"the expression {self.text!r} uses {names}, which is neither x nor a "
                        f"parameter ({', '.join(self.params) or 'none'})"
                    )
                d1 = sp.diff(expr, x)
                modules = [_NUMPY, "scipy", "numpy"]
                args = [x, *symbols]
                self._compiled = (
                    expr,
                    d1,
                    sp.lambdify(args, expr, modules=modules),
                    sp.lambdify(args, d1, modules=modules),
                    args,
                )
        return self._compiled

    @property
    def expression(self) -> Any:
        """The SymPy expression of f."""
        return self._build()[0]

    @property
    def derivative(self) -> Any:
        """The SymPy expression of f', as SymPy differentiated it."""
        return self._build()[1]

    def _values(self, params: dict[str, Any]) -> list[float]:
        missing = [p for p in self.params if p not in params]
        if missing:
            raise TypeError(f"{self!r} needs the parameter(s) {', '.join(missing)}")
        return [float(params[p]) for p in self.params]

    def _evaluate(self, fn: Callable[..., Any], x: np.ndarray, params: dict[str, Any]):
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(all="ignore"):
            y = fn(x, *self._values(params))
        return np.array(np.broadcast_to(np.asarray(y, dtype=np.float64), x.shape))

    def ref(self, x: np.ndarray, **params: Any) -> np.ndarray:
        """f(x) in float64."""
        return self._evaluate(self._build()[2], x, params)

    def ref_d1(self, x: np.ndarray, **params: Any) -> np.ndarray:
        """f'(x) in float64, from SymPy's derivative."""
        return self._evaluate(self._build()[3], x, params)

    # -- mpmath (the high-precision check of the float64 path) ------------------------------
    def mp_value(self, x: float, params: dict[str, Any], derivative: bool = False, dps: int = 40):
        """f(x) (or f'(x)) at `dps` digits with mpmath, as an mpmath number."""
        import mpmath
        import sympy as sp

        expr, d1, _, _, args = self._build()
        fn = sp.lambdify(args, d1 if derivative else expr, modules=[_mp_functions(), "mpmath"])
        with mpmath.workdps(dps):
            values = [mpmath.mpf(v) for v in self._values(params)]
            return fn(mpmath.mpf(x), *values)
