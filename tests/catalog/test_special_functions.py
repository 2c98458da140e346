"""Entry-specific facts the generated tests cannot state: SELU's constants and fixed point,
how far GELU's approximations stray, softplus's threshold rule, and the exact minima that
the smooth gated units claim as their output ranges."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import integrate, optimize

import actlab
from actlab.catalog.entries.exponential import SELU_ALPHA, SELU_LAMBDA
from actlab.catalog.entries.smooth_gated import GELU_TANH_MAX_ERROR, QUICK_GELU_MAX_ERROR

# Klambauer et al. (2017), as printed: lambda_01 and alpha_01.
PUBLISHED_LAMBDA = "1.0507009873554804934193349852946"
PUBLISHED_ALPHA = "1.6732632423543772848170429916717"
EPS = np.finfo(np.float64).eps


# -- SELU -------------------------------------------------------------------------------


def test_selu_constants_are_the_published_values_to_double_precision():
    assert SELU_LAMBDA == float(PUBLISHED_LAMBDA)
    assert SELU_ALPHA == float(PUBLISHED_ALPHA)
    # and they are PyTorch's: selu(1) = lambda, selu(-inf) = -lambda * alpha
    native = F.selu(torch.tensor([1.0, -math.inf], dtype=torch.float64)).tolist()
    assert native == [SELU_LAMBDA, -SELU_LAMBDA * SELU_ALPHA]


def _selu_solved_from_fixed_point(dps: int = 40) -> tuple[mpmath.mpf, mpmath.mpf]:
    """(lambda, alpha) making z ~ N(0, 1) -> selu(z) keep mean 0 and variance 1.

    With the four Gaussian integrals below, mean = lambda (I1 + alpha I2) = 0 fixes alpha and
    E[selu^2] = lambda^2 (I3 + alpha^2 I4) = 1 then fixes lambda: the fixed-point equations
    are linear in alpha and in lambda^2, so they are solved exactly, not iterated."""
    with mpmath.workdps(dps):
        w = lambda z: mpmath.exp(-z * z / 2) / mpmath.sqrt(2 * mpmath.pi)
        i1 = mpmath.quad(lambda z: z * w(z), [0, mpmath.inf])
        i2 = mpmath.quad(lambda z: mpmath.expm1(z) * w(z), [-mpmath.inf, 0])
        i3 = mpmath.quad(lambda z: z * z * w(z), [0, mpmath.inf])
        i4 = mpmath.quad(lambda z: mpmath.expm1(z) ** 2 * w(z), [-mpmath.inf, 0])
        alpha = -i1 / i2
        return 1 / mpmath.sqrt(i3 + alpha**2 * i4), alpha


def _selu_closed_form(dps: int = 40) -> tuple[mpmath.mpf, mpmath.mpf]:
    """Klambauer et al.'s closed forms for lambda_01 and alpha_01 (fixed point (0, 1))."""
    with mpmath.workdps(dps):
        e, pi = mpmath.e, mpmath.pi
        c1 = mpmath.erfc(1 / mpmath.sqrt(2))
        c2 = mpmath.erfc(mpmath.sqrt(2))
        alpha = -mpmath.sqrt(2 / pi) / (c1 * mpmath.sqrt(e) - 1)
        lam = (
            (1 - c1 * mpmath.sqrt(e))
            * mpmath.sqrt(2 * pi)
            / mpmath.sqrt(
                2 * c2 * e**2 + pi * c1**2 * e - 2 * (2 + pi) * c1 * mpmath.sqrt(e) + pi + 2
            )
        )
        return lam, alpha


@pytest.mark.parametrize("solve", [_selu_solved_from_fixed_point, _selu_closed_form])
def test_selu_constants_solve_the_fixed_point_equations(solve):
    lam, alpha = solve()
    with mpmath.workdps(40):
        # the published 32 digits agree with the solution to ~1e-31
        assert abs(lam / mpmath.mpf(PUBLISHED_LAMBDA) - 1) < 1e-30
        assert abs(alpha / mpmath.mpf(PUBLISHED_ALPHA) - 1) < 1e-30
    assert abs(float(lam) / SELU_LAMBDA - 1) <= 1e-15
    assert abs(float(alpha) / SELU_ALPHA - 1) <= 1e-15


def _normal_moments(f, nu: float = 1.0) -> tuple[float, float]:
    """Mean and variance of f(z), z ~ N(0, nu), split at SELU's kink for accurate quadrature."""
    w = lambda z: math.exp(-z * z / (2 * nu)) / math.sqrt(2 * math.pi * nu)
    opts = {"epsabs": 1e-14, "epsrel": 1e-14, "limit": 200}
    halves = ((-np.inf, 0.0), (0.0, np.inf))
    mean = sum(integrate.quad(lambda z: f(z) * w(z), a, b, **opts)[0] for a, b in halves)
    second = sum(integrate.quad(lambda z: f(z) ** 2 * w(z), a, b, **opts)[0] for a, b in halves)
    return mean, second - mean * mean


def test_selu_maps_standard_normal_to_mean_0_variance_1():
    spec = actlab.get("selu")
    mean, var = _normal_moments(lambda z: float(spec.reference(np.array([z]))[0]))
    assert abs(mean) < 1e-9 and abs(var - 1) < 1e-9


def test_selu_fixed_point_attracts_with_the_papers_jacobian():
    """With normalised weights the unit's input is N(0, nu); the paper's Jacobian of
    (mean, var) in nu at nu = 1 is (0.088834, 0.782648), spectral norm 0.7877 < 1."""
    spec = actlab.get("selu")
    f = lambda z: float(spec.reference(np.array([z]))[0])
    h = 1e-5
    up, down = np.array(_normal_moments(f, 1 + h)), np.array(_normal_moments(f, 1 - h))
    d_mean, d_var = (up - down) / (2 * h)
    assert abs(d_mean - 0.088834) < 2e-6 and abs(d_var - 0.782648) < 2e-6
    assert math.hypot(d_mean, d_var) < 0.7878


# -- GELU approximations ----------------------------------------------------------------


def _max_abs_difference(name: str, exact: str = "gelu") -> tuple[float, float]:
    """sup |f - gelu| over [-10, 10]: a dense grid, then the grid's best point refined."""
    approx, truth = actlab.get(name), actlab.get(exact)
    err = lambda x: np.abs(approx.reference(x) - truth.reference(x))
    x = np.linspace(-10, 10, 200_001)
    i = int(np.argmax(err(x)))
    res = optimize.minimize_scalar(
        lambda t: -err(np.array([t]))[0],
        method="bounded",
        bounds=(x[i - 1], x[i + 1]),
        options={"xatol": 1e-12},
    )
    return -res.fun, res.x


@pytest.mark.parametrize(
    "name, bound", [("gelu_tanh", GELU_TANH_MAX_ERROR), ("quick_gelu", QUICK_GELU_MAX_ERROR)]
)
def test_gelu_approximation_error_is_the_documented_figure(name, bound):
    worst, where = _max_abs_difference(name)
    assert 0.9 * bound < worst < bound, f"max |{name} - gelu| = {worst:.6g} at x = {where:.4f}"
    # f - gelu is even (f(x) - f(-x) = x for all three), so the same peak sits at -where
    spec, gelu = actlab.get(name), actlab.get("gelu")
    mirrored = abs(
        float(spec.reference(np.array([-where]))[0] - gelu.reference(np.array([-where]))[0])
    )
    assert abs(mirrored - worst) < 1e-15
    # beyond |x| = 10 the curves agree far better, so [-10, 10] holds the sup over the reals
    tail = np.concatenate([np.logspace(1, 4, 2000), -np.logspace(1, 4, 2000)])
    assert np.abs(spec.reference(tail) - gelu.reference(tail)).max() < bound / 100
    assert f"{bound:g}" in spec.notes, "the notes must quote the documented bound"


# -- softplus ---------------------------------------------------------------------------


@pytest.mark.parametrize("beta, threshold", [(1.0, 20.0), (2.0, 10.0), (0.5, 40.0), (3.0, 5.0)])
def test_softplus_follows_pytorchs_threshold_rule(beta, threshold):
    """log1p(exp(beta x))/beta where beta*x <= threshold, exactly x above: also one ulp
    either side of the switch."""
    switch = threshold / beta
    near = np.array([np.nextafter(switch, -np.inf), switch, np.nextafter(switch, np.inf)])
    x = np.concatenate([np.linspace(-60, 60, 12_001), near])
    y = actlab.functional.softplus(torch.tensor(x), beta=beta, threshold=threshold).numpy()
    linear = beta * x > threshold
    assert np.array_equal(y[linear], x[linear])
    curved = np.logaddexp(0.0, beta * x[~linear]) / beta
    np.testing.assert_allclose(y[~linear], curved, rtol=4 * EPS, atol=0)
    ref = actlab.get("softplus").reference(x, beta=beta, threshold=threshold)
    assert np.array_equal(ref[linear], x[linear])
    np.testing.assert_allclose(ref[~linear], curved, rtol=4 * EPS, atol=0)


def test_softplus_steps_down_at_its_switch_by_log1p_exp_minus_threshold():
    """The default switch at x = 20 drops f by log1p(e^-20) = 2.06e-9, as the notes say;
    f' jumps from sigmoid(20) to 1 there."""
    spec = actlab.get("softplus")
    switch = spec.defaults["threshold"] / spec.defaults["beta"]
    assert spec.kinks == (switch,)
    after = np.nextafter(switch, np.inf)
    x = torch.tensor([switch, after], dtype=torch.float64, requires_grad=True)
    y = actlab.functional.softplus(x)
    step = float((y[0] - y[1]).detach()) + (after - switch)
    assert step == pytest.approx(math.log1p(math.exp(-switch)), rel=1e-5)
    (grad,) = torch.autograd.grad(y.sum(), x)
    assert grad[1] == 1.0 and grad[0] == pytest.approx(1 / (1 + math.exp(-switch)), rel=1e-15)


# -- minima claimed as output ranges ----------------------------------------------------

GATED_WITH_MINIMUM = [
    "gelu",
    "gelu_tanh",
    "quick_gelu",
    "silu",
    "mish",
    "tanhexp",
    "serf",
    "smish",
    "logish",
    "sinlu",
    "elish",
]


@pytest.mark.parametrize("name", GATED_WITH_MINIMUM)
def test_claimed_minimum_is_the_true_minimum(name):
    """The lower end of the output range is f at the root of f' (to a few ulps), and it is
    the global minimum on a wide grid."""
    spec = actlab.get(name)
    grid = np.linspace(-40, 40, 400_001)
    i = int(np.argmin(spec.reference(grid)))
    d1 = lambda t: float(spec.reference_d1(np.array([t]))[0])
    root = optimize.brentq(d1, grid[i - 1], grid[i + 1], xtol=1e-15)
    lowest = float(spec.reference(np.array([root]))[0])
    assert spec.output_range.low == pytest.approx(lowest, rel=8 * EPS, abs=0)


def test_closed_form_minima():
    """SiLU's minimum is -W(1/e) at x = -(1 + W(1/e)); ELiSH's is -(3 - 2 sqrt 2) at
    x = ln(sqrt 2 - 1)."""
    w = float(mpmath.lambertw(1 / mpmath.e))
    silu, elish = actlab.get("silu"), actlab.get("elish")
    assert silu.output_range.low == pytest.approx(-w, rel=2 * EPS)
    assert abs(silu.reference_d1(np.array([-(1 + w)]))[0]) < 4 * EPS
    at = math.log(math.sqrt(2) - 1)
    assert elish.output_range.low == pytest.approx(-(3 - 2 * math.sqrt(2)), rel=4 * EPS)
    assert abs(elish.reference_d1(np.array([at]))[0]) < 4 * EPS
    assert elish.reference(np.array([at]))[0] == pytest.approx(elish.output_range.low, rel=4 * EPS)
