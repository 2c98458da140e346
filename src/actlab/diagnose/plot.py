"""The gradient-flow figure: gradient size by layer (log scale) above dead, inactive and
saturated shares.

Built on `matplotlib.figure.Figure` with the Agg canvas (no pyplot, no global backend), so it
renders without a display.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

PNG_METADATA = {"Software": None}  # no matplotlib version in the file: same bytes everywhere


def _series(rows: Sequence[dict[str, Any]], key: str, positive: bool = False):
    points = [(row["layer"], row[key]) for row in rows if row[key] is not None]
    if positive:
        points = [(x, y) for x, y in points if y > 0]
    return [x for x, _ in points], [y for _, y in points]


def gradient_flow_figure(rows: Sequence[dict[str, Any]], title: str = "") -> Figure:
    """Top: gradient norm and mean |gradient| of each activation's output by layer (forward
    order, log scale; zeros are left out). Bottom: dead units, and the inactive (f′ = 0) and
    saturated (0 < |f′| < eps) shares of the pre-activations."""
    if not rows:
        raise ValueError("no layers to plot: the monitor recorded no activation calls")
    fig = Figure(figsize=(8, 5.5), layout="constrained")
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    for key, label, marker in (
        ("grad_norm", "gradient norm", "o"),
        ("grad_mean_abs", "mean |gradient|", "s"),
    ):
        xs, ys = _series(rows, key, positive=True)
        if xs:
            top.plot(xs, ys, marker=marker, label=label)
    top.set_yscale("log")
    top.set_ylabel("gradient at activation output")
    top.grid(True, which="both", alpha=0.3)
    top.legend(loc="best")
    top.set_title(title or "Gradient flow by layer")
    for key, label, marker in (
        ("dead_fraction", "dead units", "."),
        ("inactive", "inactive inputs (f′ = 0)", "v"),
        ("saturated", "saturated inputs (0 < |f′| < ε)", "^"),
    ):
        xs, ys = _series(rows, key)
        if xs:
            bottom.plot(xs, [100 * y for y in ys], marker=marker, label=label)
    bottom.set_ylim(-3, 103)
    bottom.set_ylabel("% of units / inputs")
    bottom.set_xlabel("activation layer (forward order)")
    bottom.grid(True, alpha=0.3)
    bottom.legend(loc="best")
    layers = [row["layer"] for row in rows]
    step = max(1, len(layers) // 20)
    bottom.set_xticks(layers[::step])
    return fig


def plot_gradient_flow(rows: Sequence[dict[str, Any]], path: str | Path, title: str = "") -> Path:
    """Write `gradient_flow_figure(rows, title)` to `path` (PNG, SVG or PDF by suffix)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = gradient_flow_figure(rows, title)
    fig.savefig(path, dpi=120, metadata=PNG_METADATA if path.suffix.lower() == ".png" else None)
    return path
