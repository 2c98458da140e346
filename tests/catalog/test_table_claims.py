"""Every claim a spec makes, checked numerically both ways; plus the forms agree.

A spec saying "monotonic" is tested for it, and a spec saying "not monotonic" must show a
decrease; the same for range, zero-centring, smoothness class, self-normalisation and the
derivative convention at kinks, for every parameter set of every entry (its defaults and its
`test_params`, with the facts `spec.facts_for(params)` states for them). Module == functional
== PyTorch native where claimed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import integrate

import actlab
from actlab.catalog import SMOOTH
from actlab.kernels.compiled import torch_path
from tests.catalog._helpers import (
    ELEMENTWISE,
    SPECS,
    autograd_d1,
    case_params,
    native_call,
    sign_changes,
    spec_params,
)

WIDE = np.unique(
    np.concatenate(
        [
            np.linspace(-50, 50, 200_001),
            np.logspace(-8, 8, 800),
            -np.logspace(-8, 8, 800),
        ]
    )
)


def _ref(spec, x, params):
    with np.errstate(all="ignore"):
        return spec.reference(x, **params)


@pytest.mark.parametrize(("spec", "params"), case_params(ELEMENTWISE))
def test_monotonic_claim(spec, params):
    facts = spec.facts_for(params)
    # Also points hugging each kink: a piecewise definition can step down across its switch
    # by far less than the grid spacing (PyTorch's softplus: 2.06e-9 at x = threshold/beta).
    hug = [k + side * 1e-12 * max(1.0, abs(k)) for k in facts.kinks for side in (-1, 1)]
    x = np.unique(np.concatenate([np.linspace(-50, 50, 200_001), hug]))
    y = _ref(spec, x, params)
    diffs = np.diff(y)
    if facts.properties.monotonic:
        assert diffs.min() >= -1e-12 * (1 + np.abs(y).max())
    else:
        assert diffs.min() < -1e-9, "claims non-monotonic, but no decrease found on [-50, 50]"


def _far(spec, params, sign: int) -> list[float]:
    """The finite reference values at sign * (1e30, 1e100, 1e300)."""
    y = _ref(spec, sign * np.array([1e30, 1e100, 1e300]), params)
    return [float(v) for v in y[np.isfinite(y)]]


@pytest.mark.parametrize(("spec", "params"), case_params(ELEMENTWISE))
def test_output_range_claim_holds_and_is_tight(spec, params):
    r = spec.facts_for(params).output_range
    y = _ref(spec, WIDE, params)
    y = y[np.isfinite(y)]
    slack = 1e-9 * (1 + max(abs(r.low), 1) if math.isfinite(r.low) else 1)
    assert y.min() >= r.low - slack and y.max() <= r.high + slack, f"outputs leave {r}"
    if r.bounded_below:
        assert y.min() <= r.low + 1e-3 * (1 + abs(r.low)), f"lower end {r.low} is not approached"
    else:  # far points too: a logarithm passes 100 only beyond e^100
        assert min([y.min(), *_far(spec, params, -1)]) < -100, "claims unbounded below"
    if r.bounded_above:
        assert y.max() >= r.high - 1e-3 * (1 + abs(r.high)), f"upper end {r.high} is not approached"
    else:
        assert max([y.max(), *_far(spec, params, 1)]) > 100, "claims unbounded above"


@pytest.mark.parametrize(("spec", "params"), case_params(ELEMENTWISE))
def test_zero_centred_claim(spec, params):
    at_zero = abs(float(_ref(spec, np.array([0.0]), params)[0])) < 1e-12
    centred = at_zero and sign_changes(_ref(spec, WIDE, params))
    assert centred == spec.facts_for(params).properties.zero_centred


def _one_sided(d1, k, order, side, h):
    """Numerical derivative of order `order` (1 or 2) of d1 on one side of k."""
    s = 1 if side > 0 else -1
    pts = [d1(np.array([k + s * h * i]))[0] for i in (1, 2, 3)]
    if order == 1:
        return s * (pts[1] - pts[0]) / h
    return (pts[2] - 2 * pts[1] + pts[0]) / h**2


@pytest.mark.parametrize(("spec", "params"), case_params(ELEMENTWISE))
def test_smoothness_claim(spec, params):
    facts = spec.facts_for(params)
    k_claim, kinks = facts.properties.smoothness, facts.kinks
    assert k_claim in (-1, 0, 1, 2, SMOOTH), "smoothness classes tested: -1, 0, 1, 2, SMOOTH"
    f = lambda x: _ref(spec, x, params)
    d1 = lambda x: spec.reference_d1(x, **params)
    if k_claim == SMOOTH:
        assert not kinks, "a C^inf function has no kinks"
        x = np.random.default_rng(0).uniform(-10, 10, 2000)
        assert np.abs(d1(x + 1e-9) - d1(x - 1e-9)).max() < 1e-4
        return
    assert kinks, f"C^{k_claim} needs the kink where the next derivative jumps"
    jump = lambda g, k, d=1e-9: abs(float(g(np.array([k + d]))[0] - g(np.array([k - d]))[0]))
    if k_claim == -1:
        # A step larger than f can climb by continuity across 2d (slope * 2d plus rounding);
        # d is tiny so small steps show too (PyTorch's softplus: 2.06e-9 at its threshold).
        def steps(k):
            d = 1e-12 * max(1.0, abs(k))
            slope = np.abs(d1(np.array([k - d, k + d]))).max()
            rounding = 1e3 * np.finfo(np.float64).eps * (1 + abs(float(f(np.array([k]))[0])))
            return jump(f, k, d) > 10 * (2 * d * slope + rounding)

        assert any(steps(k) for k in kinks), "claims discontinuous, but f is continuous"
        return
    # Continuous at k: the jump across [k - d, k + d] vanishes as d shrinks (a 1000-fold smaller
    # d at least halves it). A Hölder point such as sqrt(max(0, x)) at 0 passes (its jump falls
    # as sqrt(d)); a step does not (its jump stays).
    continuous = lambda k: jump(f, k) < 1e-6 or jump(f, k, 1e-12) < jump(f, k) / 2
    assert all(continuous(k) for k in kinks), "f jumps at a kink"
    if k_claim == 0:
        assert max(jump(d1, k) for k in kinks) > 1e-3, "claims C^0 only, but f' is continuous"
        return
    assert all(jump(d1, k) < 1e-5 for k in kinks), "f' jumps at a kink"
    second = [(_one_sided(d1, k, 1, +1, 1e-5), _one_sided(d1, k, 1, -1, 1e-5)) for k in kinks]
    if k_claim == 1:
        assert max(abs(a - b) for a, b in second) > 1e-3, "claims C^1 only, but f'' is continuous"
        return
    assert all(abs(a - b) < 1e-3 for a, b in second), "f'' jumps at a kink"
    third = [(_one_sided(d1, k, 2, +1, 1e-4), _one_sided(d1, k, 2, -1, 1e-4)) for k in kinks]
    assert max(abs(a - b) for a, b in third) > 1e-2, "claims C^2 only, but f''' is continuous"


def _moments(spec, params, mu=0.0, nu=1.0):
    """Mean and variance of f(z) for z ~ N(mu, nu), by quadrature."""
    w = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    f = lambda z: float(spec.reference(np.array([mu + math.sqrt(nu) * z]), **params)[0])
    opts = {"epsabs": 1e-13, "epsrel": 1e-13, "limit": 200}
    halves = ((-np.inf, 0), (0, np.inf))
    # Where the weight underflows to 0 the integrand is 0, whatever f (an exponential's square
    # would overflow there); elsewhere f^2 w is squared as (f sqrt(w)), which stays finite.
    first = lambda z: 0.0 if w(z) == 0.0 else f(z) * w(z)
    second = lambda z: 0.0 if w(z) == 0.0 else (f(z) * math.sqrt(w(z))) ** 2
    mean = sum(integrate.quad(first, a, b, **opts)[0] for a, b in halves)
    sq = sum(integrate.quad(second, a, b, **opts)[0] for a, b in halves)
    return np.array([mean, sq - mean**2])


@pytest.mark.parametrize(("spec", "params"), case_params(ELEMENTWISE))
def test_self_normalising_claim(spec, params):
    """Klambauer et al.'s definition: (mean, variance) = (0, 1) is a fixed point of the
    layer's moment map and it attracts (the map's Jacobian there has spectral norm < 1).
    Their map is for normalised weights (omega = sum w = 0, tau = sum w^2 = 1): a unit's
    input is N(mu * omega, nu * tau) = N(0, nu), so d/dmu = 0 and the Jacobian is
    [[0, dmean/dnu], [0, dvar/dnu]] (SELU: [[0, 0.0888], [0, 0.7826]], norm 0.7877).
    The identity keeps (0, 1) but does not attract, so it is not self-normalising."""
    moments = _moments(spec, params)
    fixed = abs(moments[0]) < 1e-3 and abs(moments[1] - 1) < 1e-3
    claim = spec.facts_for(params).properties.self_normalising
    if not fixed:  # no fixed point at (0, 1): nothing can attract to it
        assert not claim, f"claims self-normalising, but the moments are {moments}"
        return
    h = 1e-4
    d_nu = (_moments(spec, params, 0, 1 + h) - _moments(spec, params, 0, 1 - h)) / (2 * h)
    jac = np.stack([np.zeros(2), d_nu], axis=1)
    attracting = np.linalg.norm(jac, 2) < 1 - 1e-3
    assert attracting == claim, f"moments {moments}, Jacobian norm {np.linalg.norm(jac, 2):.4f}"


def _kink_cases():
    cases = case_params(ELEMENTWISE, "kinks")
    return [c for c in cases if c.values[0].facts_for(c.values[1]).kink_derivative]


@pytest.mark.parametrize(("spec", "params"), _kink_cases())
def test_derivative_convention_at_kinks(spec, params):
    facts = spec.facts_for(params)
    if facts.properties.smoothness <= 0:
        assert set(facts.kink_derivative) == set(facts.kinks), "every kink needs its f' convention"
    # Conventions differ by O(1) (0 or 1, one side or the other); a few ulps allow for the
    # summation order of a mixture's weighted derivatives.
    close = lambda a, b: abs(a - b) <= 4 * np.finfo(np.float64).eps * max(1.0, abs(b))
    for k, want in facts.kink_derivative.items():
        got = autograd_d1(spec, np.array([k]), params)[0]
        assert close(got, want), f"autograd f'({k}) = {got}, convention says {want}"
        ref = spec.reference_d1(np.array([k]), **params)[0]
        assert close(ref, want), f"reference f'({k}) = {ref} disagrees"


@pytest.mark.parametrize("spec", [s for s in ELEMENTWISE if s.facts], ids=lambda s: s.name)
def test_facts_at_the_defaults_are_the_specs_own(spec):
    stated, computed = spec.facts_for(), spec.facts_for(spec.defaults)
    assert computed.properties == stated.properties
    assert computed.kinks == stated.kinks
    assert computed.kink_derivative == pytest.approx(stated.kink_derivative, rel=1e-12)
    got, want = computed.output_range, stated.output_range
    assert (got.low_open, got.high_open) == (want.low_open, want.high_open)
    assert (got.low, got.high) == pytest.approx((want.low, want.high), rel=1e-12)
    np.testing.assert_allclose(computed.limits, stated.limits, rtol=1e-12)


@pytest.mark.parametrize("spec", spec_params(SPECS))
def test_module_equals_functional(spec):
    x = torch.randn(4, 6, 12, generator=torch.Generator().manual_seed(1))
    module = actlab.make(spec.name).eval()
    fn = getattr(actlab.functional, spec.name)
    assert torch.equal(module(x), fn(x))
    for p in spec.learnable:
        assert isinstance(getattr(module, p.name), torch.nn.Parameter)
    assert type(module).__name__ in repr(module)


@pytest.mark.parametrize("spec", spec_params([s for s in SPECS if s.native]))
def test_native_kernel_is_called_and_equal(spec):
    """The torch form calls PyTorch's kernel; an entry with a fused kernel of actlab's own
    (prelu) uses that on CPU float tensors instead, with the same values."""
    x = torch.randn(64, 12, generator=torch.Generator().manual_seed(2), requires_grad=True)
    with torch_path():
        ours, theirs = spec(x, **spec.defaults), native_call(spec, x)
    assert torch.equal(ours, theirs)
    assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__
    assert torch.equal(spec(x, **spec.defaults), theirs)


@pytest.mark.parametrize("spec", spec_params([s for s in SPECS if s.params]))
def test_invalid_parameters_are_rejected_with_the_range(spec):
    with pytest.raises(TypeError, match="unknown parameter"):
        spec.bind(not_a_parameter=1.0)
    for p in spec.params:
        bad = []
        if p.choices is not None:
            bad.append("definitely-not-a-choice")
        elif p.valid.bounded_below:
            bad.append(p.valid.low - 1.0)
        if p.valid.bounded_above:
            bad.append(p.valid.high + 1.0)
        for value in bad:
            with pytest.raises(ValueError) as err:
                actlab.make(spec.name, **{p.name: p.kind(value) if p.choices is None else value})
            assert p.name in str(err.value) and (str(p.valid) in str(err.value) or p.choices)


class _Side(torch.nn.Module):
    """Entries side by side, entry i applied to x[i]: one backward then gives each entry's
    input gradient in its own slice."""

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.acts = torch.nn.ModuleList(actlab.make(name).eval() for name in names)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [act(x[i]) for i, act in enumerate(self.acts)]


def _aot_eager_round(names: list[str]) -> dict[str, tuple | Exception]:
    """name -> (compiled f, eager f, compiled grad, eager grad), or the error compiling them."""
    torch._dynamo.reset()  # every class shares Activation.forward: no recompile limit
    model = _Side(names)
    x = torch.randn(len(names), 8, 12, generator=torch.Generator().manual_seed(3))
    x_eager, x_compiled = x.clone().requires_grad_(), x.clone().requires_grad_()
    want = model(x_eager)
    g = torch.Generator().manual_seed(4)
    upstream = [torch.randn(w.shape, generator=g) for w in want]
    (grad_want,) = torch.autograd.grad(want, x_eager, upstream)
    try:
        got = torch.compile(model, backend="aot_eager", fullgraph=True)(x_compiled)
        (grad_got,) = torch.autograd.grad(got, x_compiled, upstream)
    except Exception as err:  # which entry fails: compile them one by one
        if len(names) == 1:
            return {names[0]: err}
        return {k: v for name in names for k, v in _aot_eager_round([name]).items()}
    return {
        name: (got[i].detach(), want[i].detach(), grad_got[i], grad_want[i])
        for i, name in enumerate(names)
    }


@pytest.fixture(scope="module")
def aot_eager_families():
    cache: dict[str, dict] = {}

    def get(family: str) -> dict:
        if family not in cache:
            cache[family] = _aot_eager_round(list(actlab.names(family)))
        return cache[family]

    return get


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(s, id=s.name, marks=pytest.mark.xdist_group(f"aot-eager-{s.family}"))
        for s in SPECS
    ],
)
def test_torch_compile_traces_forward_and_backward_in_one_graph(spec, aot_eager_families):
    """Dynamo's trace (fullgraph: a graph break raises) and AOT autograd's joint graph agree
    with eager, forward and backward, for every entry. Backend aot_eager runs those graphs
    without generating code, which inductor does once per family below. The entries of one
    family are traced together, each on its own slice of the input (one compile per family
    instead of one per entry: the same graphs, a fraction of the fixed cost); a family whose
    trace fails is traced entry by entry, so the error names its entry."""
    result = aot_eager_families(spec.family)[spec.name]
    if isinstance(result, Exception):
        raise AssertionError(f"{spec.name} does not compile in one graph: {result}") from result
    got, want, grad_got, grad_want = result
    torch.testing.assert_close(got, want)
    torch.testing.assert_close(grad_got, grad_want)


class _Family(torch.nn.Module):
    def __init__(self, family: str) -> None:
        super().__init__()
        self.acts = torch.nn.ModuleList(actlab.make(name).eval() for name in actlab.names(family))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [act(x) for act in self.acts]


@pytest.mark.parametrize("family", sorted({s.family for s in SPECS}))
def test_inductor_compiles_every_entry_of_a_family_in_one_graph(family):
    """Inductor's generated code agrees with eager for every entry: one compile per family,
    each graph holding all of its entries. Forward only: the backward graphs are AOT
    autograd's, checked for every entry above, and an inductor compile of a backward costs as
    much again."""
    torch._dynamo.reset()
    model = _Family(family)
    x = torch.randn(8, 12, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        want, got = model(x), torch.compile(model, fullgraph=True)(x)
    for name, a, b in zip(actlab.names(family), got, want, strict=True):
        torch.testing.assert_close(a, b, msg=lambda m, name=name: f"{name}: {m}")


XFAIL_KEYS = {
    "forward",
    "derivative",
    "probes",
    "limits",
    "nan",
    "kinks",
    "dtype-float32",
    "dtype-float16",
    "dtype-bfloat16",
    "grad-limits",  # test_edges.py
    "limits-params",
    "integers",
    "gradgradcheck",  # test_table_math.py
}


@pytest.mark.parametrize("spec", spec_params([s for s in SPECS if s.xfail]))
def test_xfail_entries_name_real_tests_and_give_a_reason(spec):
    sets = len(spec.test_params) + 1
    known = XFAIL_KEYS | {f"{key}-p{i}" for key in XFAIL_KEYS for i in range(sets)}
    assert set(spec.xfail) <= known, f"unknown xfail keys {set(spec.xfail) - known}"
    assert all(len(reason) > 20 for reason in spec.xfail.values())
