"""Streaming per-layer statistics: one read of each tensor per call, kept on its device.

Each observed call reads each tensor it looks at once (`actlab.kernels.statistics.tensor_stats`:
float64 sum, sum of squares, sum of magnitudes and three counts in one fused pass on CPU, the
same numbers from torch ops elsewhere), plus one per-unit max for the dead units, and writes
the results as one row of a float64 ledger on the same device, with no host transfer; the rows are read back in one transfer per ledger when a report is made (or when
a ledger of `LEDGER_ROWS` rows fills up) and merged on the host, in call order, with the same
float64 arithmetic as a running total would use. So a training step never waits for the
device, and the numbers do not depend on when reports are made.

What is measured is chosen per monitor (`STATISTICS`); a statistic not asked for costs nothing
and reads None.

Units: the "unit" a dead-unit count refers to is one feature, along

- dim 1 for (N, C) and (N, C, H, W, ...) tensors (a Linear feature or a conv channel),
- for 3-D tensors, dim 1 (channels of (N, C, L)) when the module registered just before the
  activation is channel-first (Conv1d, BatchNorm1d, pooling, ...), otherwise the last dim:
  the transformer layout (N, L, D), where a unit is a Linear feature of every token,
- dim 0 for an unbatched 1-D tensor;

`Monitor(unit_dim=...)` overrides the choice for every layer.

Where f'(z) is zero or small, two shares that are easy to tell apart:

- **inactive**: f'(z) is exactly 0, the off piece of a piecewise-linear unit (ReLU's negative
  half, hardtanh beyond its clip points);
- **saturated**: 0 < |f'(z)| < eps, the flat tails of a smooth unit (sigmoid for |z| > 4.6,
  tanh for |z| > 3 at eps = 1e-2), where the gradient is small but not zero.

An f' of exactly 0 is inactive only for a unit defined piecewise (a catalogue entry with kinks,
or a module the catalogue does not know): a smooth unit's f' is 0 only where it underflowed
(tanh' in float32 for |z| > 9), deep in a saturated tail, and counts as saturated there.

A unit is dead when no element of it, over every sample seen, had |f'(z)| >= eps (each element
was inactive or saturated): almost no gradient can pass through it (for ReLU: its output was
always 0). Activations without an elementwise derivative (GLU) count a unit as dead when its
output was always exactly 0.

NaN/inf are counted per forward (or backward) call: a call counts when the float64 sum of the
tensor is not finite, which happens exactly when one of its elements is NaN or ±inf.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from actlab.kernels.statistics import FIELDS as STAT_FIELDS
from actlab.kernels.statistics import positive_columns, tensor_stats

F64 = torch.float64

# What a monitor can measure; each name switches on the statistics listed.
STATISTICS = {
    "moments": "pre_mean, pre_var, out_mean, out_var, nonfinite_pre, nonfinite_out",
    "on_rate": "on_rate (share of pre-activations > 0)",
    "derivative": "inactive, saturated, mean_abs_d1, dead_fraction (f'(z) of every element)",
    "gradient": "grad_norm, grad_mean_abs, nonfinite_grad (gradient at the output)",
}

LEDGER_ROWS = 1024  # calls kept on the device before a host transfer folds them


class Ledger:
    """Per-call float64 values kept on the device: one row per call, read back in one transfer
    when `drain` is called or when `rows` rows are waiting."""

    def __init__(self, width: int, rows: int = LEDGER_ROWS) -> None:
        self.width, self.rows = width, rows
        self.buffer: torch.Tensor | None = None
        self.used = 0
        self.spilled: list[list[float]] = []

    def append(self, pieces: list[torch.Tensor]) -> None:
        """One row: the float64 vectors `pieces`, end to end (`width` values in all)."""
        device = pieces[0].device
        if self.buffer is None or self.buffer.device != device:
            self._spill()
            self.buffer = torch.empty((self.rows, self.width), dtype=F64, device=device)
        elif self.used == self.rows:
            self._spill()
        torch.cat(pieces, out=self.buffer[self.used])
        self.used += 1

    def _spill(self) -> None:
        if self.buffer is not None and self.used:
            self.spilled += self.buffer[: self.used].tolist()
        self.used = 0

    def drain(self) -> list[list[float]]:
        """Every row appended since the last drain, in order (one host transfer)."""
        self._spill()
        rows, self.spilled = self.spilled, []
        return rows


class Moments:
    """Running count, mean and sum of squared deviations. Each batch contributes its float64
    sum and sum of squares; batches are merged with Chan, Golub & LeVeque's pairwise update."""

    def __init__(self) -> None:
        self.count = 0
        self.mean: float | None = None
        self.m2: float | None = None

    def merge(self, n_b: int, total: float, squares: float) -> None:
        mean_b = total / n_b
        m2_b = squares - total * mean_b
        m2_b = 0.0 if m2_b < 0 else m2_b  # rounding; NaN stays NaN
        if self.mean is None or self.m2 is None:
            self.mean, self.m2 = mean_b, m2_b
        else:
            count = self.count + n_b
            delta = mean_b - self.mean
            self.mean = self.mean + delta * (n_b / count)
            self.m2 = self.m2 + m2_b + delta * delta * (self.count * n_b / count)
        self.count += n_b

    def result(self) -> tuple[float | None, float | None]:
        """(mean, population variance), or (None, None) before any data."""
        if self.mean is None or self.m2 is None:
            return None, None
        return self.mean, self.m2 / self.count


def unit_axis(ndim: int, unit_dim: int | None, channel_first: bool = False) -> int | None:
    """The dimension that indexes units for a tensor of `ndim` dims (see the module doc)."""
    if ndim == 0:
        return None
    if unit_dim is not None:
        return unit_dim % ndim if -ndim <= unit_dim < ndim else None
    if ndim == 1:
        return 0
    return 2 if ndim == 3 and not channel_first else 1


# The fields of one `tensor_stats` row (actlab.kernels.statistics).
SUM, SQUARES, ABS_SUM, POSITIVE, NONZERO, BELOW = range(len(STAT_FIELDS))


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
        measure: frozenset[str] = frozenset(STATISTICS),
        zeros_inactive: bool = True,
    ) -> None:
        self.index, self.path, self.call = index, path, call
        self.module_name, self.activation, self.activation_params = (
            module_name,
            activation,
            activation_params,
        )
        self.eps, self.unit_dim, self.channel_first = eps, unit_dim, channel_first
        self.measure, self.zeros_inactive = measure, zeros_inactive
        self.samples = 0
        self.batches = 0
        # host-side totals, folded from the ledgers in call order
        self.pre, self.out = Moments(), Moments()
        self.positive = 0.0
        self.on_count = 0
        self.abs_d1 = 0.0
        self.zero_d1 = 0.0
        self.small_d1 = 0.0
        self.d1_count = 0
        self.nonfinite = {"pre": 0, "out": 0, "grad": 0}
        self.grad_norm = 0.0
        self.grad_abs = 0.0
        self.grad_count = 0
        self.backward_passes = 0
        # device side: one ledger row per call, sizes kept here. Each row is made of
        # `tensor_stats` vectors (one read of the tensor each): the input's and f'(z)'s
        # (zeros when f' is not given as values), the output's, the gradient's.
        width = len(STAT_FIELDS)
        self._inputs = Ledger(2 * width)
        # (numel, how f' was given: None, "values" or "indicator")
        self._input_sizes: list[tuple[int, str | None]] = []
        self._outputs = Ledger(width)
        self._output_sizes: list[int] = []
        self._grads = Ledger(width)
        self._grad_sizes: list[int] = []
        # per unit, the largest |f'(z)| seen (or |output| for activations without f')
        self.unit_max: torch.Tensor | None = None
        self._zero: torch.Tensor | None = None
        self.dead_by_output = False
        self.units_changed = False  # unit count differed between calls: no dead fraction

    def _update_units(self, values: torch.Tensor, absolute: bool = False) -> None:
        """Fold max |values| (or max values, when they are >= 0) per unit into `unit_max`."""
        if self.units_changed:
            return
        axis = unit_axis(values.dim(), self.unit_dim, self.channel_first)
        if axis is None:
            return
        magnitude = values.abs() if absolute else values
        others = tuple(d for d in range(magnitude.dim()) if d != axis)
        # a copy when there is nothing to reduce: `values` may be the caller's tensor
        self._fold_units(magnitude.amax(dim=others) if others else magnitude.clone())

    def _update_units_from_indicator(self, z: torch.Tensor) -> None:
        """Per unit, whether some z > 0: the maximum of ReLU's f' (the indicator of z > 0),
        read off z in one pass for an (N, C) tensor, else through the indicator itself."""
        if self.units_changed:
            return
        axis = unit_axis(z.dim(), self.unit_dim, self.channel_first)
        if axis is None:
            return
        if z.dim() == 2 and axis == 1:
            self._fold_units(positive_columns(z))
        else:
            self._update_units(torch.gt(z, 0, out=torch.empty_like(z)))

    def _fold_units(self, per_unit: torch.Tensor) -> None:
        if self.unit_max is None:
            self.unit_max = per_unit
        elif self.unit_max.shape != per_unit.shape:
            self.units_changed, self.unit_max = True, None
        else:
            torch.maximum(self.unit_max, per_unit, out=self.unit_max)

    def observe_input(
        self, z: torch.Tensor, d1: torch.Tensor | None, indicator: bool = False
    ) -> None:
        """Pre-activation `z` and, when known, f'(z) elementwise (`d1`). `indicator`: f' is 1
        where z > 0 and 0 elsewhere (ReLU; `d1` is then not needed): z's own count of
        positives gives sum |f'| and the nonzero f', and its columns the dead units."""
        self.samples += z.shape[0] if z.dim() >= 2 else 1
        self.batches += 1
        if z.numel() == 0:
            return
        kind = "indicator" if indicator else None if d1 is None else "values"
        if kind is None and not {"moments", "on_rate"} & self.measure:
            return  # nothing asked of the input
        if self._zero is None or self._zero.device != z.device:
            self._zero = torch.zeros(len(STAT_FIELDS), dtype=F64, device=z.device)
        of_d1 = self._zero
        if kind == "indicator":
            self._update_units_from_indicator(z)
        elif kind == "values":
            of_d1 = tensor_stats(d1, self.eps)
            self._update_units(d1, absolute=True)
        self._input_sizes.append((z.numel(), kind))
        self._record(self._inputs, [tensor_stats(z, self.eps), of_d1])

    def observe_output(self, y: torch.Tensor, dead_from_output: bool) -> None:
        if "moments" in self.measure and y.numel():
            self._output_sizes.append(y.numel())
            self._record(self._outputs, [tensor_stats(y)])
        if dead_from_output:
            self.dead_by_output = True
            self._update_units(y, absolute=True)

    def observe_grad(self, grad: torch.Tensor) -> None:
        """The gradient of the loss with respect to this activation's output (one backward)."""
        self._grad_sizes.append(grad.numel())
        # the sum of squares is non-finite iff an element is
        self._record(self._grads, [tensor_stats(grad)])
        self.backward_passes += 1

    def _record(self, ledger: Ledger, values: list[torch.Tensor]) -> None:
        ledger.append(values)
        if ledger.used == ledger.rows:  # full: fold now, so the host keeps totals, not rows
            self.fold()

    def fold(self) -> None:
        """Read the waiting ledger rows back (one transfer each) into the host totals."""
        width = len(STAT_FIELDS)
        for (size, kind), row in zip(self._input_sizes, self._inputs.drain(), strict=True):
            of_z, of_d1 = row[:width], row[width:]
            if "moments" in self.measure:
                self.pre.merge(size, of_z[SUM], of_z[SQUARES])
                self.nonfinite["pre"] += not math.isfinite(of_z[SUM])
            if "on_rate" in self.measure:
                self.positive += of_z[POSITIVE]
                self.on_count += size
            if kind == "indicator":  # f' is 0 or 1: the ones are z's positives
                ones = of_z[POSITIVE]
                # below eps are the zeros (and the ones too when eps > 1)
                abs_sum, nonzero, below = ones, ones, size - ones + (ones if self.eps > 1 else 0)
            else:
                abs_sum, nonzero, below = of_d1[ABS_SUM], of_d1[NONZERO], of_d1[BELOW]
            if kind is not None:
                self.abs_d1 += abs_sum
                self.zero_d1 += size - nonzero
                self.small_d1 += below
                self.d1_count += size
        self._input_sizes.clear()
        for size, row in zip(self._output_sizes, self._outputs.drain(), strict=True):
            self.out.merge(size, row[SUM], row[SQUARES])
            self.nonfinite["out"] += not math.isfinite(row[SUM])
        self._output_sizes.clear()
        for size, row in zip(self._grad_sizes, self._grads.drain(), strict=True):
            squares = row[SQUARES]
            norm = math.sqrt(squares) if squares >= 0 else squares  # NaN stays NaN
            self.grad_norm += norm
            self.grad_abs += row[ABS_SUM]
            self.grad_count += size
            self.nonfinite["grad"] += not math.isfinite(norm)
        self._grad_sizes.clear()

    def dead_units(self) -> torch.Tensor | None:
        """Per unit, whether it is dead (see the module doc); None when units are not known."""
        if self.unit_max is None:
            return None
        return self.unit_max == 0 if self.dead_by_output else self.unit_max < self.eps

    def dead_fraction(self) -> float | None:
        dead = self.dead_units()
        return None if dead is None else float(dead.sum()) / dead.numel()

    def row(self) -> dict[str, Any]:
        """One tidy row of plain Python values (None where nothing was measured)."""
        self.fold()
        pre_mean, pre_var = self.pre.result()
        out_mean, out_var = self.out.result()

        def share(count: float, total: int) -> float | None:
            return None if total == 0 else count / total

        def flagged(key: str, asked: str) -> int | None:
            return self.nonfinite[key] if asked in self.measure else None

        passes = self.backward_passes
        d1_count = self.d1_count
        inactive = self.zero_d1 if self.zeros_inactive else 0.0
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
            "on_rate": share(self.positive, self.on_count),
            "inactive": share(inactive, d1_count),
            "saturated": share(self.small_d1 - inactive, d1_count),
            "mean_abs_d1": share(self.abs_d1, d1_count),
            "pre_mean": pre_mean,
            "pre_var": pre_var,
            "out_mean": out_mean,
            "out_var": out_var,
            "grad_norm": None if passes == 0 else self.grad_norm / passes,
            "grad_mean_abs": share(self.grad_abs, self.grad_count),
            "backward_passes": passes,
            "nonfinite_pre": flagged("pre", "moments"),
            "nonfinite_out": flagged("out", "moments"),
            "nonfinite_grad": flagged("grad", "gradient"),
        }
