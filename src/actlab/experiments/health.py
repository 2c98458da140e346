"""Activation health per epoch during a training run, for the experiment store.

A `actlab.diagnose.Monitor` watches the model's activation layers while it trains; test
evaluation runs with the monitor paused, so each epoch's numbers describe that epoch's training
batches only. After every epoch the monitor's report becomes store rows (`HEALTH_FIELDS`) and
the monitor is reset. Monitoring only observes: the weights and metrics of a run are the same
with health on or off.
"""

from __future__ import annotations

import math
from typing import Any

from actlab.experiments.record import HEALTH_FIELDS

# Statistics copied from a Monitor report row into a store row (the rest of HEALTH_FIELDS are
# the epoch and the layer's identity).
_STATS = (
    "dead_fraction",
    "inactive",
    "saturated",
    "grad_norm",
    "mean_abs_d1",
    "out_mean",
    "out_var",
)


def health_rows(epoch: int, report: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Store rows for one epoch from `Monitor.report()`; unmeasured values become NaN."""
    rows = []
    for row in report:
        name = row["path"] if row["call"] == 1 else f"{row['path']}#{row['call']}"
        stored = {
            "epoch": epoch,
            "layer": int(row["layer"]),
            "layer_name": name,
            "activation": row["activation"] or row["module"],
        }
        for key in _STATS:
            value = row[key]
            stored[key] = math.nan if value is None else float(value)
        rows.append({key: stored[key] for key in HEALTH_FIELDS})
    return rows


def train_with_health(model, splits, training, options: dict[str, Any]):
    """`actlab.train.train` with a Monitor attached: (train result, health rows).

    Monitoring only observes, so the run is the same as without it.
    """
    from actlab.diagnose import Monitor
    from actlab.train import train

    monitor = Monitor(model)
    rows: list[dict[str, Any]] = []

    def record(metrics, _model) -> None:
        rows.extend(health_rows(metrics.epoch, monitor.report()))
        monitor.reset()

    with monitor:
        result = train(
            model, splits, training, on_epoch=record, eval_guard=monitor.paused, **options
        )
    return result, rows


def depth_rows(records) -> list[dict[str, Any]]:
    """One row per (dataset, model, activation, depth) over finished runs with health: final
    test accuracy, and at the final epoch the first and last activation layers' gradient
    norms, their ratio first/last (≪ 1: vanishing gradients) and the mean dead fraction over
    layers — each a mean over seeds."""
    groups: dict[tuple, list] = {}
    for r in records:
        if r.status == "finished" and r.health and r.epochs:
            key = (r.config.dataset, r.config.model, r.config.label, r.config.depth)
            groups.setdefault(key, []).append(r)
    rows = []
    for (dataset, model, label, depth), runs in sorted(groups.items()):
        first, last, dead = [], [], []
        for run in runs:
            final = max(h["epoch"] for h in run.health)
            layers = sorted(
                (h for h in run.health if h["epoch"] == final), key=lambda h: h["layer"]
            )
            first.append(layers[0]["grad_norm"])
            last.append(layers[-1]["grad_norm"])
            dead.append(_nanmean([h["dead_fraction"] for h in layers]))
        grad_first, grad_last = _nanmean(first), _nanmean(last)
        rows.append(
            {
                "dataset": dataset,
                "model": model,
                "activation": label,
                "depth": depth,
                "seeds": len(runs),
                "test_acc": sum(r.test_acc for r in runs) / len(runs),
                "grad_norm_first": grad_first,
                "grad_norm_last": grad_last,
                "grad_ratio_first_last": grad_first / grad_last if grad_last > 0 else math.nan,
                "dead_fraction": _nanmean(dead),
            }
        )
    return rows


def _nanmean(values: list[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return sum(kept) / len(kept) if kept else math.nan
