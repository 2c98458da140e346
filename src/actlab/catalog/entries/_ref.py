"""float64 NumPy/SciPy building blocks for references: stable, and independent of torch."""

from __future__ import annotations

import numpy as np
from scipy import special

sigmoid = special.expit
erf = special.erf


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x) without overflow."""
    return np.logaddexp(0.0, x)


def sigmoid_d1(x: np.ndarray) -> np.ndarray:
    s = special.expit(x)
    return s * (1.0 - s)


def tanh_d1(x: np.ndarray) -> np.ndarray:
    # 1 - tanh^2 loses all digits once tanh rounds to 1; sech^2 via exp keeps them.
    e = np.exp(-2.0 * np.abs(x))
    return 4.0 * e / (1.0 + e) ** 2


def phi(x: np.ndarray) -> np.ndarray:
    """Standard normal density."""
    return np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)


def Phi(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF."""
    return special.ndtr(x)


def step(x: np.ndarray, at_zero: float = 0.0) -> np.ndarray:
    """Heaviside step with value `at_zero` at 0 (the kink convention)."""
    return np.where(x > 0, 1.0, np.where(x < 0, 0.0, at_zero))
