"""The fused learnable kernels against their pure-torch forms (the references): values,
input and parameter gradients, shared and per-channel parameters in every layout, float32 and
float64, ±inf/NaN/kinks, gradcheck and gradgradcheck, memory kept, threads, torch.compile,
and when each form is selected."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import pytest
import torch

import actlab
from actlab.kernels import compiled
from actlab.kernels.learnable import KINDS
from tests.kernels.conftest import saved_bytes

EPS32 = torch.finfo(torch.float32).eps


@pytest.fixture(autouse=True)
def _compiled_kernels():
    if compiled.mode() == "torch":
        pytest.skip("ACTLAB_KERNELS=torch: compiled kernels switched off")
    info = compiled.backend()
    assert info.name == "compiled", f"fused kernels did not build: {info.reason}"


def params_for(name: str, channels: int = 1, seed: int = 0, **fixed) -> dict:
    """Random float64 parameters away from the defaults: (C,) scalars, (C, K) vectors."""
    g = torch.Generator().manual_seed(seed)

    def u(low, high, *shape):
        return low + (high - low) * torch.rand(channels, *shape, generator=g, dtype=torch.float64)

    if name == "prelu":
        return {"weight": u(0.05, 0.5)}
    if name == "swish_learnable":
        return {"beta": u(-1.5, 2.5), **fixed}
    if name == "pelu":
        return {"a": u(0.3, 2.0), "b": u(0.3, 2.0), **fixed}
    if name == "apl":
        return {"hinges": 3, "slopes": u(-0.5, 0.5, 3), "offsets": u(-2.0, 2.0, 3), **fixed}
    if name == "rational":
        return {"m": 5, "n": 4, "numerator": u(-1.0, 1.0, 6), "denominator": u(-1.0, 1.0, 4)}
    grid, order = fixed.get("grid_size", 5), fixed.get("order", 3)
    return {
        "grid_size": grid,
        "order": order,
        "bound": fixed.get("bound", 2.0),
        "w_base": u(0.2, 1.5),
        "w_spline": u(0.5, 1.5),
        "coefficients": u(-1.0, 1.0, grid + order),
    }


def run(name, x, params, *, reference=False, upstream=None):
    """y, and the gradients of (y * upstream).sum() for x and every tensor parameter."""
    x = x.detach().clone().requires_grad_(True)
    tensors = {
        k: v.detach().clone().to(x.dtype).requires_grad_(True)
        for k, v in params.items()
        if isinstance(v, torch.Tensor)
    }
    fixed = {k: v for k, v in params.items() if not isinstance(v, torch.Tensor)}
    spec = actlab.get(name)
    if reference:
        with compiled.torch_path():
            y = spec(x, **fixed, **tensors)
    else:
        y = spec(x, **fixed, **tensors)
    if upstream is None:
        upstream = torch.randn(y.shape, generator=torch.Generator().manual_seed(9))
    grads = torch.autograd.grad(y, [x, *tensors.values()], upstream.to(y.dtype))
    return y.detach(), [g.detach() for g in grads]


def inputs(shape, seed=1, dtype=torch.float64):
    return 2.5 * torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


LAYOUTS = [
    # (shape, channels, dim): shared; (N, C) lanes; (N, C, L) runs; channels last
    ((4097,), 1, 1),
    ((3, 5, 7), 1, 1),
    ((33, 12), 12, 1),
    ((4, 6, 9), 6, 1),
    ((5, 7, 6), 6, -1),
]


# prelu's channels are dim 1 (as nn.PReLU): no channels-last case
CASES = [(n, *layout) for n in KINDS for layout in LAYOUTS if n != "prelu" or layout[2] == 1]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize(("name", "shape", "channels", "dim"), CASES)
def test_fused_equals_the_torch_form(name, shape, channels, dim, dtype):
    params = params_for(name, channels)
    if name != "prelu":
        params["dim"] = dim
    x = inputs(shape, dtype=dtype)
    (y, grads), (y_ref, grads_ref) = run(name, x, params), run(name, x, params, reference=True)
    assert y.dtype == dtype and grads[0].dtype == dtype
    if dtype == torch.float64:
        torch.testing.assert_close(y, y_ref, rtol=1e-13, atol=1e-13)
        for got, want in zip(grads, grads_ref, strict=True):
            torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
        return
    # float32: against the float64 torch form, in epsilons of max(1, |reference|)
    (y64, grads64) = run(name, x.double(), params, reference=True)
    assert ((y.double() - y64) / y64.abs().clamp(min=1)).abs().max() <= 8 * EPS32
    for got, want in zip(grads, grads64, strict=True):
        scale = want.abs().max().clamp(min=1) * (1 if got is grads[0] else x.numel() ** 0.5)
        assert ((got.double() - want) / scale).abs().max() <= 16 * EPS32


PROBES = [0.0, -0.0, 1e-8, -1e-8, 1e4, -1e4, math.inf, -math.inf, math.nan, 0.5, -1.0, 2.0, -2.0]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("name", KINDS)
def test_edges_infinities_nan_and_kinks_as_the_torch_form(name, dtype):
    """±inf give the limits and slopes (and send no gradient to a parameter, except the
    spline's clamped part, as in the torch form); NaN gives NaN where the torch form does;
    kinks (apl's offsets, spline's knots and ±bound, 0) take the same side."""
    params = params_for(name, seed=3)
    extra = []
    if name == "apl":
        extra = params["offsets"].reshape(-1).tolist()
    if name == "spline":
        bound, h = params["bound"], 2 * params["bound"] / params["grid_size"]
        extra = [-bound + h * i for i in range(params["grid_size"] + 1)] + [-bound - 1e-3]
    x = torch.tensor(PROBES + extra, dtype=dtype)
    for upstream in (torch.ones(x.shape), torch.randn(x.shape, generator=torch.Generator())):
        (y, grads) = run(name, x, params, upstream=upstream)
        (y_ref, grads_ref) = run(name, x, params, reference=True, upstream=upstream)
        tol = 1e-12 if dtype == torch.float64 else 4 * EPS32
        torch.testing.assert_close(y, y_ref, rtol=tol, atol=tol, equal_nan=True)
        for got, want in zip(grads, grads_ref, strict=True):
            torch.testing.assert_close(got, want, rtol=tol, atol=tol, equal_nan=True)


def _module_run(module, x, reference):
    """y and the gradients of y.sum() for x and the module's parameters."""
    x = x.detach().clone().requires_grad_(True)
    module.zero_grad()
    if reference:
        with compiled.torch_path():
            y = module(x)
    else:
        y = module(x)
    y.sum().backward()
    return y.detach(), [x.grad, *(p.grad.clone() for p in module.parameters())]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("beta", [math.nan, math.inf, -math.inf])
def test_swish_with_a_non_finite_beta_as_the_torch_form(beta, dtype):
    """A diverged training run can leave a module's beta NaN or infinite (the functional form
    refuses such values; a module's parameter is not checked per call). The float32 kernel
    leaves out sigmoid's NaN restore when every beta is finite (a NaN then comes only from x);
    a NaN or infinite beta, shared or in one channel of three, takes the path that keeps it:
    f and beta's gradient as the torch form, NaN included (at x = 0 for beta = ±inf). Of x's
    gradient only the finite values at finite x are compared: with such a beta both forms give
    NaN or inf there in different places (the kernel's sigmoid' at u = ±inf is e^-86.6, not 0,
    and NaN * 0 meets the torch form's limits at x = ±inf)."""
    x = torch.tensor(PROBES, dtype=dtype)
    shared = actlab.make("swish_learnable").to(dtype)
    per_channel = actlab.make("swish_learnable", num_parameters=3).to(dtype)
    with torch.no_grad():
        shared.beta.fill_(beta)
        per_channel.beta.copy_(torch.tensor([beta, 1.0, -0.5]))
    columns = torch.tensor([[0.0, 1.0, 2.0]], dtype=dtype).repeat(len(PROBES), 1)
    columns[:, 0] = x  # the probes in channel 0, ordinary values in the others
    for module, inputs_ in ((shared, x), (per_channel, columns)):
        (y, grads), (y_ref, grads_ref) = (_module_run(module, inputs_, r) for r in (False, True))
        assert y.isnan().any()  # the case this test is about
        torch.testing.assert_close(y, y_ref, equal_nan=True)
        torch.testing.assert_close(grads[1], grads_ref[1], equal_nan=True)  # beta's
        compared = torch.isfinite(inputs_) & torch.isfinite(grads_ref[0])
        torch.testing.assert_close(grads[0][compared], grads_ref[0][compared])


@pytest.mark.parametrize("name", ["pelu", "swish_learnable", "rational", "apl"])
def test_no_nan_parameter_gradient_at_infinity(name):
    """An infinite input gives the limit and passes no NaN to any parameter (PELU's b once
    met a x e^(x/b) = -inf * 0 there)."""
    params = params_for(name, seed=4)
    x = torch.tensor([-math.inf, -3.0, 0.5, 2.0], dtype=torch.float64)
    for reference in (False, True):
        y, grads = run(name, x, params, reference=reference, upstream=torch.ones(4))
        assert torch.isfinite(y[1:]).all()
        assert all(torch.isfinite(g).all() for g in grads[1:]), grads


def test_pelu_parameters_below_the_floor_get_no_gradient():
    """Training may push a module's a, b below the floor (the functional form refuses them)."""
    module = actlab.make("pelu", num_parameters=2).double()
    with torch.no_grad():
        module.a.copy_(torch.tensor([0.05, 1.2]))
        module.b.copy_(torch.tensor([0.8, 0.02]))
    x = inputs((7, 2))
    (y, (_, ga, gb)), (y_ref, (_, ga_ref, gb_ref)) = (
        _module_run(module, x, reference) for reference in (False, True)
    )
    assert ga[0] == 0 and gb[1] == 0 and ga[1] != 0 and gb[0] != 0
    for got, want in ((y, y_ref), (ga, ga_ref), (gb, gb_ref)):
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("order", [1, 2, 4, 5])
def test_spline_of_every_order_and_an_uneven_grid(order):
    params = params_for("spline", channels=3, grid_size=7, order=order, bound=1.3)
    x = torch.cat([inputs((3, 3, 40)), torch.full((3, 3, 1), 1.3, dtype=torch.float64)], -1)
    (y, grads), (y_ref, grads_ref) = (
        run("spline", x, params),
        run("spline", x, params, reference=True),
    )
    torch.testing.assert_close(y, y_ref, rtol=1e-13, atol=1e-13)
    for got, want in zip(grads, grads_ref, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("name", KINDS)
def test_gradcheck_and_gradgradcheck_through_the_fused_kernel(name, channels):
    params = params_for(name, channels, seed=5)
    tensors = {k: v.requires_grad_(True) for k, v in params.items() if isinstance(v, torch.Tensor)}
    fixed = {k: v for k, v in params.items() if not isinstance(v, torch.Tensor)}
    x = inputs((4, 3), seed=6).requires_grad_(True)
    spec = actlab.get(name)

    def f(x, *values):
        return spec(x, **fixed, **dict(zip(tensors, values, strict=True)))

    assert f(x, *tensors.values()).grad_fn.name() == "LearnableBackward"
    assert torch.autograd.gradcheck(f, (x, *tensors.values()))
    assert torch.autograd.gradgradcheck(f, (x, *tensors.values()))


@pytest.mark.parametrize("name", KINDS)
def test_keeps_only_the_input_and_the_parameters(name):
    module = actlab.make(name, num_parameters=16)
    x = torch.randn(64, 16, requires_grad=True)
    param_bytes = sum(p.numel() * p.element_size() for p in module.parameters())
    kept = saved_bytes(module, x)
    assert kept <= x.numel() * x.element_size() + param_bytes
    if name != "prelu":  # F.prelu keeps x and the weight too; the compositions keep more
        with compiled.torch_path():
            assert saved_bytes(module, x) > kept


@pytest.mark.parametrize("name", KINDS)
def test_same_bits_with_one_and_two_threads(name):
    params = params_for(name, seed=7)
    x = inputs((300_000,), dtype=torch.float32)
    previous = torch.get_num_threads()
    try:
        results = []
        for threads in (1, 2):
            torch.set_num_threads(threads)
            results.append(run(name, x, params))
    finally:
        torch.set_num_threads(previous)
    (y1, g1), (y2, g2) = results
    assert torch.equal(y1, y2) and all(torch.equal(a, b) for a, b in zip(g1, g2, strict=True))


@pytest.mark.parametrize("name", KINDS)
def test_torch_compile_traces_the_fused_kernel_in_one_graph(name):
    torch._dynamo.reset()
    module = actlab.make(name, num_parameters=12)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.05 * torch.rand(p.shape, generator=torch.Generator().manual_seed(8)))
    graphs = []

    def backend(gm, example_inputs):
        graphs.append(gm.print_readable(print_output=False))
        return gm.forward

    compiled_module = torch.compile(module, backend=backend, fullgraph=True)
    x = torch.randn(8, 12, generator=torch.Generator().manual_seed(3), requires_grad=True)
    want, got = module(x), compiled_module(x)
    torch.testing.assert_close(got, want)
    assert any("actlab.learnable" in g for g in graphs)
    upstream = torch.randn(want.shape, generator=torch.Generator().manual_seed(4))
    grads_want = torch.autograd.grad(want, [x, *module.parameters()], upstream)
    grads_got = torch.autograd.grad(got, [x, *module.parameters()], upstream)
    for a, b in zip(grads_got, grads_want, strict=True):
        torch.testing.assert_close(a, b)


def test_selection_cpu_float_only_and_never_while_tracing():
    module = actlab.make("rational")
    for dtype in (torch.float32, torch.float64):
        x = torch.randn(5, dtype=dtype, requires_grad=True)
        assert module(x).grad_fn.name() == "LearnableBackward"
    with compiled.torch_path():
        assert module(x).grad_fn.name() != "LearnableBackward"
    half = torch.randn(5, dtype=torch.float16)
    with compiled.torch_path():
        want = module(half)
    assert module(half).dtype == torch.float16 and torch.equal(module(half), want)
    traced = torch.jit.trace(module, torch.randn(5))
    assert "actlab::" not in str(traced.inlined_graph)
    # without autograd the op is called directly: no Function, same numbers
    with torch.no_grad():
        torch.testing.assert_close(module(x.detach()), module(x).detach(), rtol=0, atol=0)


def _contribution_scale(name, x, params, upstream):
    """sum_i |upstream_i d f(x_i)/d theta| per parameter entry: the torch form in float64 with
    one channel per element (params repeated), whose per-channel gradients are the terms."""
    n = x.numel()
    spread = {
        k: v.expand(n, *v.shape[1:]).clone() if isinstance(v, torch.Tensor) else v
        for k, v in params.items()
    }
    _, grads = run(name, x.reshape(1, n), spread, reference=True, upstream=upstream.reshape(1, n))
    return [g.abs().sum(0) for g in grads[1:]]


@pytest.mark.parametrize("name", KINDS)
def test_float32_within_a_few_epsilons_of_the_float64_reference(name):
    """f and f' within 4 and 8 float32 epsilons of max(1, |ref|), or no further than the torch
    form's own float32 result where the formula is ill-conditioned (a random rational's
    polynomials); each parameter gradient within 2 epsilons of the sum of |terms| it adds up."""
    params = params_for(name, seed=11)
    x64 = torch.cat([inputs((20_000,), seed=12), torch.linspace(-6, 6, 4001, dtype=torch.float64)])
    upstream = torch.randn(
        x64.shape, generator=torch.Generator().manual_seed(13), dtype=torch.float64
    )
    y, grads = run(name, x64.float(), params, upstream=upstream)
    y_torch, grads_torch = run(name, x64.float(), params, reference=True, upstream=upstream)
    y_ref, grads_ref = run(name, x64, params, reference=True, upstream=upstream)

    def error(got, want):  # in float32 epsilons of max(1, |want|)
        return ((got.double() - want) / want.abs().clamp(min=1)).abs().max() / EPS32

    assert error(y, y_ref) <= max(4, error(y_torch, y_ref))
    assert error(grads[0], grads_ref[0]) <= max(8, 1.25 * error(grads_torch[0], grads_ref[0]))
    for got, want, terms in zip(
        grads[1:], grads_ref[1:], _contribution_scale(name, x64, params, upstream), strict=True
    ):
        assert ((got.double() - want).abs() <= 2 * EPS32 * terms.reshape(want.shape)).all()


@pytest.mark.parametrize(("m", "n"), [(5, 4), (3, 2), (6, 5), (2, 1)])
@pytest.mark.parametrize("channels", [1, 4])
def test_rational_of_other_degrees_as_the_torch_form(m, n, channels):
    """(5, 4), the default, runs a kernel built for those degrees (sums in registers); every
    other pair the general one: both against the torch form, in float64 and float32."""
    g = torch.Generator().manual_seed(m * 10 + n)
    params = {
        "m": m,
        "n": n,
        "numerator": torch.rand(channels, m + 1, generator=g, dtype=torch.float64) - 0.5,
        "denominator": torch.rand(channels, n, generator=g, dtype=torch.float64) - 0.5,
    }
    for dtype in (torch.float64, torch.float32):
        x = inputs((6, channels, 37), seed=m + n, dtype=dtype)
        (y, grads), (y_ref, grads_ref) = (
            run("rational", x, params),
            run("rational", x, params, reference=True),
        )
        tol = 1e-12 if dtype == torch.float64 else 8 * EPS32
        torch.testing.assert_close(y, y_ref, rtol=tol, atol=tol)
        for got, want in zip(grads, grads_ref, strict=True):
            scale = want.abs().max().clamp(min=1).item()
            torch.testing.assert_close(got, want, rtol=tol, atol=tol * scale)


@pytest.mark.parametrize("name", KINDS)
def test_torch_export_records_the_torch_form(name):
    """torch.export (and so the ONNX exporter) gets plain aten ops, with the same values."""
    module = actlab.make(name, num_parameters=12).eval()
    x = torch.randn(4, 12, generator=torch.Generator().manual_seed(5))
    program = torch.export.export(module, (x,))
    assert "actlab" not in str(program.graph)
    torch.testing.assert_close(program.module()(x), module(x))


def test_actlab_kernels_torch_runs_the_torch_form_in_a_process():
    code = (
        "import torch, actlab\n"
        "x = torch.randn(8, 3, requires_grad=True)\n"
        "for name in ('prelu', 'swish_learnable', 'pelu', 'apl', 'rational', 'spline'):\n"
        "    print(name, actlab.make(name)(x).grad_fn.name())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "ACTLAB_KERNELS": "torch"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(KINDS)
    assert not any("LearnableBackward" in line for line in lines), lines


def test_export_in_a_fresh_process_before_any_kernel_is_loaded():
    """The first learnable call of a process may be inside torch.export: the kernel library
    must not be loaded mid-trace (that broke the export), the torch form is recorded."""
    code = (
        "import torch, actlab\n"
        "m = torch.nn.Sequential(torch.nn.Linear(16, 16), actlab.make('prelu', num_parameters=16),\n"
        "                        actlab.make('rational'))\n"
        "x = torch.randn(4, 16)\n"
        "program = torch.export.export(m.eval(), (x,))\n"
        "assert 'actlab' not in str(program.graph)\n"
        "torch.testing.assert_close(program.module()(x), m(x))\n"
        "print('exported')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("exported")
