"""Facts specific to the non-elementwise entries: softmax family, maxout and the GLU variants.

The generic table tests (forward vs reference, Jacobian, gradcheck, dtypes, native, compile)
cover these entries too; here are the properties that only make sense for them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import actlab
from actlab import functional as AF

GATED = ["glu", "reglu", "geglu", "swiglu", "bilinear"]
GATES = {  # the activation applied to the second half, by PyTorch's convention
    "glu": torch.sigmoid,
    "reglu": torch.relu,
    "geglu": lambda b: F.gelu(b, approximate="none"),
    "swiglu": F.silu,
    "bilinear": lambda b: b,
}


def _rand(*shape, seed=0):
    return (
        torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 3
    )


# -- softmax, log_softmax, softmin ----------------------------------------------------------


@pytest.mark.parametrize("dim", [-1, 0, 1])
def test_softmax_sums_to_one_and_ignores_a_constant_shift(dim):
    x = _rand(5, 7)
    p = AF.softmax(x, dim=dim)
    assert (p > 0).all() and (p <= 1).all()
    sums = p.sum(dim)
    torch.testing.assert_close(sums, torch.ones_like(sums), rtol=0, atol=4e-16)
    for shift in (-1e4, -7.5, 1e3, 1e4):
        # x + shift is rounded to the ulp of the shift, so allow that much change
        torch.testing.assert_close(AF.softmax(x + shift, dim=dim), p, rtol=1e-11, atol=1e-12)


def test_softmax_is_stable_at_large_inputs():
    x = torch.tensor([[1e4, 1e4 - 1.0, 0.0, -1e4]], dtype=torch.float64)
    p = AF.softmax(x)
    assert torch.isfinite(p).all()
    e = math.exp(-1.0)  # the two top entries differ by 1; the others are e^-1e4 ≈ 0 relative
    want = torch.tensor([[1 / (1 + e), e / (1 + e), 0.0, 0.0]], dtype=torch.float64)
    torch.testing.assert_close(p, want, rtol=1e-15, atol=1e-300)
    assert not torch.isnan(AF.softmax(-x)).any() and not torch.isnan(AF.softmin(x)).any()


def test_log_softmax_is_log_of_softmax_and_finite_where_softmax_underflows():
    x = _rand(4, 9, seed=1)
    for dim in (-1, 0):
        torch.testing.assert_close(
            AF.log_softmax(x, dim=dim), torch.log(AF.softmax(x, dim=dim)), rtol=1e-13, atol=1e-14
        )
    big = torch.tensor([[1e4, -1e4, 0.0]], dtype=torch.float64)
    logp = AF.log_softmax(big)
    assert torch.isfinite(logp).all()
    assert torch.log(AF.softmax(big))[0, 1] == -math.inf  # the naive form fails here
    # log(1 + e^-1e4 + e^-2e4) rounds to 0, so the exact answers are x - 1e4
    torch.testing.assert_close(logp, big - 1e4, rtol=0, atol=0)


@pytest.mark.parametrize("dim", [-1, 0])
def test_softmin_is_softmax_of_minus_x(dim):
    x = _rand(6, 5, seed=2)
    torch.testing.assert_close(AF.softmin(x, dim=dim), AF.softmax(-x, dim=dim), rtol=1e-15, atol=0)
    assert AF.softmin(x, dim=dim).argmax(dim).equal(x.argmin(dim))


# -- maxout ---------------------------------------------------------------------------------


def _maxout_by_loops(x: np.ndarray, pieces: int) -> np.ndarray:
    """Maxout along the last axis of a 2-D array, one group at a time."""
    rows, width = x.shape
    out = np.empty((rows, width // pieces))
    for r in range(rows):
        for i in range(width // pieces):
            out[r, i] = max(x[r, pieces * i + k] for k in range(pieces))
    return out


def test_maxout_on_a_hand_built_example():
    x = torch.tensor([1.0, 5.0, 3.0, 2.0, -1.0, -4.0])
    assert AF.maxout(x).tolist() == [5.0, 3.0, -1.0]  # pairs (1,5) (3,2) (-1,-4)
    assert AF.maxout(x, pieces=3).tolist() == [5.0, 2.0]  # triples (1,5,3) (2,-1,-4)
    assert AF.maxout(x, pieces=6).tolist() == [5.0]


@pytest.mark.parametrize("pieces", [2, 3, 4])
def test_maxout_shape_and_values_match_group_by_group_maxima(pieces):
    x = _rand(5, 12, seed=pieces)
    want = _maxout_by_loops(x.numpy(), pieces)
    got = AF.maxout(x, pieces=pieces)
    assert got.shape == (5, 12 // pieces)
    np.testing.assert_array_equal(got.numpy(), want)
    # along dim 0: the same as maxout of the transpose, transposed back
    got0 = AF.maxout(x.T.contiguous(), pieces=pieces, dim=0)
    assert got0.shape == (12 // pieces, 5)
    np.testing.assert_array_equal(got0.numpy(), want.T)


def test_maxout_groups_the_middle_dim_of_a_3d_input():
    x = _rand(2, 6, 5, seed=7)
    got = AF.maxout(x, pieces=3, dim=1)
    assert got.shape == (2, 2, 5)
    for n in range(2):
        np.testing.assert_array_equal(got[n].numpy(), _maxout_by_loops(x[n].T.numpy(), 3).T)


def test_maxout_gradient_at_a_tie_goes_to_the_first_maximal_element():
    x = torch.tensor([2.0, 2.0, 7.0, 7.0, 7.0, 1.0, 4.0, 4.0, 4.0], requires_grad=True)
    AF.maxout(x, pieces=3).sum().backward()
    # groups (2,2,7): unique max at 2; (7,7,1): tie at 3 and 4; (4,4,4): three-way tie at 6
    assert x.grad.tolist() == [0, 0, 1, 1, 0, 0, 1, 0, 0]
    assert "first" in actlab.get("maxout").notes


def test_maxout_rejects_sizes_not_divisible_by_pieces():
    with pytest.raises(ValueError, match=r"size of dim -1 \(7.*not divisible by pieces=2"):
        AF.maxout(torch.zeros(3, 7))
    with pytest.raises(ValueError, match=r"size of dim 0 \(3.*pieces=2"):
        actlab.make("maxout", dim=0)(torch.zeros(3, 8))
    with pytest.raises(ValueError, match=r"pieces.*\[2, ∞\)"):
        actlab.make("maxout", pieces=1)
    with pytest.raises(TypeError, match="integer"):
        AF.maxout(torch.zeros(2, 4), pieces=2.0)


# -- GLU variants ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", GATED)
def test_gated_variants_halve_the_dim(name):
    x = _rand(4, 6, 8, seed=3)
    fn = getattr(AF, name)
    assert fn(x).shape == (4, 6, 4)
    assert fn(x, dim=1).shape == (4, 3, 8)
    assert fn(x, dim=0).shape == (2, 6, 8)
    assert actlab.make(name, dim=-2)(x).shape == (4, 3, 8)


@pytest.mark.parametrize("name", GATED)
def test_first_half_is_gated_by_the_second(name):
    """PyTorch's convention: f(cat[a, b]) = a * gate(b), checked with slices taken here."""
    x = _rand(3, 10, seed=4)
    a, b = x[:, :5], x[:, 5:]
    torch.testing.assert_close(getattr(AF, name)(x), a * GATES[name](b), rtol=1e-15, atol=0)
    ones = torch.ones_like(a)
    torch.testing.assert_close(
        getattr(AF, name)(torch.cat([ones, b], 1)), GATES[name](b), rtol=1e-15, atol=0
    )


@pytest.mark.parametrize("name", GATED)
def test_gated_variants_reject_an_odd_size(name):
    with pytest.raises(ValueError, match=r"size of dim -1 must be even.*got size 7"):
        getattr(AF, name)(torch.zeros(3, 7))
    with pytest.raises(ValueError, match=r"size of dim 0 must be even.*got size 3"):
        actlab.make(name, dim=0)(torch.zeros(3, 8))


@pytest.mark.parametrize("name", [*GATED, "maxout", "softmax"])
def test_a_dim_out_of_range_raises_index_error(name):
    with pytest.raises(IndexError, match="out of range"):
        getattr(AF, name)(torch.zeros(4, 8), dim=2)
