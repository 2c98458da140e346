"""Properties of an expression, measured numerically in float64 (an expression has no spec
whose claims could be written by hand).

- limits f(±∞), from f at ±1e3, ±1e4, ±1e5: the value there when f has settled, ±∞ when the
  steps keep one sign and do not shrink (by at least half per decade: log x and faster),
  Aitken's extrapolation when they shrink (atan x → π/2), None when they change sign;
- range: min and max over a dense grid on [-10, 10] and probes out to ±1e5; a side with an
  infinite limit is ∞ (an oscillation of growing size, x·sin x, is seen only at the probes);
- monotonic: f′ ≥ 0 on the grid and f non-decreasing along the probes;
- zero-centred: f(0) = 0 and f takes both signs (the catalogue's meaning);
- smoothness: C^∞ unless the expression uses a kinked function (abs, relu, sqrt, log),
  max, min or division (C^0 then) — read from the tree, since a grid cannot see a kink's
  order reliably.

All are of the safe forms the module computes (`actlab.expr.functions`): exp clamped at ±30,
log(|u| + ε), division away from zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from actlab.expr.functions import FUNCTIONS
from actlab.expr.module import evaluate
from actlab.expr.tree import Node

GRID = np.linspace(-10.0, 10.0, 4001)
PROBES = np.array([20.0, 50.0, 100.0, 300.0, 1e3, 1e4, 1e5])
SETTLED = 1e-9


def curve(
    tree: Node, x: np.ndarray, values: Mapping[str, float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(f(x), f′(x)) in float64, f′ by autograd; parameters at `values` (default 1)."""
    t = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    params = {name: 1.0 for name in _param_names(tree)}
    params.update(values or {})
    with torch.enable_grad():
        y = evaluate(
            tree, t, {k: torch.tensor(float(v), dtype=torch.float64) for k, v in params.items()}
        )
        (d1,) = torch.autograd.grad(y.sum(), t, allow_unused=True)
    d1 = torch.zeros_like(t) if d1 is None else d1
    return y.detach().numpy().copy(), d1.numpy().copy()


def _param_names(tree: Node) -> set[str]:
    if tree.kind == "param":
        return {str(tree.value)}
    return set().union(*(_param_names(c) for c in tree.children)) if tree.children else set()


def smoothness(tree: Node) -> str:
    """ "C^∞", or "C^0" when a kinked function, max, min or a division appears."""
    if tree.kind in ("max", "min", "div"):
        return "C^0"
    if tree.kind == "fn" and FUNCTIONS[str(tree.value)].kinked:
        return "C^0"
    return "C^0" if any(smoothness(c) == "C^0" for c in tree.children) else "C^∞"


@dataclass(frozen=True)
class MeasuredFacts:
    low: float
    high: float
    limit_low: float | None
    limit_high: float | None
    monotonic: bool
    zero_centred: bool
    smoothness: str
    minimum_at: float

    @property
    def range_text(self) -> str:
        left = "(" if math.isinf(self.low) else "["
        right = ")" if math.isinf(self.high) else "]"
        return f"{left}{_fmt(self.low)}, {_fmt(self.high)}{right}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["range"] = self.range_text
        return {k: (_json_number(v) if isinstance(v, float) else v) for k, v in data.items()}


def _fmt(v: float | None) -> str:
    if v is None:
        return "none"
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    return f"{v:.6g}"


def _json_number(v: float) -> float | str:
    return v if math.isfinite(v) else ("inf" if v > 0 else "-inf")


def _limit(f_probe: np.ndarray) -> float | None:
    """f(±∞) from f at the last three probes (1e3, 1e4, 1e5 outward); None: no limit."""
    f1, f2, f3 = (float(v) for v in f_probe[-3:])
    d1, d2 = f2 - f1, f3 - f2
    if abs(d2) <= SETTLED * (1.0 + abs(f3)):
        return f3 + 0.0  # + 0.0: no -0
    if d1 * d2 <= 0:
        return None
    if abs(d2) >= 0.5 * abs(d1):
        return math.copysign(math.inf, d2)
    return float(f"{f3 - d2 * d2 / (d2 - d1):.6g}") + 0.0


def measure(tree: Node, values: Mapping[str, float] | None = None) -> MeasuredFacts:
    """The measured facts of `tree` with parameters at `values` (default 1)."""
    f, d1 = curve(tree, GRID, values)
    f_pos, _ = curve(tree, PROBES, values)
    f_neg, _ = curve(tree, -PROBES, values)
    everything = np.concatenate([f, f_pos, f_neg])
    if not np.all(np.isfinite(everything)):
        raise ValueError("the expression is not finite on [-1e5, 1e5]")
    limits = (_limit(f_neg), _limit(f_pos))
    finite = [v for v in limits if v is not None and math.isfinite(v)]
    high = math.inf if math.inf in limits else max([float(everything.max()), *finite]) + 0.0
    low = -math.inf if -math.inf in limits else min([float(everything.min()), *finite]) + 0.0
    scale = max(1.0, float(np.abs(d1).max()))
    ordered = np.concatenate([f_neg[::-1], f, f_pos])
    monotonic = bool(
        np.all(d1 >= -1e-9 * scale)
        and np.all(np.diff(ordered) >= -1e-9 * (1 + np.abs(ordered[1:])))
    )
    at_zero = float(f[len(GRID) // 2])
    return MeasuredFacts(
        low=low,
        high=high,
        limit_low=limits[0],
        limit_high=limits[1],
        monotonic=monotonic,
        zero_centred=bool(abs(at_zero) < 1e-9 and everything.min() < 0 < everything.max()),
        smoothness=smoothness(tree),
        minimum_at=float(GRID[int(np.argmin(f))]),
    )
