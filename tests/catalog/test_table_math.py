"""Math checks generated from the spec table: every entry, no per-entry test code.

forward vs float64 reference, analytic f' vs autograd, gradcheck/gradgradcheck, probes at
0, ±1e-8, ±1e4, ±inf and NaN, and low-precision dtypes.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.catalog._helpers import (
    ELEMENTWISE,
    MULTI,
    SPECS,
    assert_close64,
    autograd_d1,
    away_from_kinks,
    case_params,
    dense_grid,
    kinks_of,
    multi_input,
    param_sets,
    spec_dtype_params,
    spec_params,
    torch_eval,
)


@pytest.mark.parametrize("spec", spec_params(ELEMENTWISE, "forward"))
def test_forward_matches_reference_on_dense_grid(spec):
    for params in param_sets(spec):
        x = dense_grid(spec, params)
        assert_close64(
            torch_eval(spec, x, params), spec.reference(x, **params), x, what=f"{spec.name}{params}"
        )


@pytest.mark.parametrize("spec", spec_params(MULTI, "forward"))
def test_multi_input_forward_matches_reference(spec):
    for seed in range(3):
        x = multi_input(spec, seed)
        for params in param_sets(spec):
            assert_close64(
                torch_eval(spec, x, params),
                spec.reference(x, **params),
                np.abs(x).max(keepdims=True),
                what=f"{spec.name}{params}",
            )


@pytest.mark.parametrize("spec", spec_params(ELEMENTWISE, "derivative"))
def test_analytic_derivative_matches_autograd(spec):
    for params in param_sets(spec):
        x = away_from_kinks(dense_grid(spec, params), spec, params)
        assert_close64(
            autograd_d1(spec, x, params),
            spec.reference_d1(x, **params),
            x,
            rtol=1e-11,
            what=f"{spec.name}' {params}",
        )


@pytest.mark.parametrize("spec", spec_params(MULTI))
def test_multi_input_jacobian_matches_reference_differences(spec):
    x = multi_input(spec)[0]
    params = spec.defaults
    jac = torch.autograd.functional.jacobian(lambda t: spec(t, **params), torch.tensor(x)).numpy()
    h = 1e-6
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((spec.reference(x + e, **params) - spec.reference(x - e, **params)) / (2 * h))
    numeric = np.stack(cols, axis=-1)
    np.testing.assert_allclose(jac, numeric, rtol=1e-6, atol=1e-8)


def _gradcheck_inputs(spec, seed=0):
    g = torch.Generator().manual_seed(seed)
    if spec.elementwise:
        x = torch.randn(16, generator=g, dtype=torch.float64) * 2
        for k in kinks_of(spec):  # finite differences straddling a kink measure nothing useful
            x = torch.where((x - k).abs() < 1e-2, x + 3e-2, x)
    else:
        x = torch.tensor(multi_input(spec, seed)[:2])
    return x.requires_grad_()


def _with_learnable(spec):
    """A function of (x, *learnable params) in float64, for checking all gradients."""
    bound = spec.bind()  # resolves derived defaults (e.g. fitted rational coefficients)
    fixed = {p.name: bound[p.name] for p in spec.params if not p.learnable}
    # A scalar param as a 1-element tensor, a vector param (coefficients) as its K values.
    learn = [
        torch.tensor(
            bound[p.name] if p.vector else [bound[p.name]], dtype=torch.float64, requires_grad=True
        )
        for p in spec.learnable
    ]

    def f(x, *ps):
        return spec.apply(
            x, {**fixed, **{p.name: v for p, v in zip(spec.learnable, ps, strict=True)}}
        )

    return f, learn


@pytest.mark.parametrize("spec", spec_params(SPECS))
def test_gradcheck_float64(spec):
    if not spec.gradcheck:
        pytest.skip(f"{spec.name} claims no gradcheck")
    f, learn = _with_learnable(spec)
    assert torch.autograd.gradcheck(f, (_gradcheck_inputs(spec), *learn))


@pytest.mark.parametrize("spec", spec_params(SPECS, "gradgradcheck"))
def test_gradgradcheck_float64(spec):
    if not spec.gradgradcheck:
        pytest.skip(f"{spec.name} claims no gradgradcheck")
    f, learn = _with_learnable(spec)
    assert torch.autograd.gradgradcheck(f, (_gradcheck_inputs(spec), *learn))


PROBES = np.array([0.0, 1e-8, -1e-8, 1e4, -1e4])


@pytest.mark.parametrize("spec", spec_params(ELEMENTWISE, "probes"))
def test_probes_match_reference_with_finite_gradients(spec):
    params = spec.defaults
    with np.errstate(all="ignore"):
        want = spec.reference(PROBES)
    assert np.isfinite(want).all(), "reference is not finite at the probes"
    assert_close64(torch_eval(spec, PROBES, params), want, PROBES, rtol=1e-12, what=spec.name)
    grad = autograd_d1(spec, PROBES, params)
    assert np.isfinite(grad).all(), f"non-finite gradient at {PROBES[~np.isfinite(grad)]}: {grad}"


@pytest.mark.parametrize(("spec", "params"), case_params(ELEMENTWISE, "limits"))
def test_infinite_inputs_give_the_limits(spec, params):
    got = torch_eval(spec, np.array([-np.inf, np.inf]), params)
    want = np.array(spec.facts_for(params).limits, dtype=np.float64)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("spec", spec_params(SPECS, "nan"))
def test_nan_propagates(spec):
    x = np.array([np.nan, 1.0, -1.0, np.nan] * 3)
    if not spec.elementwise:
        x = multi_input(spec)
        x[0, 0] = np.nan
        assert np.isnan(torch_eval(spec, x, spec.defaults)[0]).any()
        return
    y = torch_eval(spec, x, spec.defaults)
    assert np.isnan(y[np.isnan(x)]).all() and np.isfinite(y[~np.isnan(x)]).all()


TOLERANCES = {  # (rtol, atol) of a low-precision result against the float64 reference
    torch.float32: (2e-6, 2e-6),
    torch.float16: (2e-3, 2e-3),
    torch.bfloat16: (1.6e-2, 1.6e-2),
}


@pytest.mark.parametrize(("spec", "dtype"), spec_dtype_params(SPECS, list(TOLERANCES)))
def test_dtype_preserved_and_accurate(spec, dtype):
    x64 = np.linspace(-8, 8, 1601) if spec.elementwise else multi_input(spec)
    x = torch.tensor(x64).to(dtype)
    with torch.no_grad():
        y = spec(x, **spec.defaults)
    assert y.dtype == dtype
    want = spec.reference(x.double().numpy())
    rtol, atol = TOLERANCES[dtype]
    np.testing.assert_allclose(y.double().numpy(), want, rtol=rtol, atol=atol)
