"""impl='lean': forward and gradients equal the catalogue's own (autograd) exactly."""

import math

import numpy as np
import pytest
import torch

import actlab
from actlab.kernels import MASK_KERNELS, RECOMPUTE_KERNELS, kernel
from actlab.kernels.derivatives import DERIVATIVES
from tests.kernels.conftest import saved_bytes

# PyTorch's hardtanh and hardshrink backward give a NaN input gradient 0 in its vectorised loop and the
# upstream gradient in its scalar tail, so there is no single native convention to match.
NATIVE_NAN_BY_POSITION = {"relu6", "hardtanh", "hardshrink", "softshrink"}
SPECIAL = [math.nan, -math.inf, math.inf, 0.0, -0.0, 1e-8, -1e-8, 1e4, -1e4]


def _inputs(spec, params, dtype):
    gen = torch.Generator().manual_seed(0)
    kinks = list(spec.kinks) + [v for v in params.values() if isinstance(v, float)]
    kinks += [-k for k in kinks]
    values = torch.randn(997, generator=gen, dtype=torch.float64) * 4
    values = torch.cat(
        [values, torch.tensor(SPECIAL + kinks + [6.0, 20.0, 21.0], dtype=torch.float64)]
    )
    return values.to(dtype)


def _grad(fn, x, seed=1):
    x = x.detach().clone().requires_grad_(True)
    upstream = torch.randn(x.shape, generator=torch.Generator().manual_seed(seed), dtype=x.dtype)
    y = fn(x)
    (g,) = torch.autograd.grad(y, x, upstream)
    return y.detach(), g


def _param_sets(spec):
    return [spec.defaults, *[{**spec.defaults, **p} for p in spec.test_params]]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", MASK_KERNELS)
def test_mask_kernels_match_native_gradients_bit_for_bit(name, dtype, backend):
    spec = actlab.get(name)
    for params in _param_sets(spec):
        x = _inputs(spec, params, dtype)
        y0, g0 = _grad(lambda z, params=params: spec(z, **params), x)
        y1, g1 = _grad(kernel(name, impl="lean", **params), x)
        assert torch.equal(y0.nan_to_num(7.0), y1.nan_to_num(7.0))
        if name in NATIVE_NAN_BY_POSITION:
            keep = ~x.isnan()
            g0, g1 = g0[keep], g1[keep]
        assert torch.equal(g0.nan_to_num(7.0), g1.nan_to_num(7.0)), params


@pytest.mark.parametrize("name", MASK_KERNELS)
def test_mask_kernels_use_the_catalogue_kink_derivative(name):
    spec = actlab.get(name)
    for kink, expected in spec.kink_derivative.items():
        x = torch.tensor([kink], dtype=torch.float64, requires_grad=True)
        kernel(name, impl="lean")(x).backward()
        assert x.grad.item() == pytest.approx(expected, abs=0)


@pytest.mark.parametrize("name", RECOMPUTE_KERNELS)
def test_closed_form_derivatives_match_autograd_of_the_catalogue_in_float64(name):
    spec = actlab.get(name)
    for params in _param_sets(spec):
        if name == "squareplus" and params["b"] == 0.0:
            continue  # served by relu's mask
        x = _inputs(spec, params, torch.float64)
        _, g0 = _grad(lambda z, params=params: spec(z, **params), x, seed=2)
        upstream = torch.randn(x.shape, generator=torch.Generator().manual_seed(2), dtype=x.dtype)
        d1 = DERIVATIVES[name](x, **params)
        # NaN inputs: lean gives NaN (as native kernels do), the composite's clamps give 0.
        keep = ~x.isnan() & ~(x.isinf() & (name == "mish"))
        torch.testing.assert_close(
            (upstream * d1)[keep], g0[keep], rtol=1e-12, atol=1e-300, equal_nan=True
        )
        assert d1[x.isnan()].isnan().all()
        finite = x[x.isfinite()]
        ref = torch.from_numpy(spec.reference_d1(finite.numpy(), **params))
        torch.testing.assert_close(DERIVATIVES[name](finite, **params), ref, rtol=1e-12, atol=1e-14)


FLOAT32_EPS = 2.0**-23


def _mixed_error(values: torch.Tensor, reference: np.ndarray) -> float:
    """max |value - ref| / max(|ref|, 1), in float32 epsilons (relative above 1, absolute
    below: an activation's zero crossings make a pure relative error meaningless)."""
    err = np.abs(values.detach().double().numpy() - reference) / np.maximum(np.abs(reference), 1)
    return float(err.max() / FLOAT32_EPS)


@pytest.mark.parametrize("name", RECOMPUTE_KERNELS)
def test_recompute_kernels_are_accurate_in_float32(name, backend):
    """f and f' within a few float32 epsilons of the float64 reference (the catalogue's
    composite measures f <= 1.5 eps, f' <= 9.6 eps; the fused kernels f, f' <= 2 eps), and the
    same limits and NaNs at the special inputs."""
    spec = actlab.get(name)
    x = torch.cat([_inputs(spec, spec.defaults, torch.float32), torch.linspace(-30, 30, 60001)])
    y0, g0 = _grad(lambda z: spec(z), x)
    y1, g1 = _grad(kernel(name, impl="lean"), x)
    upstream = torch.randn(x.shape, generator=torch.Generator().manual_seed(1), dtype=x.dtype)
    finite = x.isfinite()
    xs = x[finite].double().numpy()
    assert _mixed_error(y1[finite], spec.reference(xs)) <= 3
    d1 = spec.reference_d1(xs) * upstream[finite].double().numpy()
    assert _mixed_error(g1[finite], d1) <= (3 if backend == "compiled" else 12)
    assert torch.equal(y0[~finite].nan_to_num(7.0), y1[~finite].nan_to_num(7.0))
    infinite = x.isinf() & (name != "mish")  # native mish' is NaN at ±inf; lean gives the limit
    assert torch.equal(g0[infinite].nan_to_num(7.0), g1[infinite].nan_to_num(7.0))
    assert g1[x.isnan()].isnan().all()


def test_lean_mish_gives_the_limits_at_infinity():
    # PyTorch's native mish backward forms inf * 0 = NaN at both infinities.
    x = torch.tensor([-math.inf, math.inf], requires_grad=True)
    kernel("mish", impl="lean")(x).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0]


def test_squareplus_b0_is_relu_mask():
    x = _inputs(actlab.get("relu"), {}, torch.float64)
    _, g0 = _grad(lambda z: actlab.get("squareplus")(z, b=0.0), x)
    _, g1 = _grad(kernel("squareplus", impl="lean", b=0.0), x)
    assert torch.equal(g0.nan_to_num(7.0), g1.nan_to_num(7.0))


@pytest.mark.parametrize("name", MASK_KERNELS)
def test_mask_kernels_keep_one_bit_per_element(name):
    n = 100_003
    x = torch.randn(n, requires_grad=True)
    kept = saved_bytes(kernel(name, impl="lean"), x)
    assert kept / n <= 0.125 + 1e-4
    native = saved_bytes(lambda z: actlab.get(name)(z), x)
    assert native / n >= 4  # what the lean form avoids


@pytest.mark.parametrize("name", ["serf", "tanhexp", "smish"])
def test_recompute_kernels_keep_only_the_input(name):
    n = 10_000
    x = torch.randn(n, requires_grad=True)
    assert saved_bytes(kernel(name, impl="lean"), x) == 4 * n
    assert saved_bytes(lambda z: actlab.get(name)(z), x) > 8 * n  # the composition keeps more


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "hardtanh", "serf", "elish", "gcu"])
def test_lean_double_backward_is_exact(name, backend):
    x = torch.randn(40, dtype=torch.float64, generator=torch.Generator().manual_seed(3)) * 3
    x = x.requires_grad_(True)
    assert torch.autograd.gradgradcheck(kernel(name, impl="lean"), (x,))
    g0 = torch.autograd.grad(actlab.get(name)(x).sum(), x, create_graph=True)[0]
    g1 = torch.autograd.grad(kernel(name, impl="lean")(x).sum(), x, create_graph=True)[0]
    torch.testing.assert_close(_second(g1, x), _second(g0, x), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", MASK_KERNELS)
def test_mask_kernels_double_backward_returns_zeros_as_native(name, backend):
    """torch.autograd.grad on the gradient itself, as a user writes it: native returns zeros
    (f'' = 0 off the kinks); lean used to raise 'element 0 of tensors does not require grad'."""
    spec = actlab.get(name)
    second = []
    for fn in (lambda z: spec(z), kernel(name, impl="lean")):
        x = torch.tensor([-2.5, -0.5, 0.3, 0.7, 3.0, 7.0], dtype=torch.float64, requires_grad=True)
        (g,) = torch.autograd.grad(fn(x).sum(), x, create_graph=True)
        (h,) = torch.autograd.grad(g.sum(), x)
        second.append((g.detach(), h))
    assert torch.equal(second[1][0], second[0][0])
    assert torch.equal(second[1][1], torch.zeros(6, dtype=torch.float64))
    assert torch.equal(second[0][1], second[1][1])


def test_lean_gradient_penalty_trains_like_native(backend):
    """A gradient penalty (WGAN-GP style) through lean relu: the gradient of the penalty with
    respect to the weights equals native's, and the input's second derivative is 0."""
    grads = []
    for fn in (lambda z: actlab.get("relu")(z), kernel("relu", impl="lean")):
        torch.manual_seed(0)
        lin1, lin2 = torch.nn.Linear(3, 8).double(), torch.nn.Linear(8, 1).double()
        x = torch.randn(5, 3, dtype=torch.float64, requires_grad=True)
        out = lin2(fn(lin1(x))).sum()
        (gx,) = torch.autograd.grad(out, x, create_graph=True)
        penalty = (gx.norm(dim=1) - 1).square().mean()
        grads.append(torch.autograd.grad(penalty, [lin1.weight, lin2.weight, x]))
    for lean, native in zip(grads[1], grads[0], strict=True):
        torch.testing.assert_close(lean, native, rtol=1e-12, atol=1e-14)


def _second(g, x):
    """d(sum g)/dx; a g that does not depend on x (f'' = 0) has no graph, so zeros."""
    if not g.requires_grad:
        return torch.zeros_like(x)
    h = torch.autograd.grad(g.sum(), x, allow_unused=True)[0]
    return torch.zeros_like(x) if h is None else h


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_keeps_dtype(dtype):
    x = torch.randn(50, dtype=dtype, requires_grad=True)
    for name in ("relu", "serf"):
        y = kernel(name, impl="lean")(x)
        (g,) = torch.autograd.grad(y.sum(), x)
        assert y.dtype == g.dtype == dtype
