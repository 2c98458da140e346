"""The edges of the input domain, generated from the spec table: ±inf and integer tensors.

- At x = ±inf an entry gives the limit of f and, as its gradient, the limit of f' wherever
  those limits exist (read off the float64 reference far out), for every parameter set the
  table tests; never NaN from inf * 0 inside the formula.
- An integer (or bool) tensor either gets the exact answer, or a clear error; never a result
  that wrapped around inside the integer type (254² -> 4 in uint8).

Known PyTorch-native quirks are the only xfails (keys "grad-limits", "limits-params",
"integers" in a spec's `xfail`).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.catalog._helpers import ELEMENTWISE, param_sets, spec_params

FAR = np.array([1e10, 1e20, 1e30])  # far enough to converge, near enough for x^8 in float64


def limit(fn, sign: int) -> float | None:
    """lim f(x) for x -> sign * inf, read from f at sign * FAR: the common value when the three
    agree, 0 when all three are below 1e-9 and shrinking (an algebraic decay like 1/x), ±inf
    when |f| grows past 1e20 with one sign, None when neither (no limit, or the reference
    overflows out there)."""
    with np.errstate(all="ignore"):
        values = np.asarray(fn(sign * FAR), dtype=np.float64)
    if not np.isfinite(values).all():
        return None
    if np.allclose(values, values[-1], rtol=1e-9, atol=1e-12):
        return float(values[-1])
    if np.abs(values).max() < 1e-9 and abs(values[-1]) <= abs(values[0]):
        return 0.0  # decaying to 0 slowly, as cos(x)/x does (sinc's f')
    growing = np.all(np.diff(np.abs(values)) > 0) and abs(values[-1]) > 1e20
    if growing and len(set(np.sign(values))) == 1:
        return float(np.sign(values[-1]) * np.inf)
    return None


def _at_infinity(spec, params):
    x = torch.tensor([-np.inf, np.inf], dtype=torch.float64, requires_grad=True)
    y = spec(x, **params)
    (g,) = torch.autograd.grad(y.sum(), x)
    return y.detach().numpy(), g.numpy()


def _same(got: float, want: float) -> bool:
    return got == want or abs(got - want) <= 1e-12 + 1e-9 * abs(want)


@pytest.mark.parametrize("spec", spec_params(ELEMENTWISE, "grad-limits"))
def test_gradient_at_infinity_is_the_limit_of_the_derivative(spec):
    checked = 0
    for params in param_sets(spec):
        bound = spec.bind(**params)
        _, grad = _at_infinity(spec, params)
        for i, sign in enumerate((-1, 1)):
            want = limit(lambda x, b=bound: spec.ref_d1(x, **b), sign)
            if want is None:
                continue
            checked += 1
            assert _same(grad[i], want), (
                f"{spec.name}{params}: gradient at {sign:+d}inf is {grad[i]}; "
                f"f' tends to {want} there"
            )
    if any(np.isfinite(spec.limits)):  # a finite limit of f: f' must settle too (to 0)
        assert checked, f"{spec.name}: no derivative limit found at ±inf"


@pytest.mark.parametrize("spec", spec_params(ELEMENTWISE, "limits-params"))
def test_infinite_inputs_give_the_limits_for_every_parameter_set(spec):
    """test_infinite_inputs_give_the_limits checks the spec's stated limits at the defaults;
    here every tested parameter set against the reference far out."""
    for params in param_sets(spec)[1:]:
        bound = spec.bind(**params)
        value, _ = _at_infinity(spec, params)
        for i, sign in enumerate((-1, 1)):
            want = limit(lambda x, b=bound: spec.ref(x, **b), sign)
            if want is not None:
                assert _same(value[i], want), (
                    f"{spec.name}{params}: f({sign:+d}inf) = {value[i]}; f tends to {want}"
                )


INTEGER_DTYPES = [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool]


def _integer_probe(dtype: torch.dtype) -> torch.Tensor:
    if dtype == torch.bool:
        return torch.tensor([False, True])
    info = torch.iinfo(dtype)
    values = [info.min, info.min + 1, -3, -1, 0, 1, 2, 3, 100, 254, info.max - 1, info.max]
    return torch.tensor([v for v in values if info.min <= v <= info.max], dtype=dtype)


@pytest.mark.parametrize("spec", spec_params(ELEMENTWISE, "integers"))
def test_integer_inputs_are_exact_or_refused(spec):
    for dtype in INTEGER_DTYPES:
        x = _integer_probe(dtype)
        try:
            with torch.no_grad():
                y = spec(x)
        except (TypeError, RuntimeError) as err:
            assert str(err), f"{spec.name}: empty error for {dtype}"
            continue
        got = y.double().numpy()
        if y.is_floating_point():  # promoted, as torch.sin(int) is: the float input's result
            with torch.no_grad():
                want = spec(x.to(y.dtype)).double().numpy()
            ok = (got == want) | (np.isnan(got) & np.isnan(want))
        else:
            want = spec.reference(x.double().numpy())
            ok = got == want
        assert ok.all(), (
            f"{spec.name} on {dtype}: at {x.numpy()[~ok]} got {got[~ok]} ({y.dtype}), "
            f"want {want[~ok]}"
        )


@pytest.mark.parametrize("name", ["squared_relu", "star_relu"])
def test_squares_refuse_integer_tensors_clearly(name):
    spec = next(s for s in ELEMENTWISE if s.name == name)
    with pytest.raises(TypeError, match=rf"{name}.*uint8.*float"):
        spec(torch.tensor([254], dtype=torch.uint8))
