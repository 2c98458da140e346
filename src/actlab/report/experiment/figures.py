"""Figures of an experiment: training and validation curves with seed bands, the final test
score with 95% intervals, and validation score against the learning rate when it was tuned.

One set of PNGs per setting (dataset, model, depth). Accuracy is shown in percent everywhere
(tables, curves, final figures); R² as it is. Each activation has its own colour, line style
and marker, so overlapping curves (leaky_relu on relu) stay visible. Built on
`matplotlib.figure.Figure` with the Agg canvas (no pyplot, no global backend change), so they
render without a display; `write_figures` returns what the HTML report embeds.
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

from actlab.experiments.record import RunRecord
from actlab.experiments.run_config import setting_key
from actlab.experiments.stats import SummaryRow
from actlab.report.catalogue.activation_plots import PNG_METADATA

LINESTYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


@dataclass(frozen=True)
class FigureFile:
    path: Path
    title: str
    caption: str


@dataclass(frozen=True)
class Unit:
    """How a score is shown: accuracy in percent within [0, 100], R² as it is (≤ 1)."""

    name: str
    scale: float
    low: float | None
    high: float

    def show(self, value: float) -> float:
        return self.scale * value


def unit_for(metric: str) -> Unit:
    if metric == "r2":
        return Unit("R²", 1.0, None, 1.0)
    return Unit("accuracy (%)", 100.0, 0.0, 100.0)


def setting_name(setting: tuple[str, str, int | None]) -> str:
    dataset, model, depth = setting
    return f"{dataset} · {model}" + (f" · depth {depth}" if depth is not None else "")


def _slug(setting: tuple[str, str, int | None]) -> str:
    dataset, model, depth = setting
    safe = lambda text: "".join(c if c.isalnum() or c in "-_" else "_" for c in str(text))
    return f"{safe(dataset)}_{safe(model)}" + (f"_d{depth}" if depth is not None else "")


def _colours(labels: Sequence[str]) -> dict[str, tuple]:
    cmap = colormaps["tab10" if len(labels) <= 10 else "tab20"]
    return {label: cmap(i % cmap.N) for i, label in enumerate(labels)}


def styles(labels: Sequence[str]) -> dict[str, dict]:
    """Colour, line style and marker per label: no two labels share all three."""
    colours = _colours(labels)
    return {
        label: {
            "color": colours[label],
            "linestyle": LINESTYLES[i % len(LINESTYLES)],
            "marker": MARKERS[i % len(MARKERS)],
        }
        for i, label in enumerate(labels)
    }


def clip_interval(low: float, high: float, unit: Unit) -> tuple[float, float]:
    """A displayed interval kept within what the metric can be (0–100% for accuracy)."""
    low, high = unit.show(low), unit.show(high)
    if unit.low is not None:
        low = max(low, unit.low)
    return low, min(high, unit.high)


def curves_figure(
    records: Sequence[RunRecord], order: Sequence[str], baseline: str, unit: Unit
) -> Figure:
    """Loss and score per epoch, training and validation: the mean over seeds as a line,
    min–max over seeds as a band. `order` gives the legend order; the baseline is thicker."""
    by_label: dict[str, list[RunRecord]] = {}
    for record in records:
        if record.status == "finished" and record.epochs:
            by_label.setdefault(record.config.label, []).append(record)
    look = styles(order)
    panels = (
        ("train_loss", "train loss"),
        ("val_loss", "validation loss"),
        ("train_acc", f"train {unit.name}"),
        ("val_acc", f"validation {unit.name}"),
    )
    fig = Figure(figsize=(11, 7.5), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True)
    for ax, (key, title) in zip(axes.flat, panels, strict=True):
        scale = 1.0 if key.endswith("loss") else unit.scale
        for label in order:
            runs = by_label.get(label, [])
            if not runs:
                continue
            length = min(len(r.epochs) for r in runs)
            values = scale * np.array([[e[key] for e in r.epochs[:length]] for r in runs])
            if np.isnan(values).all():
                continue
            epochs = np.arange(1, length + 1)
            style = dict(look[label])
            style["markevery"] = max(1, length // 8)
            width = 2.6 if label == baseline else 1.4
            name = f"{label} (baseline)" if label == baseline else label
            ax.plot(epochs, values.mean(axis=0), lw=width, ms=4, label=name, **style)
            if len(runs) > 1:
                ax.fill_between(
                    epochs,
                    values.min(axis=0),
                    values.max(axis=0),
                    color=style["color"],
                    alpha=0.15,
                    lw=0,
                )
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if (
            key.endswith("loss")
            and ax.lines
            and all((line.get_ydata() > 0).all() for line in ax.lines)
        ):
            ax.set_yscale("log")
            # Plain numbers instead of 4×10⁻¹; minor ticks are labelled only when the axis
            # spans less than a decade (else they would overlap and major ticks suffice).
            plain = FuncFormatter(lambda v, _: f"{v:g}")
            low, high = ax.get_ylim()
            ax.yaxis.set_major_formatter(plain)
            ax.yaxis.set_minor_formatter(plain if high / low < 10 else NullFormatter())
        elif not key.endswith("loss") and unit.low is not None:
            ax.set_ylim(bottom=max(unit.low, ax.get_ylim()[0]))
        if not ax.lines:
            ax.text(0.5, 0.5, "not measured", ha="center", va="center", transform=ax.transAxes)
    for ax in axes[1]:
        ax.set_xlabel("epoch")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right center", frameon=False)
    return fig


def final_score_figure(
    rows: Sequence[SummaryRow], seeds: dict[str, list[float]], unit: Unit
) -> Figure:
    """Final test score per activation, best at the top: mean (dot) with its 95% t-interval
    (bar, clipped to the metric's range) and each seed's value (small marks). A '*' marks a
    difference from the baseline that is significant after Holm's correction."""
    rows = sorted(rows, key=lambda r: r.rank)
    fig = Figure(figsize=(8, 0.45 * len(rows) + 1.6), layout="constrained")
    ax = fig.subplots()
    look = styles([r.activation for r in rows])
    for y, row in enumerate(rows):
        colour = look[row.activation]["color"]
        mean = unit.show(row.test_acc_mean)
        if not math.isnan(row.test_acc_ci95_low):
            low, high = clip_interval(row.test_acc_ci95_low, row.test_acc_ci95_high, unit)
            ax.errorbar(
                mean,
                y,
                xerr=[[max(mean - low, 0)], [max(high - mean, 0)]],
                fmt="none",
                ecolor=colour,
                elinewidth=2.2,
                capsize=4,
            )
        ax.plot(mean, y, look[row.activation]["marker"], color=colour, ms=8, zorder=3)
        values = unit.scale * np.asarray(seeds.get(row.activation, []))
        ax.plot(values, np.full(values.shape, y + 0.22), "|", color=colour, ms=8, alpha=0.8)
    names = []
    for row in rows:
        mark = (
            " (baseline)" if row.activation == row.baseline else (" *" if row.significant else "")
        )
        names.append(row.activation + mark)
    ax.set_yticks(range(len(rows)), names)
    ax.invert_yaxis()
    ax.set_xlabel(f"final test {unit.name}")
    if unit.low is not None:
        left, right = ax.get_xlim()
        ax.set_xlim(max(unit.low, left), min(unit.high, right) if right > unit.high else right)
    n = sorted({r.n_seeds for r in rows})
    seeds_text = f"{n[0]} seeds" if len(n) == 1 else f"{n[0]}–{n[-1]} seeds"
    caveat = "; fewer than 3 seeds: intervals too wide to read" if n[0] < 3 else ""
    ax.set_title(f"Final test {unit.name.split(' ')[0]}: mean, 95% CI, {seeds_text}{caveat}")
    ax.grid(axis="x", alpha=0.3)
    return fig


def lr_figure(candidates: Sequence, order: Sequence[str], unit: Unit) -> Figure:
    """Mean validation score against the candidate learning rate, one line per activation;
    a ring marks the value each activation was given."""
    fig = Figure(figsize=(8.5, 4.8), layout="constrained")
    ax = fig.subplots()
    look = styles(order)
    for label in order:
        rows = sorted((c for c in candidates if c.activation == label), key=lambda c: c.lr)
        lrs = sorted({c.lr for c in rows})
        best = [max((c.val_score for c in rows if c.lr == lr), default=math.nan) for lr in lrs]
        if not lrs:
            continue
        ax.plot(lrs, unit.scale * np.array(best), label=label, **look[label])
        for c in rows:
            if c.chosen:
                ax.plot(
                    c.lr, unit.show(c.val_score), "o", ms=14, mfc="none", color=look[label]["color"]
                )
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel(f"mean validation {unit.name}")
    ax.grid(alpha=0.3, which="both")
    ax.legend(frameon=False, fontsize="small")
    return fig


def write_figures(
    records: Sequence[RunRecord],
    summary: Sequence[SummaryRow],
    out: Path,
    tuning: Sequence = (),
) -> list[FigureFile]:
    """curves_<setting>.png, final_accuracy_<setting>.png (and lr_<setting>.png when the lr
    was tuned) for each setting."""
    files = []
    settings = sorted({(r.dataset, r.model, r.depth) for r in summary}, key=setting_key)
    for setting in settings:
        rows = [r for r in summary if (r.dataset, r.model, r.depth) == setting]
        runs = [r for r in records if r.config.setting == setting]
        baseline = rows[0].baseline
        unit = unit_for(rows[0].metric)
        order = [r.activation for r in sorted(rows, key=lambda r: r.rank)]
        name = setting_name(setting)
        fig = curves_figure(runs, order, baseline, unit)
        fig.suptitle(f"Training and validation curves — {name}")
        files.append(
            _save(
                fig,
                out / f"curves_{_slug(setting)}.png",
                f"Training and validation curves — {name}",
                "Mean over seeds (line) and min–max over seeds (band); losses on a log scale; "
                f"{unit.name}. The test set is not used during training: it is scored once "
                "at the end (next figure).",
            )
        )
        seeds: dict[str, list[float]] = {}
        for r in runs:
            if r.status == "finished" and r.epochs:
                seeds.setdefault(r.config.label, []).append(r.test_acc)
        fig = final_score_figure(rows, seeds, unit)
        files.append(
            _save(
                fig,
                out / f"final_accuracy_{_slug(setting)}.png",
                f"Final test {unit.name.split(' ')[0]} — {name}",
                "Dot: mean over seeds; bar: 95% t-interval of the mean, clipped to the "
                "metric's range; ticks: single seeds; *: differs from the baseline (Welch's "
                "t-test, significant after Holm's correction, α = 0.05).",
            )
        )
        picked = [c for c in tuning if (c.dataset, c.model, c.depth) == setting]
        if len({c.lr for c in picked}) > 1:
            fig = lr_figure(picked, order, unit)
            fig.suptitle(f"Learning-rate choice on validation data — {name}")
            files.append(
                _save(
                    fig,
                    out / f"lr_{_slug(setting)}.png",
                    f"Learning-rate choice on validation data — {name}",
                    "Mean validation score over the tuning seeds at each candidate learning "
                    "rate (the best weight decay at each, when that was tuned too); the ring "
                    "marks the value each activation then trained with.",
                )
            )
    return files


def _save(fig: Figure, path: Path, title: str, caption: str) -> FigureFile:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=110, metadata=PNG_METADATA)
    return FigureFile(path, title, caption)
