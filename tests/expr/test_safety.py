"""Expression modules are safe to train with: finite values and gradients for every finite
input (no NaN from an unused branch), autograd's derivative checked in float64, the dtype of
the input kept, and the NumPy reference agreeing with the torch form."""

from __future__ import annotations

import copy
import io
import pickle

import numpy as np
import pytest
import torch

import actlab
from actlab.expr import Expression
from actlab.expr.describe import evaluate_numpy
from actlab.expr.functions import FUNCTIONS

PROBES = torch.tensor([0.0, 1e-8, -1e-8, 1e-4, -1e-4, 0.5, -0.5, 30.0, -30.0, 1e4, -1e4, 3e38, -3e38],
                      dtype=torch.float64)  # fmt: skip
EXPRESSIONS = [f"{name}(x)" for name in FUNCTIONS] + [
    "x/x", "x/(x - 1)", "1/x", "x*sigmoid(beta*x)", "exp(-beta*(x - sin(x))^2)",
    "exp(-beta*abs(x - x^2))", "beta*x + (1 - beta)*tanh(x)", "max(x, sigmoid(x))",
    "min(x, sin(x))", "sqrt(x)*log(x)", "sinc(x)/x", "cosh(x)*exp(x)^3", "x^12",
]  # fmt: skip


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_values_and_gradients_are_finite_or_at_least_never_nan(text):
    x = PROBES.clone().requires_grad_(True)
    y = Expression(text).double()(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    assert not torch.isnan(y).any() and not torch.isnan(grad).any(), text
    moderate = PROBES.abs() <= 1e4
    if "^12" not in text and "^3" not in text:  # powers may overflow at ±1e4 by design
        assert torch.isfinite(y[moderate]).all() and torch.isfinite(grad[moderate]).all(), text


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_the_derivative_is_autograds_and_passes_gradcheck(text):
    # away from kinks and from the safe forms' switch points
    x = torch.tensor([-2.3, -0.71, 0.37, 1.9], dtype=torch.float64, requires_grad=True)
    module = Expression(text).double()
    assert torch.autograd.gradcheck(module, (x,))


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_torch_form_equals_the_numpy_reference(text):
    x = np.linspace(-8, 8, 401) + 0.003
    module = Expression(text).double()
    with torch.no_grad():
        got = module(torch.tensor(x)).numpy()
    want = evaluate_numpy(module.tree, x, {n: 1.0 for n in module.names})
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16, torch.float16])
def test_the_input_dtype_is_kept(dtype):
    x = torch.linspace(-3, 3, 7, dtype=dtype)
    y = actlab.make("expr:x*sigmoid(beta*x)")(x)
    assert y.dtype == dtype
    expected = x.double() * torch.sigmoid(x.double())
    assert torch.allclose(y.double(), expected, atol=1e-2, rtol=1e-2)


def test_beta_is_learnable_per_channel_or_fixed():
    m = actlab.make("expr:x*sigmoid(beta*x)", num_parameters=3, beta=2.0)
    assert [n for n, _ in m.named_parameters()] == ["beta"] and m.beta.shape == (3,)
    y = m(torch.randn(4, 3, 5))
    y.sum().backward()
    assert m.beta.grad is not None and m.beta.grad.shape == (3,)
    fixed = actlab.make("expr:x*sigmoid(beta*x)", beta=2.0, learnable=False)
    assert list(fixed.parameters()) == [] and float(fixed.beta) == 2.0
    with pytest.raises(TypeError, match="no parameter 'gamma'"):
        actlab.make("expr:x*sigmoid(beta*x)", gamma=1.0)
    with pytest.raises(ValueError, match="native implementation only"):
        actlab.make("expr:x*sigmoid(beta*x)", impl="lean")


def test_a_written_parameter_name_sets_its_canonical_parameter():
    m = actlab.make("expr:sin(beta3*x) + beta7*x", beta3=0.5, beta7=2.0)
    assert m.expression == "beta*x + sin(beta2*x)" and m.values() == {"beta": 2.0, "beta2": 0.5}


def test_the_module_pickles_copies_and_saves():
    m = actlab.make("expr:max(x, sin(beta*x))", beta=1.5)
    x = torch.linspace(-2, 2, 9)
    for clone in (pickle.loads(pickle.dumps(m)), copy.deepcopy(m)):
        assert torch.equal(clone(x), m(x))
    buffer = io.BytesIO()
    torch.save(m.state_dict(), buffer)
    buffer.seek(0)
    other = actlab.make("expr:max(x, sin(beta*x))")
    other.load_state_dict(torch.load(buffer, weights_only=True))
    assert torch.equal(other(x), m(x))


@pytest.mark.parametrize("text", ["max(x, 0)*sigmoid(x)", "min(x, sin(x)) + max(x, 0.5, tanh(x))"])
def test_sympy_code_of_f_and_its_derivative_needs_numpy_alone(text):
    # SymPy's own printer writes Max as functools.reduce(...): the code must run with numpy only
    from actlab.expr import canonical_tree
    from actlab.expr.symbolic import numpy_code

    tree = canonical_tree(text)[0]
    x = np.linspace(-3, 3, 61) + 0.0137  # off the kinks
    namespace = {"numpy": np, "x": x}
    f, d1 = (eval(numpy_code(tree, derivative=d), namespace) for d in (False, True))  # noqa: S307
    t = torch.tensor(x, requires_grad=True)
    y = Expression(text).double()(t)
    (grad,) = torch.autograd.grad(y.sum(), t)
    np.testing.assert_allclose(f, y.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(d1, grad.numpy(), rtol=1e-10, atol=1e-12)
