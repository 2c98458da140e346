"""Streaming per-layer statistics: running sums on the activation's device, never the tensors.

Every update is a few reductions kept as 0-d tensors (float64 sums), so a training step never
waits for the device; numbers become Python floats only in `row()`. The reductions are chosen
for speed (a float64 sum and sum of squares instead of `torch.var_mean`, which is ~10x slower
on CPU; one per-unit max of |f'| instead of boolean masks).

Units: the "unit" a dead-unit count refers to is one feature, along

- dim 1 for (N, C) and (N, C, H, W, ...) tensors (a Linear feature or a conv channel),
- for 3-D tensors, dim 1 (channels of (N, C, L)) when the module registered just before the
  activation is channel-first (Conv1d, BatchNorm1d, pooling, ...), otherwise the last dim:
  the transformer layout (N, L, D), where a unit is a Linear feature of every token,
- dim 0 for an unbatched 1-D tensor;

`Monitor(unit_dim=...)` overrides the choice for every layer.

A unit is dead when no element of it, over every sample seen, had |f'(z)| >= eps: no gradient
can pass through it (for ReLU that is "its output was always 0"). Activations without an
elementwise derivative (GLU) count a unit as dead when its output was always exactly 0.

NaN/inf are counted per forward (or backward) call: a call counts when the float64 sum of the
tensor is not finite, which happens exactly when one of its elements is NaN or ±inf.
"""

from __future__ import annotations

from typing import Any

import torch

F64 = torch.float64


def _add(total: torch.Tensor | None, value: torch.Tensor) -> torch.Tensor:
    return value if total is None else total + value


def _float(value: torch.Tensor | None) -> float | None:
    return None if value is None else float(value)


class Moments:
    """Running count, mean and sum of squared deviations. Each batch contributes its float64
    sum and sum of squares; batches are merged with Chan, Golub & LeVeque's pairwise update."""

    def __init__(self) -> None:
        self.count = 0
        self.mean: torch.Tensor | None = None
        self.m2: torch.Tensor | None = None

    def update(self, x: torch.Tensor) -> torch.Tensor | None:
        """Add a batch; returns its float64 sum (non-finite iff `x` holds NaN/inf)."""
        n_b = x.numel()
        if n_b == 0:
            return None
        total = x.sum(dtype=F64)
        mean_b = total / n_b
        # sum of squares minus n·mean², never below 0 (rounding); NaN stays NaN
        m2_b = (torch.linalg.vector_norm(x, dtype=F64).square() - total * mean_b).clamp(min=0)
        if self.mean is None or self.m2 is None:
            self.mean, self.m2 = mean_b, m2_b
        else:
            count = self.count + n_b
            delta = mean_b - self.mean
            self.mean = self.mean + delta * (n_b / count)
            self.m2 = self.m2 + m2_b + delta * delta * (self.count * n_b / count)
        self.count += n_b
        return total

    def result(self) -> tuple[float | None, float | None]:
        """(mean, population variance), or (None, None) before any data."""
        if self.mean is None or self.m2 is None:
            return None, None
        return float(self.mean), float(self.m2) / self.count


def unit_axis(ndim: int, unit_dim: int | None, channel_first: bool = False) -> int | None:
    """The dimension that indexes units for a tensor of `ndim` dims (see the module doc)."""
    if ndim == 0:
        return None
    if unit_dim is not None:
        return unit_dim % ndim if -ndim <= unit_dim < ndim else None
    if ndim == 1:
        return 0
    return 2 if ndim == 3 and not channel_first else 1


class LayerStats:
    """Everything one activation call site has seen since the last reset."""

    def __init__(
        self,
        index: int,
        path: str,
        call: int,
        module_name: str,
        activation: str | None,
        activation_params: str,
        eps: float,
        unit_dim: int | None,
        channel_first: bool = False,
    ) -> None:
        self.index, self.path, self.call = index, path, call
        self.module_name, self.activation, self.activation_params = (
            module_name,
            activation,
            activation_params,
        )
        self.eps, self.unit_dim, self.channel_first = eps, unit_dim, channel_first
        self.samples = 0
        self.batches = 0
        self.pre, self.out = Moments(), Moments()
        self.positive: torch.Tensor | None = None
        self.saturated: torch.Tensor | None = None
        self.abs_d1: torch.Tensor | None = None
        self.d1_count = 0
        # per unit, the largest |f'(z)| seen (or |output| for activations without f')
        self.unit_max: torch.Tensor | None = None
        self.dead_by_output = False
        self.units_changed = False  # unit count differed between calls: no dead fraction
        self.nonfinite: dict[str, torch.Tensor | None] = {"pre": None, "out": None, "grad": None}
        self.grad_norm: torch.Tensor | None = None
        self.grad_abs: torch.Tensor | None = None
        self.grad_count = 0
        self.backward_passes = 0

    def _flag_nonfinite(self, key: str, total: torch.Tensor | None) -> None:
        if total is not None:
            self.nonfinite[key] = _add(self.nonfinite[key], torch.isfinite(total).logical_not())

    def _update_units(self, magnitude: torch.Tensor) -> None:
        if self.units_changed:
            return
        axis = unit_axis(magnitude.dim(), self.unit_dim, self.channel_first)
        if axis is None:
            return
        others = tuple(d for d in range(magnitude.dim()) if d != axis)
        per_unit = magnitude.amax(dim=others) if others else magnitude
        if self.unit_max is None:
            self.unit_max = per_unit
        elif self.unit_max.shape != per_unit.shape:
            self.units_changed, self.unit_max = True, None
        else:
            self.unit_max = torch.maximum(self.unit_max, per_unit)

    def observe_input(self, z: torch.Tensor, d1: torch.Tensor | None) -> None:
        """Pre-activation `z` and, when known, f'(z) elementwise."""
        self.samples += z.shape[0] if z.dim() >= 2 else 1
        self.batches += 1
        self._flag_nonfinite("pre", self.pre.update(z))
        self.positive = _add(self.positive, torch.count_nonzero(z > 0))
        if d1 is not None:
            magnitude = d1.abs()
            self.abs_d1 = _add(self.abs_d1, magnitude.sum(dtype=F64))
            self.d1_count += magnitude.numel()
            self.saturated = _add(self.saturated, torch.count_nonzero(magnitude < self.eps))
            self._update_units(magnitude)

    def observe_output(self, y: torch.Tensor, dead_from_output: bool) -> None:
        self._flag_nonfinite("out", self.out.update(y))
        if dead_from_output:
            self.dead_by_output = True
            self._update_units(y.abs())

    def observe_grad(self, grad: torch.Tensor) -> None:
        """The gradient of the loss with respect to this activation's output (one backward)."""
        norm = torch.linalg.vector_norm(grad, dtype=F64)  # non-finite iff an element is
        self.grad_norm = _add(self.grad_norm, norm)
        self.grad_abs = _add(self.grad_abs, grad.abs().sum(dtype=F64))
        self.grad_count += grad.numel()
        self.backward_passes += 1
        self._flag_nonfinite("grad", norm)

    def dead_fraction(self) -> float | None:
        if self.unit_max is None:
            return None
        dead = self.unit_max == 0 if self.dead_by_output else self.unit_max < self.eps
        return float(dead.sum()) / dead.numel()

    def row(self) -> dict[str, Any]:
        """One tidy row of plain Python values (None where nothing was measured)."""
        pre_mean, pre_var = self.pre.result()
        out_mean, out_var = self.out.result()

        def share(count: torch.Tensor | None, total: int) -> float | None:
            return None if count is None or total == 0 else float(count) / total

        def calls(flags: torch.Tensor | None) -> int:
            return 0 if flags is None else int(flags)

        passes = self.backward_passes
        return {
            "layer": self.index,
            "path": self.path,
            "call": self.call,
            "module": self.module_name,
            "activation": self.activation,
            "activation_params": self.activation_params,
            "samples": self.samples,
            "batches": self.batches,
            "units": None if self.unit_max is None else self.unit_max.numel(),
            "dead_fraction": self.dead_fraction(),
            "on_rate": share(self.positive, self.pre.count),
            "saturation": share(self.saturated, self.d1_count),
            "mean_abs_d1": share(self.abs_d1, self.d1_count),
            "pre_mean": pre_mean,
            "pre_var": pre_var,
            "out_mean": out_mean,
            "out_var": out_var,
            "grad_norm": None if passes == 0 else _float(self.grad_norm) / passes,
            "grad_mean_abs": share(self.grad_abs, self.grad_count),
            "backward_passes": passes,
            "nonfinite_pre": calls(self.nonfinite["pre"]),
            "nonfinite_out": calls(self.nonfinite["out"]),
            "nonfinite_grad": calls(self.nonfinite["grad"]),
        }
