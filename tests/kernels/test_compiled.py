"""The fused C++ kernels: built, cached, routed, and equal to their pure-torch twins."""

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from actlab.kernels import compiled, kernel, pack_codes, pack_mask
from actlab.kernels.fewbit import _codes, fewbit_table
from actlab.kernels.lean import MASK_KERNELS

SIZES = [1, 7, 8, 9, 63, 4097, 100_003]  # tails of the 8-element bytes and vector lanes


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True
    )


def test_builds_on_a_machine_with_a_compiler(backend):
    if backend == "torch":
        return
    info = compiled.backend()
    assert info.isa in ("avx2", "scalar")
    assert os.path.exists(info.path) and info.path.startswith(str(compiled.cache_root()))
    assert compiled.build() == Path(info.path)  # cached: the same library, not rebuilt


def test_route_sends_only_what_the_kernels_serve(backend):
    if backend == "torch":
        assert compiled.route("mask", "relu", "cpu", torch.float32) == -1  # forced pure torch
        return
    assert compiled.route("mask", "relu", "cpu", torch.float32) == 0
    assert compiled.route("mask", "softshrink", "cpu", torch.float64) >= 0
    assert compiled.route("smooth", "serf", "cpu", torch.float64) == -1  # float32 only
    assert compiled.route("mask", "relu", "cpu", torch.float16) == -1
    assert compiled.route("mask", "relu", "cuda", torch.float32) == -1
    assert compiled.route("smooth", "gelu", "cpu", torch.float32) == -1  # no such kernel
    assert list(torch.ops.actlab.kinds("mask")) == list(MASK_KERNELS)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("name", MASK_KERNELS)
def test_mask_kernel_equals_the_torch_form_at_every_size(name, n):
    if compiled.backend().name != "compiled":
        pytest.skip(f"compiled kernels unavailable: {compiled.backend().reason}")
    x = torch.randn(n, generator=torch.Generator().manual_seed(n)) * 4
    specials = torch.tensor([0.0, float("nan"), 1.0, -1.0, 6.0, float("inf"), -0.0])[:n]
    x[: specials.numel()] = specials
    results = []
    for ctx in (compiled.torch_path(), contextlib.nullcontext()):
        with ctx:
            z = x.clone().requires_grad_(True)
            y = kernel(name, impl="lean")(z)
            (g,) = torch.autograd.grad(y, z, torch.linspace(-2, 2, n))
            results.append((y.nan_to_num(7.0), g.nan_to_num(7.0)))
    assert torch.equal(results[0][0], results[1][0]) and torch.equal(results[0][1], results[1][1])


def test_packed_layout_is_bitpack_layout():
    if compiled.backend().name != "compiled":
        pytest.skip(f"compiled kernels unavailable: {compiled.backend().reason}")
    x = torch.randn(1003)
    _, packed = torch.ops.actlab.mask_forward(x, 0, 0.0, 0.0)
    assert torch.equal(packed, pack_mask(~(x <= 0)))


@pytest.mark.parametrize("bits", range(1, 9))
def test_fewbit_codes_and_backward_equal_the_torch_form(bits):
    if compiled.backend().name != "compiled":
        pytest.skip(f"compiled kernels unavailable: {compiled.backend().reason}")
    table = fewbit_table("gelu", bits)
    boundaries = tuple(float(b) for b in table.boundaries)
    x = torch.randn(100_003) * 2
    x[:4] = torch.tensor([float("nan"), float("inf"), -float("inf"), boundaries[0]])
    edges = torch.tensor(boundaries, dtype=torch.float32)
    packed = torch.ops.actlab.fewbit_codes(x, edges, bits)
    assert torch.equal(packed, pack_codes(_codes(x, boundaries), bits))
    grads = []
    for ctx in (compiled.torch_path(), contextlib.nullcontext()):
        with ctx:
            z = x.clone().requires_grad_(True)
            kernel("gelu", impl="fewbit", bits=bits)(z).backward(torch.linspace(-1, 1, x.numel()))
            grads.append(z.grad)
    assert torch.equal(grads[0], grads[1])


def test_threads_do_not_change_results():
    if compiled.backend().name != "compiled":
        pytest.skip(f"compiled kernels unavailable: {compiled.backend().reason}")
    x = torch.randn(3_000_001)
    threads = torch.get_num_threads()
    outputs = []
    try:
        for count in (1, 2):
            torch.set_num_threads(count)
            outputs.append(torch.ops.actlab.mask_forward(x, 1, 0.01, 0.0))
            outputs.append((torch.ops.actlab.smooth_forward(x, 1, 0.0),))
    finally:
        torch.set_num_threads(threads)
    assert all(torch.equal(a, b) for a, b in zip(outputs[0], outputs[2], strict=True))
    assert torch.equal(outputs[1][0], outputs[3][0])


def test_non_contiguous_input_gives_the_same_gradient():
    x = torch.randn(64, 33)[:, ::2]
    assert not x.is_contiguous()
    for name in ("relu", "serf"):
        fn = kernel(name, impl="lean")
        z1, z2 = x.clone().requires_grad_(True), x.contiguous().requires_grad_(True)
        fn(z1).sum().backward()
        fn(z2).sum().backward()
        assert torch.equal(z1.grad, z2.grad)


def test_ops_reject_wrong_dtypes_clearly():
    if compiled.backend().name != "compiled":
        pytest.skip(f"compiled kernels unavailable: {compiled.backend().reason}")
    with pytest.raises(RuntimeError, match="float32 or float64"):
        torch.ops.actlab.mask_forward(torch.zeros(3, dtype=torch.int32), 0, 0.0, 0.0)
    with pytest.raises(RuntimeError, match="float32 CPU tensor"):
        torch.ops.actlab.smooth_forward(torch.zeros(3, dtype=torch.float64), 1, 0.0)
    with pytest.raises(RuntimeError, match="unknown kernel family 'x'"):
        torch.ops.actlab.kinds("x")


def test_env_torch_switches_the_compiled_kernels_off():
    done = _run(
        "from actlab.kernels import compiled; b = compiled.backend(); print(b.name, b.reason)",
        ACTLAB_KERNELS="torch",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "torch ACTLAB_KERNELS=torch"


def test_a_failed_build_warns_once_and_falls_back(tmp_path):
    code = (
        "import warnings, torch, actlab\n"
        "from actlab.kernels import compiled, kernel\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    x = torch.randn(10, requires_grad=True)\n"
        "    kernel('relu', impl='lean')(x).sum().backward()\n"
        "    kernel('serf', impl='lean')(x).sum().backward()\n"
        "print(compiled.backend().name, len(caught))\n"
        "print(caught[0].message)\n"
    )
    done = _run(code, CXX="/bin/false", ACTLAB_KERNEL_CACHE=str(tmp_path))
    assert done.returncode == 0, done.stderr
    first, message = done.stdout.strip().splitlines()
    assert first == "torch 1"
    assert "fused CPU kernels unavailable" in message and "build-failed.log" in message
    assert list(tmp_path.glob("*/build-failed.log"))  # the compiler's output is kept


def test_required_compiled_build_raises_when_it_fails(tmp_path):
    code = "from actlab.kernels import compiled; compiled.backend()"
    done = _run(
        code, CXX="/bin/false", ACTLAB_KERNEL_CACHE=str(tmp_path), ACTLAB_KERNELS="compiled"
    )
    assert done.returncode != 0
    assert "ACTLAB_KERNELS=compiled but the kernels failed" in done.stderr


def test_unknown_mode_is_named():
    done = _run("from actlab.kernels import compiled; compiled.backend()", ACTLAB_KERNELS="fast")
    assert "ACTLAB_KERNELS='fast' is not one of auto, torch, compiled" in done.stderr
