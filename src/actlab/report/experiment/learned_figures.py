"""Figures of learned activation shapes: what each layer's learnable activation became.

Each panel shows one layer of one activation: its initial shape (dashed; the activation with
the run's params, learnable ones at their defaults) and the learned shape, f(x) on a grid
averaged over the layer's channels, as the mean over seeds (line) and min–max over seeds
(band). `plot_run` draws the same for a single stored run (`actlab plot --from-run`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from actlab.experiments.learned import GRID, channel_curves, initial, mean_curve, rebuild
from actlab.experiments.record import RunRecord
from actlab.experiments.run_config import setting_key
from actlab.report.catalogue.activation_plots import PNG_METADATA
from actlab.report.experiment.figures import FigureFile, _slug, setting_name

POINTS = 401


def _grid(xlim: tuple[float, float] = GRID) -> np.ndarray:
    return np.linspace(xlim[0], xlim[1], POINTS)


def _initial_curve(record: RunRecord, x: np.ndarray) -> np.ndarray:
    c = record.config
    return channel_curves(initial(c.activation, dict(c.activation_params)), x)[0]


def _panel(
    ax: Axes, x: np.ndarray, start: np.ndarray, learned: np.ndarray, title: str, over: str
) -> None:
    """`learned` has one row per seed (or per channel, `over` says which)."""
    ax.plot(x, start, "--", color="0.45", lw=1.3, label="initial")
    ax.plot(x, learned.mean(axis=0), color="C0", lw=1.8, label="learned (mean)")
    if len(learned) > 1:
        ax.fill_between(
            x,
            learned.min(axis=0),
            learned.max(axis=0),
            color="C0",
            alpha=0.25,
            lw=0,
            label=f"min–max over {over}",
        )
    ax.axhline(0, color="0.8", lw=0.6)
    ax.axvline(0, color="0.8", lw=0.6)
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)


def learned_shapes_figure(records: Sequence[RunRecord], order: Sequence[str]) -> Figure:
    """One row per learnable activation (label), one column per learnable layer."""
    x = _grid()
    by_label: dict[str, list[RunRecord]] = {}
    for r in records:
        if r.status == "finished" and r.learned:
            by_label.setdefault(r.config.label, []).append(r)
    labels = [label for label in order if label in by_label]
    columns = max(len(r.learned) for runs in by_label.values() for r in runs)
    width = max(3.2 * columns + 0.6, 6.5)  # room for the title when there is one layer
    fig = Figure(figsize=(width, 2.6 * len(labels) + 0.8), layout="constrained")
    axes = fig.subplots(len(labels), columns, squeeze=False, sharex=True)
    for i, label in enumerate(labels):
        runs = by_label[label]
        start = _initial_curve(runs[0], x)
        for j in range(columns):
            ax = axes[i][j]
            curves = [mean_curve(r.learned[j], x) for r in runs if len(r.learned) > j]
            if not curves:
                ax.set_visible(False)
                continue
            where = runs[0].learned[j].path
            _panel(
                ax, x, start, np.array(curves), f"{label} — layer {j + 1} (module {where})", "seeds"
            )
            if i == len(labels) - 1:
                ax.set_xlabel("x")
    axes[0][0].legend(fontsize=7, loc="upper left")
    return fig


def write_learned_figures(records: Sequence[RunRecord], summary, out: Path) -> list[FigureFile]:
    """learned_<setting>.png for each setting with a learnable activation among its runs."""
    files = []
    for setting in sorted({(r.dataset, r.model, r.depth) for r in summary}, key=setting_key):
        runs = [r for r in records if r.config.setting == setting]
        if not any(r.status == "finished" and r.learned for r in runs):
            continue
        rows = sorted(
            (r for r in summary if (r.dataset, r.model, r.depth) == setting), key=lambda r: r.rank
        )
        name = setting_name(setting)
        fig = learned_shapes_figure(runs, [r.activation for r in rows])
        fig.suptitle(f"Learned activation shapes — {name}")
        FigureCanvasAgg(fig)
        path = out / f"learned_{_slug(setting)}.png"
        fig.savefig(path, dpi=110, metadata=PNG_METADATA)
        files.append(
            FigureFile(
                path,
                f"Learned activation shapes — {name}",
                f"Each layer's learned activation on [{GRID[0]:g}, {GRID[1]:g}] (f averaged "
                "over the layer's channels): mean over seeds (line), min–max over seeds "
                "(band), against the initial shape (dashed).",
            )
        )
    return files


def plot_run(record: RunRecord, path: Path, xlim: tuple[float, float] = GRID) -> Path:
    """Draw one run's learned activations (one panel per layer, initial vs learned)."""
    if not record.learned:
        raise ValueError(
            f"run {record.config_hash[:12]} ({record.config.label}) has no learned activation "
            "parameters: its activation has none, or the run did not finish"
        )
    x = _grid(xlim)
    start = _initial_curve(record, x)
    n = len(record.learned)
    fig = Figure(figsize=(max(3.4 * n + 0.6, 7.0), 3.6), layout="constrained")
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, row in zip(axes, record.learned, strict=True):
        # Per-channel parameters: the line is the channel mean, the band spans the channels.
        curves = channel_curves(rebuild(row), x, row.num_parameters)
        _panel(ax, x, start, curves, f"layer {row.layer} (module {row.path})", "channels")
        ax.set_xlabel("x")
    axes[0].legend(fontsize=7, loc="upper left")
    c = record.config
    fig.suptitle(
        f"{c.label} on {setting_name(c.setting)}, seed {c.seed} — run {record.config_hash[:12]}"
    )
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=110, metadata=PNG_METADATA)
    return path
