"""Figures of an experiment: training curves with seed bands and final accuracy with 95% CIs.

One pair of PNGs per setting (dataset, model, depth). Built on `matplotlib.figure.Figure`
with the Agg canvas (no pyplot, no global backend change), so they render without a display;
`write_figures` returns what the HTML report embeds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

from actlab.experiments.stats import SummaryRow
from actlab.experiments.store import RunRecord
from actlab.report.catalogue.activation_plots import PNG_METADATA

PANELS = (
    ("train_loss", "train loss"),
    ("test_loss", "test loss"),
    ("train_acc", "train accuracy"),
    ("test_acc", "test accuracy"),
)


@dataclass(frozen=True)
class FigureFile:
    path: Path
    title: str
    caption: str


def setting_name(setting: tuple[str, str, int]) -> str:
    dataset, model, depth = setting
    return f"{dataset} · {model} · depth {depth}"


def _slug(setting: tuple[str, str, int]) -> str:
    dataset, model, depth = setting
    return f"{dataset}_{model}_d{depth}"


def _colours(labels: Sequence[str]) -> dict[str, tuple]:
    cmap = colormaps["tab10" if len(labels) <= 10 else "tab20"]
    return {label: cmap(i % cmap.N) for i, label in enumerate(labels)}


def curves_figure(records: Sequence[RunRecord], order: Sequence[str], baseline: str) -> Figure:
    """Loss and accuracy per epoch: the mean over seeds as a line, min–max over seeds as a band.

    `order` gives the activations (legend order); the baseline is drawn thicker.
    """
    by_label: dict[str, list[RunRecord]] = {}
    for record in records:
        if record.status == "finished" and record.epochs:
            by_label.setdefault(record.config.label, []).append(record)
    colours = _colours(order)
    fig = Figure(figsize=(11, 7.5), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True)
    for ax, (key, title) in zip(axes.flat, PANELS, strict=True):
        for label in order:
            runs = by_label.get(label, [])
            if not runs:
                continue
            length = min(len(r.epochs) for r in runs)
            values = np.array([[e[key] for e in r.epochs[:length]] for r in runs])
            epochs = np.arange(1, length + 1)
            width = 2.6 if label == baseline else 1.4
            name = f"{label} (baseline)" if label == baseline else label
            ax.plot(epochs, values.mean(axis=0), color=colours[label], lw=width, label=name)
            if len(runs) > 1:
                ax.fill_between(
                    epochs,
                    values.min(axis=0),
                    values.max(axis=0),
                    color=colours[label],
                    alpha=0.18,
                    lw=0,
                )
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if key.endswith("loss"):
            ax.set_yscale("log")
            # Plain numbers instead of 4×10⁻¹; minor ticks are labelled only when the axis
            # spans less than a decade (else they would overlap and major ticks suffice).
            plain = FuncFormatter(lambda v, _: f"{v:g}")
            low, high = ax.get_ylim()
            ax.yaxis.set_major_formatter(plain)
            ax.yaxis.set_minor_formatter(plain if high / low < 10 else NullFormatter())
    for ax in axes[1]:
        ax.set_xlabel("epoch")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right center", frameon=False)
    return fig


def final_accuracy_figure(rows: Sequence[SummaryRow], seeds: dict[str, list[float]]) -> Figure:
    """Final test accuracy per activation, best at the top: mean (dot) with its 95% t-interval
    (bar) and each seed's value (small marks). A '*' marks a significant difference from the
    baseline (Welch, α = 0.05). Accuracies are shown in percent."""
    rows = sorted(rows, key=lambda r: r.rank)
    fig = Figure(figsize=(8, 0.45 * len(rows) + 1.6), layout="constrained")
    ax = fig.subplots()
    colours = _colours([r.activation for r in rows])
    for y, row in enumerate(rows):
        colour = colours[row.activation]
        mean = 100 * row.test_acc_mean
        if not math.isnan(row.test_acc_ci95_low):
            low, high = 100 * row.test_acc_ci95_low, 100 * row.test_acc_ci95_high
            ax.errorbar(
                mean,
                y,
                xerr=[[mean - low], [high - mean]],
                fmt="none",
                ecolor=colour,
                elinewidth=2.2,
                capsize=4,
            )
        ax.plot(mean, y, "o", color=colour, ms=8, zorder=3)
        values = 100 * np.asarray(seeds.get(row.activation, []))
        ax.plot(values, np.full(values.shape, y + 0.22), "|", color=colour, ms=8, alpha=0.8)
    names = []
    for row in rows:
        mark = (
            " (baseline)" if row.activation == row.baseline else (" *" if row.significant else "")
        )
        names.append(row.activation + mark)
    ax.set_yticks(range(len(rows)), names)
    ax.invert_yaxis()
    ax.set_xlabel("final test accuracy (%)")
    n = sorted({r.n_seeds for r in rows})
    seeds_text = f"{n[0]} seeds" if len(n) == 1 else f"{n[0]}–{n[-1]} seeds"
    interval = "mean and 95% CI" if max(n) > 1 else "one seed: no interval"
    ax.set_title(f"Final test accuracy ({interval}; {seeds_text})")
    ax.grid(axis="x", alpha=0.3)
    return fig


def write_figures(
    records: Sequence[RunRecord], summary: Sequence[SummaryRow], out: Path
) -> list[FigureFile]:
    """Write curves_<setting>.png and final_accuracy_<setting>.png for each setting."""
    files = []
    settings = sorted({(r.dataset, r.model, r.depth) for r in summary})
    for setting in settings:
        rows = [r for r in summary if (r.dataset, r.model, r.depth) == setting]
        runs = [r for r in records if r.config.setting == setting]
        baseline = rows[0].baseline
        order = [r.activation for r in sorted(rows, key=lambda r: r.rank)]
        name = setting_name(setting)
        fig = curves_figure(runs, order, baseline)
        fig.suptitle(f"Training curves — {name}")
        files.append(
            _save(
                fig,
                out / f"curves_{_slug(setting)}.png",
                f"Training curves — {name}",
                "Mean over seeds (line) and min–max over seeds (band); losses on a log "
                "scale; accuracies as fractions.",
            )
        )
        seeds: dict[str, list[float]] = {}
        for r in runs:
            if r.status == "finished" and r.epochs:
                seeds.setdefault(r.config.label, []).append(r.epochs[-1]["test_acc"])
        fig = final_accuracy_figure(rows, seeds)
        files.append(
            _save(
                fig,
                out / f"final_accuracy_{_slug(setting)}.png",
                f"Final test accuracy — {name}",
                "Dot: mean over seeds; bar: 95% t-interval of the mean; ticks: single "
                "seeds; *: differs from the baseline (Welch's t-test, p < 0.05).",
            )
        )
    return files


def _save(fig: Figure, path: Path, title: str, caption: str) -> FigureFile:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=110, metadata=PNG_METADATA)
    return FigureFile(path, title, caption)
