"""Uniform B-spline bases for KAN-style spline activations (Liu et al., 'KAN', 2024).

The grid [-bound, bound] is cut into `grid_size` equal intervals and extended by `order` knots on
each side, giving grid_size + order basis functions of degree `order` that sum to 1 on the grid.
Inputs are clamped to the grid before the spline is evaluated, so outside it the spline part
holds its edge value (no extrapolated polynomial growth, no NaN for any finite or infinite x).
"""

from __future__ import annotations

import numpy as np
import torch


def knots(bound: float, grid_size: int, order: int) -> np.ndarray:
    h = 2.0 * bound / grid_size
    return -bound + h * np.arange(-order, grid_size + order + 1, dtype=np.float64)


def bspline_basis(x: torch.Tensor, bound: float, grid_size: int, order: int) -> torch.Tensor:
    """B_i(clamp(x)) for i < grid_size + order, on a new last axis (Cox-de Boor recursion)."""
    t = torch.as_tensor(knots(bound, grid_size, order), dtype=x.dtype, device=x.device)
    xe = x.clamp(-bound, bound).unsqueeze(-1)
    basis = ((xe >= t[:-1]) & (xe < t[1:])).to(x.dtype)
    for p in range(1, order + 1):
        left = (xe - t[: -(p + 1)]) / (t[p:-1] - t[: -(p + 1)])
        right = (t[p + 1 :] - xe) / (t[p + 1 :] - t[1:-p])
        basis = left * basis[..., :-1] + right * basis[..., 1:]
    return basis
