"""Activation health inside any PyTorch model, and swapping its activations.

- `Monitor(model)`: dead units, on-rate, inactive (f' = 0) and saturated (0 < |f'| < eps)
  shares, mean |f'|, pre-activation/output moments, gradient flow and NaN/inf per activation
  call site; `report()` rows and plain-language `warnings()`. `every=N`, `layers=` and
  `stats=` make it cheaper.
- `diagnose(model, inputs, targets, steps=...)`: train a few steps, then monitor one pass
  (what ``actlab diagnose`` runs); `actlab.diagnose.plot.plot_gradient_flow(rows, path)`
  draws the gradient-flow figure (kept out of this import: matplotlib is slow to load).
- `swap(model, old, new, **params)`: replace activation modules with catalogue ones;
  `find_activations(model)` lists them. Activations called as functions inside `forward`
  cannot be swapped or monitored; the results say so.
"""

from actlab.diagnose.findings import THRESHOLDS, findings
from actlab.diagnose.monitor import Monitor
from actlab.diagnose.run import Diagnosis, diagnose
from actlab.diagnose.swap import (
    ActivationInfo,
    ActivationList,
    SwapRecord,
    SwapResult,
    find_activations,
    swap,
)

__all__ = [
    "THRESHOLDS",
    "ActivationInfo",
    "ActivationList",
    "Diagnosis",
    "Monitor",
    "SwapRecord",
    "SwapResult",
    "diagnose",
    "find_activations",
    "findings",
    "swap",
]
