"""The functions of the expression language, each in three forms that agree: torch (what the
module computes), NumPy float64 (the reference) and SymPy (formulas and derivatives).

Every torch form is safe for training: finite for every finite input, and no NaN gradient
from a branch that is not taken (the double-`where` of the catalogue). Where the plain
mathematical function would overflow or divide by zero, the safe form differs, and the NumPy
form computes the same safe value, so a reference check compares like with like:

- ``exp`` clamps its argument at CLAMP above, ``sinh`` and ``cosh`` to [-CLAMP, CLAMP]
  (gradient 0 beyond);
- ``log(u)`` is ln(|u| + EPS), as in Ramachandran et al.'s operator set;
- ``a/b`` divides by b moved away from zero: b, or ±EPS where |b| < EPS (sign kept, +EPS at 0);
- ``sqrt(u)`` is √max(u, 0), with gradient 0 for u ≤ 0;
- ``sinc(u)`` = sin(u)/u is its Taylor series 1 − u²/6 + u⁴/120 for |u| < 1e-2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

CLAMP = 30.0  # exp(30) ≈ 1.1e13: far below float32's 3.4e38, so sums of a few stay finite
EPS = 1e-6  # the ε of log(|u| + ε) and of the safe division
_SINC_TAYLOR = 1e-2  # below this |u| the Taylor series is exact to float64 rounding


def _where_safe(mask: torch.Tensor, u: torch.Tensor, fill: float) -> torch.Tensor:
    """u where `mask`, else `fill`: the inner half of the double-where."""
    return torch.where(mask, u, torch.full_like(u, fill))


def _sqrt(u: torch.Tensor) -> torch.Tensor:
    positive = u > 0
    return torch.where(positive, torch.sqrt(_where_safe(positive, u, 1.0)), torch.zeros_like(u))


def _log(u: torch.Tensor) -> torch.Tensor:
    return torch.log(u.abs() + EPS)


def _clamped(fn: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[torch.Tensor], torch.Tensor]:
    return lambda u: fn(u.clamp(-CLAMP, CLAMP))


def _sinc(u: torch.Tensor) -> torch.Tensor:
    small = u.abs() < _SINC_TAYLOR
    safe = _where_safe(~small, u, 1.0)
    u2 = u * u
    return torch.where(small, 1.0 - u2 / 6.0 + u2 * u2 / 120.0, torch.sin(safe) / safe)


def safe_div(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a / b with b kept at least EPS away from 0 (its sign kept; +EPS at exactly 0)."""
    tiny = b.abs() < EPS
    away = torch.where(b < 0, torch.full_like(b, -EPS), torch.full_like(b, EPS))
    return a / torch.where(tiny, away, b)


def np_safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    b = np.asarray(b, dtype=np.float64)
    away = np.where(b < 0, -EPS, EPS)
    return np.asarray(a) / np.where(np.abs(b) < EPS, away, b)


def _np_sinc(u: np.ndarray) -> np.ndarray:
    u = np.asarray(u, dtype=np.float64)
    small = np.abs(u) < _SINC_TAYLOR
    safe = np.where(small, 1.0, u)
    return np.where(small, 1.0 - u**2 / 6.0 + u**4 / 120.0, np.sin(safe) / safe)


def _np_sigmoid(u: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -np.asarray(u, dtype=np.float64)))


def _np_erf(u: np.ndarray) -> np.ndarray:
    from scipy import special

    return special.erf(u)


@dataclass(frozen=True)
class Function:
    """One unary function: its forms, its symmetry and whether it has a kink.

    `parity` is "odd" (f(-u) = -f(u)), "even" (f(-u) = f(u)) or None; the canonical form
    uses it to move a minus sign out of the argument. `kinked` functions (abs, relu, sqrt,
    log) have a derivative that jumps, so expressions using them are only C^0.
    """

    name: str
    torch_fn: Callable[[torch.Tensor], torch.Tensor]
    numpy_fn: Callable[[np.ndarray], np.ndarray]
    sympy_fn: Callable[[Any], Any]
    text: str
    parity: str | None = None
    kinked: bool = False


def _sympy(name: str) -> Callable[[Any], Any]:
    """The SymPy form of `name`, built on first use (SymPy is imported only by show/export)."""

    def build(u: Any) -> Any:
        import sympy as sp

        forms = {
            "abs": sp.Abs,
            "sqrt": lambda v: sp.sqrt(sp.Max(v, 0)),
            "log": lambda v: sp.log(sp.Abs(v) + sp.Float(EPS)),
            "exp": sp.exp,
            "sin": sp.sin,
            "cos": sp.cos,
            "sinh": sp.sinh,
            "cosh": sp.cosh,
            "tanh": sp.tanh,
            "asinh": sp.asinh,
            "atan": sp.atan,
            "sinc": sp.sinc,
            "relu": lambda v: sp.Max(v, 0),
            "sigmoid": lambda v: 1 / (1 + sp.exp(-v)),
            "softplus": lambda v: sp.log(1 + sp.exp(v)),
            "erf": sp.erf,
        }
        return forms[name](u)

    return build


_TABLE = (
    Function("abs", torch.abs, np.abs, _sympy("abs"), "|u|", "even", kinked=True),
    Function(
        "sqrt",
        _sqrt,
        lambda u: np.sqrt(np.maximum(u, 0.0)),
        _sympy("sqrt"),
        "√u for u ≥ 0, 0 below",
        kinked=True,
    ),
    Function("log", _log, lambda u: np.log(np.abs(u) + EPS), _sympy("log"), "ln(|u| + ε)", "even", kinked=True),
    Function("exp", lambda u: torch.exp(u.clamp(max=CLAMP)), lambda u: np.exp(np.minimum(u, CLAMP)), _sympy("exp"), "e^u (argument clamped at 30)"),
    Function("sin", torch.sin, np.sin, _sympy("sin"), "sin u", "odd"),
    Function("cos", torch.cos, np.cos, _sympy("cos"), "cos u", "even"),
    Function("sinh", _clamped(torch.sinh), lambda u: np.sinh(np.clip(u, -CLAMP, CLAMP)), _sympy("sinh"), "sinh u (argument clamped to ±30)", "odd"),
    Function("cosh", _clamped(torch.cosh), lambda u: np.cosh(np.clip(u, -CLAMP, CLAMP)), _sympy("cosh"), "cosh u (argument clamped to ±30)", "even"),
    Function("tanh", torch.tanh, np.tanh, _sympy("tanh"), "tanh u", "odd"),
    Function("asinh", torch.asinh, np.arcsinh, _sympy("asinh"), "sinh⁻¹ u", "odd"),
    Function("atan", torch.atan, np.arctan, _sympy("atan"), "tan⁻¹ u", "odd"),
    Function("sinc", _sinc, _np_sinc, _sympy("sinc"), "sin(u)/u, 1 at 0", "even"),
    Function("relu", torch.relu, lambda u: np.maximum(u, 0.0), _sympy("relu"), "max(u, 0)", kinked=True),
    Function("sigmoid", torch.sigmoid, _np_sigmoid, _sympy("sigmoid"), "σ(u) = 1/(1 + e^−u)"),
    Function("softplus", F.softplus, lambda u: np.logaddexp(0.0, u), _sympy("softplus"), "ln(1 + e^u)"),
    Function("erf", torch.erf, _np_erf, _sympy("erf"), "erf u", "odd"),
)  # fmt: skip
FUNCTIONS: dict[str, Function] = {f.name: f for f in _TABLE}
# Other spellings accepted when parsing; the canonical form uses the names above.
ALIASES = {"arcsinh": "asinh", "arctan": "atan", "sigma": "sigmoid", "fabs": "abs", "ln": "log"}
