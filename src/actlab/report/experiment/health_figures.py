"""Figures of activation health recorded in an experiment, and of a study across depths.

Per setting (dataset, model, depth): gradient norm by layer at the final epoch (mean over
seeds, log scale), dead fraction by epoch, and the inactive (f' = 0) and saturated
(0 < |f'| < eps) shares of pre-activations by epoch (means over layers and seeds). Across depths:
final test accuracy against depth (with 95% intervals), and the final-epoch gradient norm by layer with one panel
per activation and one line per depth — vanishing gradients show as lines falling towards
the input. Only runs that recorded health appear in the health figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from actlab.experiments.record import RunRecord
from actlab.experiments.run_config import setting_key
from actlab.experiments.stats import SummaryRow
from actlab.report.experiment.figures import (
    FigureFile,
    _colours,
    _save,
    _slug,
    setting_name,
    styles,
)


def _finished_with_health(records: Sequence[RunRecord]) -> list[RunRecord]:
    return [r for r in records if r.status == "finished" and r.health]


def layer_means(records: Sequence[RunRecord], key: str) -> tuple[np.ndarray, np.ndarray]:
    """(layer numbers, mean over runs of `key` per layer) at each run's final epoch; NaNs (an
    unmeasured layer) are left out of the mean."""
    values: dict[int, list[float]] = {}
    for record in records:
        last = max(h["epoch"] for h in record.health)
        for h in record.health:
            if h["epoch"] == last and not math.isnan(h[key]):
                values.setdefault(int(h["layer"]), []).append(h[key])
    layers = np.array(sorted(values))
    return layers, np.array([np.mean(values[layer]) for layer in layers])


def _epoch_means(records: Sequence[RunRecord], key: str) -> tuple[np.ndarray, np.ndarray]:
    values: dict[int, list[float]] = {}
    for record in records:
        for h in record.health:
            if not math.isnan(h[key]):
                values.setdefault(int(h["epoch"]), []).append(h[key])
    epochs = np.array(sorted(values))
    return epochs, np.array([np.mean(values[e]) for e in epochs])


def _by_label(records: Sequence[RunRecord]) -> dict[str, list[RunRecord]]:
    grouped: dict[str, list[RunRecord]] = {}
    for record in _finished_with_health(records):
        grouped.setdefault(record.config.label, []).append(record)
    return grouped


def gradient_norm_figure(records: Sequence[RunRecord], order: Sequence[str]) -> Figure:
    """Final-epoch gradient norm at each activation layer (input side left), one line per
    activation, mean over seeds, log scale."""
    fig = Figure(figsize=(8.5, 4.8), layout="constrained")
    ax = fig.subplots()
    colours = _colours(order)
    grouped = _by_label(records)
    for label in order:
        layers, means = layer_means(grouped.get(label, []), "grad_norm")
        positive = means > 0  # a log axis cannot show 0
        if positive.any():
            ax.plot(layers[positive], means[positive], "o-", color=colours[label], label=label)
    ax.set_yscale("log")
    ax.set_xlabel("activation layer (1 = nearest the input)")
    ax.set_ylabel("‖∂loss/∂output‖ per batch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3, which="both")
    ax.legend(frameon=False, fontsize="small")
    return fig


def dead_fraction_figure(records: Sequence[RunRecord], order: Sequence[str]) -> Figure:
    """Fraction of dead units per epoch, mean over layers and seeds, one line per activation."""
    fig = Figure(figsize=(8.5, 4.2), layout="constrained")
    ax = fig.subplots()
    colours = _colours(order)
    grouped = _by_label(records)
    top = 0.0
    for label in order:
        epochs, means = _epoch_means(grouped.get(label, []), "dead_fraction")
        if len(epochs):
            ax.plot(epochs, 100 * means, "o-", color=colours[label], label=label)
            top = max(top, float(np.max(100 * means)))
    # A percentage axis from 0: with no dead units at all it shows 0–5%, not a ±0.04 band
    # that would make a flat zero look like a measurement with spread.
    ax.set_ylim(0, max(5.0, 1.1 * top))
    if top == 0:
        ax.text(0.5, 0.6, "no dead units in any epoch", ha="center", transform=ax.transAxes)
    ax.set_xlabel("epoch")
    ax.set_ylabel("dead units (%)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize="small")
    return fig


def flat_inputs_figure(records: Sequence[RunRecord], order: Sequence[str]) -> Figure | None:
    """Two panels by epoch, one line per activation (mean over layers and seeds): the share of
    pre-activations where f' = 0 (inactive: ReLU's negative half) and where 0 < |f'| < eps
    (saturated: sigmoid's and tanh's flat tails). None when no run measured them (runs from
    a version-2 store)."""
    look = styles(order)
    grouped = _by_label(records)
    series = {
        key: {label: _epoch_means(grouped.get(label, []), key) for label in order}
        for key in ("inactive", "saturated")
    }
    if not any(len(e) for lines in series.values() for e, _ in lines.values()):
        return None
    fig = Figure(figsize=(10, 4.0), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for ax, (key, title) in zip(
        axes,
        (("inactive", "inactive: f′(z) = 0"), ("saturated", "saturated: 0 < |f′(z)| < ε")),
        strict=True,
    ):
        for label in order:
            epochs, means = series[key][label]
            if len(epochs):
                ax.plot(epochs, 100 * means, label=label, **look[label])
        ax.set_title(title, fontsize="medium")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    axes[0].set_ylim(0, 100)
    axes[0].set_ylabel("% of pre-activations")
    axes[1].legend(frameon=False, fontsize="small")
    return fig


def write_health_figures(
    records: Sequence[RunRecord], summary: Sequence[SummaryRow], out: Path
) -> list[FigureFile]:
    """gradient_norm_<setting>.png, dead_fraction_<setting>.png and flat_inputs_<setting>.png
    for settings with health."""
    files = []
    for setting in sorted({(r.dataset, r.model, r.depth) for r in summary}, key=setting_key):
        runs = [r for r in _finished_with_health(records) if r.config.setting == setting]
        if not runs:
            continue
        rows = [r for r in summary if (r.dataset, r.model, r.depth) == setting]
        order = [r.activation for r in sorted(rows, key=lambda r: r.rank)]
        name = setting_name(setting)
        if len({h["layer"] for r in runs for h in r.health}) >= 2:  # one layer has no profile
            fig = gradient_norm_figure(runs, order)
            fig.suptitle(f"Gradient norm by layer — {name}")
            files.append(
                _save(
                    fig,
                    out / f"gradient_norm_{_slug(setting)}.png",
                    f"Gradient norm by layer — {name}",
                    "L2 norm of the loss gradient at each activation's output, averaged over "
                    "the final epoch's batches and over seeds; log scale. Falling towards "
                    "layer 1 means vanishing gradients.",
                )
            )
        fig = dead_fraction_figure(runs, order)
        fig.suptitle(f"Dead units by epoch — {name}")
        files.append(
            _save(
                fig,
                out / f"dead_fraction_{_slug(setting)}.png",
                f"Dead units by epoch — {name}",
                "Share of units whose derivative stayed below ε (inactive or saturated) for "
                "every training sample of the epoch, averaged over layers and seeds.",
            )
        )
        fig = flat_inputs_figure(runs, order)
        if fig is not None:
            fig.suptitle(f"Inactive and saturated inputs by epoch — {name}")
            files.append(
                _save(
                    fig,
                    out / f"flat_inputs_{_slug(setting)}.png",
                    f"Inactive and saturated inputs by epoch — {name}",
                    "Share of pre-activations where the activation passes no gradient because "
                    "it is switched off (f′ = 0, e.g. ReLU's negative half: normal for ReLU) "
                    "and where it passes almost none because it is in a flat tail "
                    "(0 < |f′| < ε, e.g. sigmoid for |z| > 4.6: slow learning); mean over "
                    "layers and seeds.",
                )
            )
    return files


def accuracy_vs_depth_figure(summary: Sequence[SummaryRow], order: Sequence[str]) -> Figure:
    """Final test accuracy (mean over seeds, %) against depth, one line per activation, with
    the 95% interval of the mean as error bars (clipped to 0–100%) where seeds allow one."""
    from actlab.report.experiment.figures import clip_interval, unit_for

    fig = Figure(figsize=(8.5, 4.8), layout="constrained")
    ax = fig.subplots()
    look = styles(order)
    unit = unit_for(summary[0].metric if summary else "accuracy")
    for label in order:
        rows = sorted((r for r in summary if r.activation == label), key=lambda r: r.depth)
        if not rows:
            continue
        depths = [r.depth for r in rows]
        means = np.array([unit.show(r.test_acc_mean) for r in rows])
        bounds = [
            clip_interval(r.test_acc_ci95_low, r.test_acc_ci95_high, unit)
            if not math.isnan(r.test_acc_ci95_low)
            else (unit.show(r.test_acc_mean),) * 2
            for r in rows
        ]
        errors = np.array(
            [
                [max(m - lo, 0) for m, (lo, _) in zip(means, bounds, strict=True)],
                [max(hi - m, 0) for m, (_, hi) in zip(means, bounds, strict=True)],
            ]
        )
        ax.errorbar(depths, means, yerr=errors, capsize=3, label=label, **look[label])
    ax.set_xlabel("hidden layers")
    ax.set_ylabel(f"final test {unit.name}")
    if unit.low is not None:
        ax.set_ylim(bottom=max(unit.low, ax.get_ylim()[0]))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize="small")
    return fig


def gradient_by_depth_figure(records: Sequence[RunRecord], order: Sequence[str]) -> Figure:
    """One panel per activation: final-epoch gradient norm by layer, one line per depth."""
    grouped = _by_label(records)
    labels = [label for label in order if label in grouped]
    columns = min(3, max(len(labels), 1))
    rows = math.ceil(max(len(labels), 1) / columns)
    fig = Figure(figsize=(4.2 * columns, 3.4 * rows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, columns, sharey=True, squeeze=False)).ravel()
    depths = sorted({r.config.depth for runs in grouped.values() for r in runs})
    colours = _colours([str(d) for d in depths])
    for ax, label in zip(axes, labels, strict=False):
        for depth in depths:
            runs = [r for r in grouped[label] if r.config.depth == depth]
            layers, means = layer_means(runs, "grad_norm")
            positive = means > 0
            if positive.any():
                ax.plot(layers[positive], means[positive], ".-", color=colours[str(depth)])
                ax.lines[-1].set_label(f"depth {depth}")
        ax.set_yscale("log")
        ax.set_title(label)
        ax.set_xlabel("activation layer")
        ax.grid(alpha=0.3, which="both")
        ax.legend(frameon=False, fontsize="x-small")
    for ax in axes[len(labels) :]:
        ax.set_visible(False)
    axes[0].set_ylabel("‖∂loss/∂output‖ per batch")
    return fig


def write_depth_figures(
    records: Sequence[RunRecord], summary: Sequence[SummaryRow], out: Path
) -> list[FigureFile]:
    """Figures across depths for each (dataset, model) with more than one depth."""
    files = []
    for dataset, model in sorted({(r.dataset, r.model) for r in summary}):
        rows = [r for r in summary if (r.dataset, r.model) == (dataset, model)]
        if len({r.depth for r in rows}) < 2:
            continue
        order = list(dict.fromkeys(r.activation for r in sorted(rows, key=lambda r: r.rank)))
        runs = [r for r in records if (r.config.dataset, r.config.model) == (dataset, model)]
        name = f"{dataset} · {model}"
        fig = accuracy_vs_depth_figure(rows, order)
        fig.suptitle(f"Accuracy vs depth — {name}")
        files.append(
            _save(
                fig,
                out / f"accuracy_vs_depth_{dataset}_{model}.png",
                f"Accuracy vs depth — {name}",
                "Final test accuracy, mean over seeds with its 95% interval, for each number of "
                "hidden layers.",
            )
        )
        if _finished_with_health(runs):
            fig = gradient_by_depth_figure(runs, order)
            fig.suptitle(f"Gradient norm by layer and depth — {name}")
            files.append(
                _save(
                    fig,
                    out / f"gradient_by_depth_{dataset}_{model}.png",
                    f"Gradient norm by layer and depth — {name}",
                    "Final-epoch gradient norm at each activation's output (mean over seeds, "
                    "log scale), one line per depth: lines that fall towards layer 1 show "
                    "vanishing gradients.",
                )
            )
    return files
