"""The symbolic references (`sym=`): SymPy's float64 path checked against 40-digit mpmath.

Entries that give `sym` get `ref` and `ref_d1` from SymPy (f, and f' by exact
differentiation) lambdified to NumPy/SciPy with stable building blocks. Here that float64 path
is checked against the same expression evaluated by mpmath at 40 digits, at points from -30 to
30 (and a few far out), for every parameter set the table tests: a cancellation or an
overflow in the float64 forms would show here even where the torch form happens to share it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import actlab
from actlab.catalog.symbolic import Symbolic
from tests.catalog._helpers import EPS64, kinks_of, param_sets

SYMBOLIC = [s for s in actlab.specs() if s.sym]
POINTS = np.array(
    [-30.0, -12.5, -7.0, -3.3, -2.0, -1.1, -0.6, -0.25, -1e-3, -1e-8, 0.0, 1e-8, 1e-3, 0.3, 0.7]
    + [1.3, 2.0, 2.9, 4.4, 7.5, 11.0, 19.0, 30.0]
)


def _close(actual: float, exact, x: float, rtol: float) -> bool:
    exact = float(exact)
    if math.isnan(actual) or math.isnan(exact):
        return math.isnan(actual) and math.isnan(exact)
    tol = rtol * abs(exact) + 16 * EPS64 * (abs(x) + abs(exact)) + 1e-300
    return abs(actual - exact) <= tol


def _points(spec, params):
    gap = 1e-6
    return [x for x in POINTS if all(abs(x - k) > gap for k in kinks_of(spec, params))]


@pytest.mark.parametrize("spec", SYMBOLIC, ids=lambda s: s.name)
def test_float64_reference_matches_40_digit_evaluation(spec):
    import mpmath

    assert isinstance(spec.symbolic, Symbolic) and spec.ref == spec.symbolic.ref
    for params in param_sets(spec):
        bound = spec.bind(**params)
        xs = np.array(_points(spec, bound))
        f, d1 = spec.ref(xs, **bound), spec.ref_d1(xs, **bound)
        for x, value, slope in zip(xs, f, d1, strict=True):
            exact = spec.symbolic.mp_value(float(x), bound)
            exact_d1 = spec.symbolic.mp_value(float(x), bound, derivative=True)
            if isinstance(exact, mpmath.mpc) or isinstance(exact_d1, mpmath.mpc):
                continue  # a branch outside its real domain (never the selected one)
            assert _close(value, exact, x, 1e-12), f"{spec.name}{params}: f({x}) {value} vs {exact}"
            assert _close(slope, exact_d1, x, 1e-11), (
                f"{spec.name}{params}: f'({x}) {slope} vs {exact_d1}"
            )


def test_building_blocks_have_the_right_derivatives_and_no_overflow():
    x = np.array([-800.0, -40.0, -1.5, -1e-9, 0.0, 1e-9, 0.4, 2.0, 40.0, 800.0])
    for text in ("sigmoid(x)", "softplus(x)", "Phi(x)", "sinc(x)", "sech(x)"):
        s = Symbolic(text)
        f, d1 = s.ref(x), s.ref_d1(x)
        assert np.isfinite(f).all() and np.isfinite(d1).all(), text
        h = 1e-6
        inner = np.abs(x) < 50
        numeric = (s.ref(x + h) - s.ref(x - h)) / (2 * h)
        np.testing.assert_allclose(d1[inner], numeric[inner], rtol=1e-6, atol=1e-9, err_msg=text)
    assert Symbolic("softplus(x)").ref(np.array([800.0]))[0] == 800.0
    assert Symbolic("sinc(x)").ref(np.array([0.0]))[0] == 1.0


def test_bad_expressions_are_clear_errors():
    with pytest.raises(ValueError, match="uses y, which is neither x nor a parameter"):
        Symbolic("x + y", ("a",)).ref(np.zeros(2), a=1.0)
    with pytest.raises(ValueError, match="cannot parse"):
        Symbolic("x +* 2").ref(np.zeros(2))
    with pytest.raises(TypeError, match="needs the parameter"):
        Symbolic("a*x", ("a",)).ref(np.zeros(2))


def test_a_spec_takes_sym_or_hand_written_references_not_both():
    import torch

    from actlab.catalog import ActivationSpec, Properties

    common = dict(
        name="probe",
        family="linear",
        summary="s",
        fn=lambda x: x,
        formula="x",
        formula_d1="1",
        properties=Properties(True, 99, True),
        limits=(-math.inf, math.inf),
        year=2000,
    )
    spec = ActivationSpec(**common, sym="x")
    np.testing.assert_array_equal(spec.ref_d1(np.array([2.0, -3.0])), [1.0, 1.0])
    with pytest.raises(ValueError, match="either sym or ref"):
        ActivationSpec(**common, sym="x", ref=lambda x: x, ref_d1=lambda x: 1 + 0 * x)
    with pytest.raises(ValueError, match="needs ref"):
        ActivationSpec(**common)
    del common["year"]
    with pytest.raises(ValueError, match="give year= or a paper"):
        ActivationSpec(**common, sym="x")
    assert ActivationSpec(**common, sym="x", paper="A, 'B', arXiv:1710.05941, 2017").year == 2017
    assert torch.equal(spec.fn(torch.ones(2)), torch.ones(2))
