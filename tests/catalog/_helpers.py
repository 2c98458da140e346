"""Shared inputs and tolerances for the table-generated catalogue tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import actlab
from actlab.catalog import ActivationSpec

EPS64 = np.finfo(np.float64).eps
SPECS = actlab.specs()
ELEMENTWISE = [s for s in SPECS if s.elementwise]
MULTI = [s for s in SPECS if not s.elementwise]


def spec_params(specs: list[ActivationSpec], test_key: str | None = None) -> list[Any]:
    """pytest params over specs. A spec listing `test_key` in its `xfail` gets a strict xfail
    mark, so the test fails loudly if that known limitation ever goes away."""
    return [pytest.param(s, id=s.name, marks=_xfail_marks(s, test_key)) for s in specs]


def _xfail_marks(spec: ActivationSpec, test_key: str | None, index: int | None = None) -> list[Any]:
    """A strict xfail for `test_key` in the spec's `xfail`, or for `test_key-p<index>`, which
    names one parameter set (p0 the defaults, p1 the first of `test_params`, ...)."""
    if test_key is None:
        return []
    reason = spec.xfail.get(test_key) or spec.xfail.get(f"{test_key}-p{index}")
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


def spec_dtype_params(specs: list[ActivationSpec], dtypes: list[Any]) -> list[Any]:
    """(spec, dtype) params; the xfail key is `dtype-<name>`, e.g. dtype-bfloat16."""
    return [
        pytest.param(
            s,
            d,
            id=f"{s.name}-{str(d).split('.')[-1]}",
            marks=_xfail_marks(s, f"dtype-{str(d).split('.')[-1]}"),
        )
        for s in specs
        for d in dtypes
    ]


def param_sets(spec: ActivationSpec) -> list[dict[str, Any]]:
    return [dict(spec.defaults), *({**spec.defaults, **p} for p in spec.test_params)]


def case_params(specs: list[ActivationSpec], test_key: str | None = None) -> list[Any]:
    """pytest params (spec, params) over every spec's parameter sets: its defaults (id `name`)
    and each of its `test_params` (ids `name-p1`, `name-p2`, ...), with the spec's xfail."""
    return [
        pytest.param(
            s,
            params,
            id=s.name if i == 0 else f"{s.name}-p{i}",
            marks=_xfail_marks(s, test_key, i),
        )
        for s in specs
        for i, params in enumerate(param_sets(s))
    ]


def kinks_of(spec: ActivationSpec, params: dict[str, Any] | None = None) -> tuple[float, ...]:
    """The kinks the spec claims for `params` (elementwise entries; none for the others)."""
    return spec.facts_for(params).kinks if spec.elementwise else ()


def dense_grid(spec: ActivationSpec, params: dict[str, Any] | None = None) -> np.ndarray:
    """A dense grid on [-10, 10], random points, and points hugging each kink."""
    rng = np.random.default_rng(0)
    near = [k + d for k in kinks_of(spec, params) for d in (-1e-6, -1e-3, 1e-3, 1e-6)]
    return np.concatenate(
        [
            np.linspace(-10, 10, 4001),
            rng.normal(0, 3, 500),
            rng.uniform(-30, 30, 200),
            np.array(near),
        ]
    )


def away_from_kinks(
    x: np.ndarray, spec: ActivationSpec, params: dict[str, Any] | None = None, gap: float = 1e-9
) -> np.ndarray:
    keep = np.ones_like(x, dtype=bool)
    for k in kinks_of(spec, params):
        keep &= np.abs(x - k) > gap
    return x[keep]


def multi_input(spec: ActivationSpec, seed: int = 0) -> np.ndarray:
    """A (4, 12) array: both sizes are even (gated halves) and divisible by maxout's pieces,
    so test_params may use dim=0 as well as dim=-1."""
    return np.random.default_rng(seed).normal(0, 2, size=(4, 12))


def assert_close64(
    actual: np.ndarray, expected: np.ndarray, x: np.ndarray, rtol: float = 1e-12, what: str = ""
) -> None:
    """Relative agreement to `rtol`, allowing a few ulps of the input where f cancels."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    scale = (
        np.abs(np.broadcast_to(x, expected.shape)) if x.shape == expected.shape else np.abs(x).max()
    )
    tol = rtol * np.abs(expected) + 16 * EPS64 * (scale + np.abs(expected)) + 1e-300
    err = np.abs(actual - expected)
    bad = ~(err <= tol) & ~(np.isnan(actual) & np.isnan(expected))
    if bad.any():
        i = np.flatnonzero(bad.ravel())[:5]
        xs = np.broadcast_to(x, expected.shape).ravel()[i] if x.shape == expected.shape else "-"
        raise AssertionError(
            f"{what}: {bad.sum()} of {bad.size} values disagree; at x={xs} "
            f"got {actual.ravel()[i]} want {expected.ravel()[i]}"
        )


def torch_eval(
    spec: ActivationSpec, x: np.ndarray, params: dict[str, Any], dtype: torch.dtype = torch.float64
) -> np.ndarray:
    with torch.no_grad():
        return spec(torch.tensor(x, dtype=dtype), **params).double().numpy()


def autograd_d1(spec: ActivationSpec, x: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """Elementwise f'(x) from autograd of the torch form, in float64."""
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(spec(t, **params).sum(), t)
    return g.numpy()


def native_call(spec: ActivationSpec, x: torch.Tensor) -> torch.Tensor:
    """PyTorch's own function named by `spec.native`, with the spec's default params."""
    return spec.call_native(x)


def sign_changes(values: np.ndarray) -> bool:
    return bool((values < 0).any() and (values > 0).any())
