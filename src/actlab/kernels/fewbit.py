"""`impl="fewbit"`: the few-bit backward of Novikov et al. (ICML 2023).

The forward computes f exactly. For the backward it keeps, per element, only a k-bit code:
the index of the interval of x among 2**k - 1 fixed boundaries. The backward multiplies the
upstream gradient by a per-interval level, so f' is replaced by a piecewise-constant q.
Boundaries and levels minimise E[(f'(Z) - q(Z))^2] for Z ~ N(0, 1) (pre-activations of a
normalised network), found once per (activation, params, k) by dynamic programming over a
fine grid and cached. The codes are bit-packed (k/8 bytes per element: 0.375 for k = 3).

The tables are built from the catalogue's float64 `ref_d1`, so they do not depend on torch.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from scipy import special

from actlab.catalog.registry import get
from actlab.kernels import compiled
from actlab.kernels.bitpack import pack_codes, unpack_codes
from actlab.kernels.lean import fused_forward, smooth_param

FEWBIT_KERNELS = (
    "gelu",
    "gelu_tanh",
    "silu",
    "mish",
    "elu",
    "selu",
    "celu",
    "softplus",
    "sigmoid",
    "tanh",
    "logsigmoid",
    "quick_gelu",
    "serf",
    "tanhexp",
    "smish",
    "logish",
    "elish",
    "softsign",
    "arctan",
)  # smooth or C^1 entries with bounded f' and no learnable parameter

GRID_HALF_WIDTH = 6.0  # boundaries may sit in [-6, 6]; N(0, 1) mass outside is 2e-9
GRID_CELLS = 1024  # candidate boundary spacing 12/1024 ~ 0.0117
_SUBSAMPLES = 16  # quadrature points per cell for its mean and second moment of f'


@dataclass(frozen=True)
class FewBitTable:
    """The optimal piecewise-constant q for one activation: q(x) = levels[i] on the i-th
    interval, intervals split at `boundaries` (length 2**bits - 1, ascending)."""

    name: str
    bits: int
    boundaries: np.ndarray
    levels: np.ndarray
    predicted_mse: float  # E[(f'(Z) - q(Z))^2], Z ~ N(0, 1), by fine quadrature
    exact_second_moment: float  # E[f'(Z)^2], for relative error

    def q(self, x: np.ndarray) -> np.ndarray:
        return self.levels[np.searchsorted(self.boundaries, x, side="left")]


def _normal_quadrature(d1: Callable[[np.ndarray], np.ndarray], edges: np.ndarray, points: int):
    """Per cell between consecutive `edges` (outer ones ±inf): N(0,1) mass W, and the
    mass-weighted sums S1 = E[f' 1_cell], S2 = E[f'^2 1_cell] by a midpoint rule in the
    probability scale (so the two infinite tail cells are covered too)."""
    cdf = special.ndtr(edges)
    u = (np.arange(points) + 0.5) / points
    probs = cdf[:-1, None] + (cdf[1:] - cdf[:-1])[:, None] * u[None, :]
    z = special.ndtri(np.clip(probs, 1e-300, 1 - 1e-16))
    g = d1(z)
    mass = cdf[1:] - cdf[:-1]
    s1 = mass * g.mean(axis=1)
    s2 = mass * (g * g).mean(axis=1)
    return mass, s1, s2


def _optimal_segments(mass: np.ndarray, s1: np.ndarray, s2: np.ndarray, segments: int) -> list[int]:
    """Split cells 0..M-1 into `segments` contiguous runs minimising the within-run weighted
    variance of f' (the squared error of the best constant). Returns the run start indices.

    dp[k][j] = least cost of covering cells [0, j) with k runs; O(segments * M^2) vectorised."""
    m = mass.size
    cw, c1, c2 = (np.concatenate([[0.0], np.cumsum(a)]) for a in (mass, s1, s2))
    w = cw[None, :] - cw[:, None]  # [i, j]: cells i..j-1
    a1 = c1[None, :] - c1[:, None]
    a2 = c2[None, :] - c2[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = np.where(w > 0, a2 - a1 * a1 / w, 0.0)
    cost = np.maximum(cost, 0.0)
    cost[np.tril_indices(m + 1)] = np.inf  # runs must be non-empty: i < j
    dp = cost[0].copy()  # one run covering [0, j)
    back = []
    for _ in range(segments - 1):
        total = dp[:, None] + cost
        arg = np.argmin(total, axis=0)
        back.append(arg)
        dp = total[arg, np.arange(m + 1)]
    starts, j = [], m
    for arg in reversed(back):
        j = int(arg[j])
        starts.append(j)
    return sorted(starts)


@functools.lru_cache(maxsize=128)
def _table(name: str, bits: int, frozen_params: tuple[tuple[str, Any], ...]) -> FewBitTable:
    spec = get(name)
    params = dict(frozen_params)

    def d1(z: np.ndarray) -> np.ndarray:
        return spec.reference_d1(z, **params)

    edges = np.concatenate(
        [[-np.inf], np.linspace(-GRID_HALF_WIDTH, GRID_HALF_WIDTH, GRID_CELLS - 1), [np.inf]]
    )
    mass, s1, s2 = _normal_quadrature(d1, edges, _SUBSAMPLES)
    segments = min(2**bits, GRID_CELLS)
    starts = _optimal_segments(mass, s1, s2, segments)
    bounds = [0, *starts, GRID_CELLS]
    levels = np.array(
        [s1[a:b].sum() / mass[a:b].sum() for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    )
    boundaries = edges[np.array(starts, dtype=int)]
    # Predicted error of the chosen q, by a much finer quadrature than the DP's grid.
    fine = np.concatenate([[-np.inf], np.linspace(-9.0, 9.0, 200_001), [np.inf]])
    fmass, fs1, fs2 = _normal_quadrature(d1, fine, 4)
    centres = np.concatenate([[-9.5], (fine[1:-2] + fine[2:-1]) / 2, [9.5]])
    qv = levels[np.searchsorted(boundaries, centres, side="left")]
    mse = float(np.sum(fs2 - 2 * qv * fs1 + qv * qv * fmass))
    return FewBitTable(name, bits, boundaries, levels, max(mse, 0.0), float(np.sum(fs2)))


def fewbit_table(name: str, bits: int = 3, **params: Any) -> FewBitTable:
    """The cached optimal k-bit table for entry `name` with `params` (defaults filled in)."""
    spec = get(name)
    if not 1 <= bits <= 8 or isinstance(bits, bool) or not isinstance(bits, int):
        raise ValueError(f"bits must be an integer in [1, 8]; got {bits!r}")
    bound = spec.bind(**params)
    return _table(spec.name, bits, tuple(sorted(bound.items())))


def _codes(x: torch.Tensor, boundaries: tuple[float, ...]) -> torch.Tensor:
    """Interval index of each x among ascending `boundaries` (x == b goes below b, as in the
    tables). Counting comparisons is several times faster than bucketize's binary search for
    the few boundaries of k <= 4; NaN compares false and lands in interval 0."""
    if len(boundaries) > 15:
        edges = torch.tensor(boundaries, dtype=x.dtype, device=x.device)
        return torch.where(x.isnan(), 0, torch.bucketize(x, edges, out_int32=True))
    codes = torch.zeros(x.shape, dtype=torch.uint8, device=x.device)
    for b in boundaries:
        codes += x > b
    return codes


class FewBitFunction(torch.autograd.Function):
    """y = f(x) exactly; backward uses grad * levels[code(x)] from k-bit packed codes.

    On CPU float32 the codes are written and read by the fused C++ kernels (`compiled.py`),
    and the smooth entries that have one compute y with their C++ forward too."""

    @staticmethod
    def forward(ctx, x, forward_fn, boundaries, edges, levels, bits, smooth):
        name, p = smooth
        y = fused_forward(x, forward_fn, name, p)
        if not ctx.needs_input_grad[0]:
            return y
        if compiled.route("fewbit", name, x.device.type, x.dtype) >= 0:
            packed = torch.ops.actlab.fewbit_codes(x.detach(), edges, bits)
        else:
            packed = pack_codes(_codes(x.detach(), boundaries), bits)
        ctx.save_for_backward(packed, levels)
        ctx.shape, ctx.bits = x.shape, bits
        return y

    @staticmethod
    def backward(ctx, grad):
        if torch.is_grad_enabled():
            raise RuntimeError(
                "actlab fewbit kernels do not support double backward: their backward uses a "
                "piecewise-constant f' whose own derivative is 0, not f''. Use impl='native' "
                "or impl='lean' where higher-order gradients are needed."
            )
        packed, levels = ctx.saved_tensors
        if compiled.route("fewbit", "", grad.device.type, grad.dtype) >= 0:
            grad_x = torch.ops.actlab.fewbit_backward(grad, packed, levels, ctx.bits)
            return grad_x.view(ctx.shape), None, None, None, None, None, None
        codes = unpack_codes(packed, ctx.bits, grad.numel()).to(torch.int32)
        scale = levels.to(grad.dtype).index_select(0, codes).view(ctx.shape)
        return grad * scale, None, None, None, None, None, None


def fewbit_kernel(
    name: str, bits: int, params: Mapping[str, Any]
) -> Callable[[torch.Tensor], torch.Tensor]:
    """The few-bit function x -> f(x) for entry `name` with bound `params`."""
    spec = get(name)
    bound = dict(params)
    table = fewbit_table(name, bits, **bound)
    boundaries = tuple(float(b) for b in table.boundaries)
    levels = torch.tensor(table.levels, dtype=torch.float32)
    edges = torch.tensor(boundaries, dtype=torch.float32)  # what the C++ codes kernel reads
    smooth = (name, smooth_param(name, bound))

    def forward_fn(x: torch.Tensor) -> torch.Tensor:
        return spec.apply(x, bound)

    def apply(x: torch.Tensor) -> torch.Tensor:
        if levels.device != x.device:
            return FewBitFunction.apply(
                x, forward_fn, boundaries, edges, levels.to(x.device), bits, smooth
            )
        return FewBitFunction.apply(x, forward_fn, boundaries, edges, levels, bits, smooth)

    return apply


def relative_rms_error(table: FewBitTable) -> float:
    """sqrt(E[(f' - q)^2] / E[f'^2]) under N(0, 1): the table's predicted relative error."""
    return math.sqrt(table.predicted_mse / table.exact_second_moment)
