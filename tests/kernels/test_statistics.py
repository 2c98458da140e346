"""`tensor_stats`: the fused one-pass statistics equal the torch form (the reference) on
every kind of value, in both dtypes, and the counts follow torch's comparisons."""

from __future__ import annotations

import pytest
import torch

from actlab.kernels import compiled
from actlab.kernels.statistics import (
    FIELDS,
    positive_columns,
    positive_columns_torch,
    tensor_stats,
    tensor_stats_torch,
)

pytestmark = pytest.mark.skipif(
    compiled.backend().name != "compiled", reason="needs the compiled kernels"
)


def _values(n: int, dtype: torch.dtype) -> torch.Tensor:
    gen = torch.Generator().manual_seed(n)
    x = (torch.randn(n, generator=gen, dtype=torch.float64) * 3).to(dtype)
    special = torch.tensor([0.0, -0.0, 1e-3, -1e-3, 0.01, float("nan"), float("inf"), -1e30])
    k = min(n, len(special))
    x[:k] = special[:k].to(dtype)
    return x


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 31, 65536, 65536 * 2 + 13])
def test_the_kernel_equals_the_torch_form(n, dtype):
    x = _values(n, dtype)
    got, want = tensor_stats(x, 0.01), tensor_stats_torch(x, 0.01)
    assert got.dtype == torch.float64 and got.shape == (len(FIELDS),)
    torch.testing.assert_close(got, want, rtol=1e-12, atol=0, equal_nan=True)


def test_counts_follow_torch_comparisons_and_sums_are_float64():
    x = torch.tensor([0.0, -0.0, 2.0, -3.0, float("nan"), 0.004, 16777217.0], dtype=torch.float64)
    total, squares, abs_sum, positive, nonzero, below = tensor_stats(x[[0, 1, 2, 3, 5]], 0.01)
    assert (positive, nonzero, below) == (2, 3, 3)  # 0 and -0 are neither > 0 nor != 0
    assert total == pytest.approx(2 - 3 + 0.004) and abs_sum == pytest.approx(5.004)
    assert squares == pytest.approx(4 + 9 + 0.004**2)
    with_nan = tensor_stats(x, 0.01)
    assert with_nan[0].isnan() and with_nan[4] == 5  # NaN is != 0, and not > 0 nor < eps
    assert with_nan[3] == 3 and with_nan[5] == 3
    # float32 values added in float64: in float32, 2^24 + 1 rounds back to 2^24
    big = torch.cat([torch.tensor([16777216.0]), torch.ones(15)])
    assert big.dtype == torch.float32 and big[0] + big[1] == big[0]
    assert tensor_stats(big)[0] == 16777216.0 + 15


def test_the_result_does_not_depend_on_the_thread_count():
    x = _values(65536 * 5 + 3, torch.float32)
    previous = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = tensor_stats(x, 0.01)
        torch.set_num_threads(2)
        two = tensor_stats(x, 0.01)
    finally:
        torch.set_num_threads(previous)
    assert torch.equal(one.nan_to_num(), two.nan_to_num())


def test_other_dtypes_take_the_torch_form():
    x = _values(100, torch.float32)
    half = x.to(torch.bfloat16)
    torch.testing.assert_close(
        tensor_stats(half, 0.01), tensor_stats_torch(half, 0.01), equal_nan=True
    )


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (256, 512), (5, 300), (0, 9)])
def test_positive_columns_equal_the_indicators_column_maximum(shape, dtype):
    gen = torch.Generator().manual_seed(shape[1])
    x = torch.randn(shape, generator=gen, dtype=torch.float64).to(dtype) - 1.5
    if shape[0] > 2:
        x[:, 0] = -1.0  # never positive: 0
        x[:, 1] = float("nan")  # NaN is not > 0: 0
        x[1, 2], x[:, 3] = 0.5, 0.0  # one positive among negatives: 1; zeros: 0
    got = positive_columns(x)
    assert got.dtype == dtype and got.shape == (shape[1],)
    assert torch.equal(got, positive_columns_torch(x))
    if shape[0] > 2:
        assert got[:4].tolist() == [0.0, 0.0, 1.0, 0.0]
