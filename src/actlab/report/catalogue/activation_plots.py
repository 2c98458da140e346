"""Figures of activation functions and their derivatives, drawn from the spec table.

Curves are the torch form evaluated in float64; f' and f'' come from autograd (once and
twice) of that form, so a plot shows what a network would actually compute and backpropagate.
Figures are built on `matplotlib.figure.Figure` with the Agg canvas: no pyplot, no global
state, safe to call from tests and worker processes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from actlab.catalog import ActivationSpec, get, specs
from actlab.catalog.parse import parse_activation

# tab10 without its grey, so no curve looks like the zero axes.
COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
)
LINE_WIDTH = 2.0
# PNG text chunks name the matplotlib version; dropping them keeps reruns byte-identical.
PNG_METADATA = {"Software": None}

Activations = Iterable[str | ActivationSpec | tuple[str | ActivationSpec, Mapping[str, Any]]]


def resolve(activations: Activations) -> list[tuple[ActivationSpec, dict[str, Any]]]:
    """Turn names, ``"name:k=v"`` texts, specs or (name/spec, params) pairs into bound pairs."""
    resolved = []
    for item in activations:
        if isinstance(item, tuple):
            target, params = item
        elif isinstance(item, str):
            target, params = parse_activation(item)
        else:
            target, params = item, {}
        spec = get(target) if isinstance(target, str) else target
        resolved.append((spec, spec.bind(**params)))
    return resolved


def label(spec: ActivationSpec, params: Mapping[str, Any]) -> str:
    """The name, plus any parameter that differs from its default: ``leaky_relu (negative_slope=0.2)``."""
    changed = [
        f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
        for k, v in params.items()
        if v != spec.defaults.get(k)
    ]
    return f"{spec.name} ({', '.join(changed)})" if changed else spec.name


def autograd_curves(
    spec: ActivationSpec, params: Mapping[str, Any], x: np.ndarray, order: int = 1
) -> list[np.ndarray]:
    """[f, f', ..., f^(order)] at `x`: the torch form in float64 and autograd of it.

    `params` must already be bound. Raises ValueError for a multi-input entry (no scalar
    derivative) or when torch cannot differentiate the form `order` times.
    """
    if not spec.elementwise:
        raise ValueError(
            f"{spec.name} is not elementwise (it mixes its inputs), so it has no "
            f"curve f(x) to plot; `actlab show {spec.name}` gives an example instead"
        )
    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    curves = [spec.apply(xt, dict(params))]
    try:
        for _ in range(order):
            prev = curves[-1]
            if not prev.requires_grad:  # the previous derivative is constant in x
                curves.append(torch.zeros_like(xt))
                continue
            (grad,) = torch.autograd.grad(prev.sum(), xt, create_graph=True, allow_unused=True)
            curves.append(torch.zeros_like(xt) if grad is None else grad)
    except RuntimeError as err:
        raise ValueError(f"torch cannot differentiate {spec.name} {order} times: {err}") from err
    return [c.detach().numpy().astype(np.float64) for c in curves]


def y_limits(
    curves: Sequence[np.ndarray], x: np.ndarray, derivative: bool = False
) -> tuple[float, float]:
    """y-limits that show every curve's shape without one fast grower flattening the rest.

    f panels: the axis spans the data, but never beyond twice the largest |value| any curve
    takes on the middle half of the x-window, or the window's own half-width if larger (so
    x-like growth is always shown whole): an exponential that reaches 150 at the edge is
    clipped there (it visibly leaves the panel) instead of squashing a sigmoid into a flat line.
    Derivative panels (`derivative=True`): twice the typical curve's scale (the median over
    curves of the largest |value| on the middle half), at least 1.5, so squared_relu's growing
    f' leaves the panel instead of flattening the bounded derivatives beside it.
    """
    lo, hi = float(x.min()), float(x.max())
    centre = np.abs(x - (lo + hi) / 2) <= (hi - lo) / 4
    finite = [c[np.isfinite(c)] for c in curves]
    values = np.concatenate(finite) if finite else np.zeros(1)
    if values.size == 0:
        return -1.0, 1.0
    central = [np.abs(c[centre & np.isfinite(c)]) for c in curves]
    scales = [float(v.max()) for v in central if v.size]
    if derivative:
        cap = max(1.5, 2.0 * float(np.median(scales)) if scales else 1.5)
    else:
        cap = max(1.0, abs(lo), abs(hi), 2.0 * max(scales, default=0.0))
    low, high = max(float(values.min()), -cap), min(float(values.max()), cap)
    pad = 0.06 * (high - low) if high > low else 1.0
    return low - pad, high + pad


def _style(ax: Axes, title: str, ylabel: str, fontsize: float = 11.0) -> None:
    ax.axhline(0.0, color="0.55", linewidth=0.8, zorder=0)
    ax.axvline(0.0, color="0.55", linewidth=0.8, zorder=0)
    ax.grid(True, alpha=0.35)
    ax.set_title(title, fontsize=fontsize)
    ax.set_xlabel("x", fontsize=fontsize * 0.9)
    ax.set_ylabel(ylabel, fontsize=fontsize * 0.9)


def save(fig: Figure, path: str | Path) -> Path:
    """Write `fig` to `path` (format from the suffix), creating parent folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(path, metadata=PNG_METADATA if path.suffix.lower() == ".png" else None)
    return path


def _plot_curves(
    spec: ActivationSpec, params: Mapping[str, Any], x: np.ndarray, order: int
) -> list[np.ndarray]:
    """`autograd_curves`, except that a missing double backward leaves f'' as NaN (undrawn)
    instead of failing the whole figure (PyTorch's hardsigmoid has none)."""
    try:
        return autograd_curves(spec, params, x, order)
    except ValueError:
        if order < 2 or not spec.elementwise:
            raise
        return [*autograd_curves(spec, params, x, 1), np.full_like(x, np.nan)]


def plot_activations(
    activations: Activations,
    derivative: bool = False,
    second: bool = False,
    xlim: tuple[float, float] = (-5.0, 5.0),
    path: str | Path | None = None,
    points: int = 1201,
) -> Figure:
    """One figure: f in the first panel, then f' (autograd) and f'' (double autograd) if asked.

    `activations` are names, ``"name:k=v"`` texts, specs or (name, params) pairs. Every curve
    keeps its colour across panels. Writes the figure to `path` when given; returns it.
    """
    pairs = resolve(activations)
    if not pairs:
        raise ValueError("plot_activations needs at least one activation")
    lo, hi = float(xlim[0]), float(xlim[1])
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"xlim must be two finite numbers with lo < hi; got {xlim!r}")
    order = 2 if second else 1 if derivative else 0
    orders = [0] + ([1] if derivative else []) + ([2] if second else [])
    x = np.linspace(lo, hi, points)
    curves = [_plot_curves(spec, params, x, order) for spec, params in pairs]

    titles = {
        0: ("f(x)", "f(x)"),
        1: ("f′(x), autograd", "f′(x)"),
        2: ("f″(x), double autograd", "f″(x)"),
    }
    fig = Figure(figsize=(5.2 * len(orders), 4.2), dpi=100, layout="constrained")
    axes = fig.subplots(1, len(orders), squeeze=False)[0]
    for ax, k in zip(axes, orders, strict=True):
        for i, ((spec, params), c) in enumerate(zip(pairs, curves, strict=True)):
            style = "-" if i < len(COLOURS) else "--"
            # Earlier curves are drawn wider, so one that coincides with a later one (relu and
            # leaky_relu for x > 0) still shows as a coloured rim around it.
            width = LINE_WIDTH * (1.6 - 0.6 * i / max(1, len(pairs) - 1))
            ax.plot(
                x,
                c[k],
                style,
                color=COLOURS[i % len(COLOURS)],
                linewidth=width,
                label=label(spec, params),
            )
        ax.set_xlim(lo, hi)
        ax.set_ylim(*y_limits([c[k] for c in curves], x, derivative=k > 0))
        _style(ax, titles[k][0], titles[k][1])
        missing = [
            spec.name for (spec, _), c in zip(pairs, curves, strict=True) if np.isnan(c[k]).all()
        ]
        if missing:
            note = f"not drawn: torch has no double backward for {', '.join(missing)}"
            ax.text(0.02, 0.02, note, transform=ax.transAxes, fontsize=8, color="0.3")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(pairs), 4), fontsize=10)
    fig.suptitle(", ".join(label(s, p) for s, p in pairs), fontsize=12)
    if path is not None:
        save(fig, path)
    return fig


def draw_pair(
    ax: Axes,
    spec: ActivationSpec,
    params: Mapping[str, Any],
    x: np.ndarray,
    fontsize: float = 11.0,
    legend: bool = True,
) -> None:
    """f (solid) and f' (dashed) of one activation in one axes."""
    f, d1 = autograd_curves(spec, params, x, order=1)
    ax.plot(x, f, "-", color=COLOURS[0], linewidth=LINE_WIDTH, label="f(x)")
    ax.plot(x, d1, "--", color=COLOURS[1], linewidth=LINE_WIDTH * 0.9, label="f′(x)")
    ax.set_xlim(float(x[0]), float(x[-1]))
    ax.set_ylim(*y_limits([f, d1], x))
    _style(ax, label(spec, params), "", fontsize=fontsize)
    if legend:
        ax.legend(fontsize=fontsize * 0.8, loc="best", framealpha=0.85)


def entry_figure(
    spec: ActivationSpec, path: str | Path | None = None, xlim: tuple[float, float] = (-5.0, 5.0)
) -> Figure:
    """The small f-and-f' figure of one entry at its defaults (the docs page uses these)."""
    # Fixed margins, not constrained layout: the docs draw ~55 of these, and layout solving
    # would be most of the time.
    fig = Figure(figsize=(4.6, 3.1), dpi=90)
    ax = fig.subplots(gridspec_kw={"left": 0.12, "right": 0.97, "bottom": 0.14, "top": 0.9})
    draw_pair(ax, spec, spec.defaults, np.linspace(xlim[0], xlim[1], 801), fontsize=10.0)
    ax.set_xlabel("")
    if path is not None:
        save(fig, path)
    return fig


def gallery(
    path: str | Path | None = None,
    columns: int = 8,
    xlim: tuple[float, float] = (-4.0, 4.0),
    entries: Iterable[ActivationSpec] | None = None,
) -> Figure:
    """A grid of small panels, f and f' of each elementwise entry (default: the whole table)."""
    entries = [s for s in (specs() if entries is None else entries) if s.elementwise]
    columns = max(1, min(columns, len(entries)))
    rows = max(1, math.ceil(len(entries) / columns))
    height = 1.9 * rows + 0.95
    margins = {
        "left": 0.025,
        "right": 0.995,
        "bottom": 0.3 / height,
        "top": 1 - 0.95 / height,  # the suptitle's line above the first row's titles
        "hspace": 0.5,
        "wspace": 0.28,
    }  # fixed: constrained layout is slow for ~50 axes
    fig = Figure(figsize=(2.3 * columns, height), dpi=80)
    axes = fig.subplots(rows, columns, squeeze=False, gridspec_kw=margins).ravel()
    x = np.linspace(xlim[0], xlim[1], 401)
    for ax, spec in zip(axes, entries, strict=False):
        draw_pair(ax, spec, spec.defaults, x, fontsize=9.0, legend=False)
        ax.set_xlabel("")
        ax.tick_params(labelsize=7)
    for ax in axes[len(entries) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"actlab catalogue: {len(entries)} elementwise activations — "
        "f (solid blue) and f′ by autograd (dashed orange)",
        fontsize=13,
        y=1 - 0.15 / height,
        va="top",
    )
    if path is not None:
        save(fig, path)
    return fig
