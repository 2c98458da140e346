"""impl='fewbit': exact forward, k-bit memory, gradient error as the DP table predicts."""

import numpy as np
import pytest
import torch

import actlab
from actlab.kernels import compiled, fewbit_table, kernel, relative_rms_error
from tests.kernels.conftest import saved_bytes

REQUIRED = ["gelu", "silu", "mish", "elu", "softplus", "sigmoid", "tanh"]
N = 400_000


def _measured_mse(name: str, bits: int) -> float:
    spec = actlab.get(name)
    x = torch.randn(N, dtype=torch.float64, generator=torch.Generator().manual_seed(bits))
    x.requires_grad_(True)
    kernel(name, impl="fewbit", bits=bits)(x).sum().backward()
    exact = torch.from_numpy(spec.reference_d1(x.detach().numpy()))
    return float(((x.grad - exact) ** 2).mean())


@pytest.mark.parametrize("name", REQUIRED)
def test_forward_is_exact(name, backend):
    """Only the backward is approximated. The forward is PyTorch's own kernel, bit for bit, or
    where a fused kernel computes it (mish), f within 3 float32 epsilons of the reference."""
    x = torch.randn(1001, requires_grad=True)
    y = kernel(name, impl="fewbit")(x).detach()
    if compiled.route("smooth", name, "cpu", torch.float32) < 0:
        assert torch.equal(y, actlab.get(name)(x).detach())
        return
    ref = actlab.get(name).reference(x.detach().double().numpy())
    err = np.abs(y.double().numpy() - ref) / np.maximum(np.abs(ref), 1)
    assert err.max() <= 3 * 2.0**-23


@pytest.mark.parametrize("name", REQUIRED)
def test_gradient_error_matches_the_table_prediction(name):
    table = fewbit_table(name, 3)
    measured = _measured_mse(name, 3)
    # Monte Carlo with N samples: a few percent of relative spread is expected.
    assert measured == pytest.approx(table.predicted_mse, rel=0.06)


@pytest.mark.parametrize("name", ["gelu", "silu"])
def test_error_decreases_with_bits(name):
    predicted = [fewbit_table(name, k).predicted_mse for k in (1, 2, 3, 4)]
    measured = [_measured_mse(name, k) for k in (1, 2, 3, 4)]
    assert all(a > b for a, b in zip(predicted[:-1], predicted[1:], strict=True))
    assert all(a > b for a, b in zip(measured[:-1], measured[1:], strict=True))


def test_table_is_optimal_and_cached():
    table = fewbit_table("gelu", 1)
    assert fewbit_table("gelu", 1) is table
    # GELU' - 1/2 is odd, so the best 1-bit split is at 0 with levels symmetric about 1/2.
    assert abs(table.boundaries[0]) < 0.02
    assert table.levels.sum() == pytest.approx(1.0, abs=1e-6)
    assert relative_rms_error(fewbit_table("gelu", 3)) < 0.1


def test_tables_depend_on_params():
    assert fewbit_table("elu", 2, alpha=0.5).levels[0] != fewbit_table("elu", 2).levels[0]


@pytest.mark.parametrize("bits", [1, 3, 8])
def test_keeps_k_bits_per_element(bits):
    n = 100_001
    x = torch.randn(n, requires_grad=True)
    kept = saved_bytes(kernel("gelu", impl="fewbit", bits=bits), x)
    levels = 4 * 2**bits
    assert (kept - levels) / n <= bits / 8 + 1e-4


def test_double_backward_raises_clearly():
    x = torch.randn(10, dtype=torch.float64, requires_grad=True)
    y = kernel("gelu", impl="fewbit")(x).sum()
    with pytest.raises(RuntimeError, match="double backward"):
        torch.autograd.grad(y, x, create_graph=True)


def test_bits_out_of_range_raise():
    with pytest.raises(ValueError, match=r"\[1, 8\]"):
        fewbit_table("gelu", 0)
