"""`actlab search export`'s ref_d1 (SymPy's derivative as NumPy code) is finite at ±1e4 and
equals the module's autograd derivative there, for σ products and clamped exp/sinh/cosh."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy
import scipy.special
import torch

import actlab
from actlab.catalog import INF, REALS, SMOOTH, ActivationSpec, Interval, Param, Properties
from actlab.expr import canonical_tree
from actlab.expr.symbolic import numpy_code, to_sympy
from actlab.search.export import entry

PROBES = np.array([-1e4, -1e3, -35.0, -1.0, -1e-8, 0.0137, 1e-8, 2.5, 29.0, 35.0, 1e3, 1e4])
EXPRESSIONS = [
    "x*sigmoid(beta*x)",
    "-x*sigmoid(x)",
    "x*sigmoid(-x)",
    "beta*x*sigmoid(beta2 + x)",
    "-x*sigmoid(sinh(x))",
    "softplus(x)*sigmoid(-x)",
    "exp(x)*sigmoid(x)",
    "x*sigmoid(exp(-x))",
    "sin(x)*sigmoid(sigmoid(x))",
    "cosh(x)/(x + 2)",
]


def _autograd_d1(text: str, x: np.ndarray, params: dict[str, float]) -> np.ndarray:
    module = actlab.make("expr:" + text, learnable=False, **params).double()
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (d1,) = torch.autograd.grad(module(t).sum(), t)
    return d1.numpy()


def _names(text: str) -> list[str]:
    return sorted({w for w in text.replace("(", " ").replace("*", " ").replace("+", " ").split()
                   if w.startswith("beta")})  # fmt: skip


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_derivative_code_is_finite_at_1e4_and_equals_autograd(text):
    tree, _ = canonical_tree(text)
    params = dict.fromkeys(_names(text), 1.25)  # exact in float32, as the module keeps it
    code = numpy_code(tree, derivative=True)
    d1 = eval(f"lambda x, **p: {code}".replace("**p", ", ".join(params) or "**_"),  # noqa: S307
              {"numpy": np, "scipy": scipy})(PROBES, **params)  # fmt: skip
    assert np.all(np.isfinite(d1)), (text, code, d1)
    np.testing.assert_allclose(d1, _autograd_d1(text, PROBES, params), rtol=1e-9, atol=1e-12)


def test_the_written_out_sigmoid_formula_is_what_overflowed():
    """The other way: SymPy's derivative of the plain formula 1/(1 + e^-x) is NaN at -1e4."""
    import sympy as sp

    tree, _ = canonical_tree("x*sigmoid(x)")
    f, x, _ = to_sympy(tree)
    plain = sp.lambdify(x, sp.diff(f, x), "numpy")
    with np.errstate(all="ignore"):
        assert math.isnan(float(plain(np.float64(-1e4))))
    stable = numpy_code(tree, derivative=True)
    assert "logaddexp" in stable and "exp(-x)" not in stable


def test_exported_entry_of_a_sigmoid_product_passes_the_probes():
    row = {"rank": 1, "expression": "expr:-x*sigmoid(beta*x)", "fitness": 0.64,
           "fitness_stage": "final", "learned": {"beta": 1.22}, "family": "swish-like"}  # fmt: skip
    made: list = []
    namespace = {"math": math, "numpy": np, "np": np, "scipy": scipy, "torch": torch,
                 "register": made.append, "INF": INF, "REALS": REALS, "SMOOTH": SMOOTH,
                 "ActivationSpec": ActivationSpec, "Interval": Interval, "Param": Param,
                 "Properties": Properties}  # fmt: skip
    exec(compile(entry(row, 3927, "core1, mnist1d/mlp"), "export", "exec"), namespace)  # noqa: S102
    (spec,) = made
    params = {p.name: p.default for p in spec.params}
    assert params == {"beta": 1.22}
    t = torch.tensor(PROBES, dtype=torch.float64, requires_grad=True)
    (d1,) = torch.autograd.grad(spec.fn(t, **params).sum(), t)
    ref_d1 = spec.ref_d1(PROBES, **params)
    assert np.all(np.isfinite(ref_d1))
    np.testing.assert_allclose(ref_d1, d1.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(spec.ref(PROBES, **params), spec.fn(t, **params).detach().numpy(),
                               rtol=1e-12, atol=1e-12)  # fmt: skip
