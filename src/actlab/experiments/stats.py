"""Statistics over seeds: mean, std, t-interval, epochs to a target, Welch's t-test, ranking.

Everything is computed per *setting* (dataset, model, depth) and activation from the final
epoch of each finished run. With one seed no spread can be estimated: std, interval and
p-value are NaN and `note` says so, rather than showing a misleading zero-width interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from actlab.experiments.store import RunRecord

ALPHA = 0.05
CONFIDENCE = 0.95
# Without an explicit target, a run "reaches the target" at 95% of the baseline's final accuracy.
AUTO_TARGET_FRACTION = 0.95
ONE_SEED_NOTE = "one seed: no interval or test can be given (run more seeds)"

NAN = float("nan")


@dataclass(frozen=True)
class Interval:
    mean: float
    std: float
    low: float
    high: float


def mean_ci(values: Sequence[float], confidence: float = CONFIDENCE) -> Interval:
    """Mean, sample std (ddof=1) and the two-sided t-interval for the mean (NaN for n < 2)."""
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    if n == 0:
        return Interval(NAN, NAN, NAN, NAN)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, NAN, NAN, NAN)
    std = float(x.std(ddof=1))
    half = float(sps.t.ppf(0.5 + confidence / 2, n - 1)) * std / math.sqrt(n)
    return Interval(mean, std, mean - half, mean + half)


@dataclass(frozen=True)
class Welch:
    """Welch's unequal-variance t-test of mean(a) - mean(b); two-sided p-value."""

    diff: float
    t: float
    df: float
    p_value: float


def welch(a: Sequence[float], b: Sequence[float]) -> Welch:
    """Welch's t-test: t = (ā - b̄) / sqrt(s²ₐ/nₐ + s²_b/n_b), Welch–Satterthwaite df.

    NaN t, df and p when either side has fewer than two values or both have zero variance
    (the test is undefined there; the difference is still given).
    """
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    diff = float(x.mean() - y.mean()) if x.size and y.size else NAN
    if x.size < 2 or y.size < 2:
        return Welch(diff, NAN, NAN, NAN)
    va, vb = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    if va + vb == 0:
        return Welch(diff, NAN, NAN, NAN)
    t = diff / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (x.size - 1) + vb**2 / (y.size - 1))
    return Welch(diff, float(t), float(df), float(2 * sps.t.sf(abs(t), df)))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values (NaN entries stay NaN and do not count)."""
    order = sorted((p, i) for i, p in enumerate(p_values) if not math.isnan(p))
    adjusted = [NAN] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * p))
        adjusted[i] = running
    return adjusted


def epochs_to_target(epochs: Sequence[dict[str, float]], target: float) -> int | None:
    """The first epoch (counting from 1) whose test accuracy is >= target; None if never."""
    for row in epochs:
        if row["test_acc"] >= target:
            return int(row["epoch"])
    return None


@dataclass(frozen=True)
class SummaryRow:
    """One activation in one setting. Accuracies are fractions; `rank` 1 is the best."""

    dataset: str
    model: str
    depth: int
    activation: str
    n_seeds: int
    test_acc_mean: float
    test_acc_std: float
    test_acc_ci95_low: float
    test_acc_ci95_high: float
    test_loss_mean: float
    test_loss_std: float
    test_loss_ci95_low: float
    test_loss_ci95_high: float
    train_acc_mean: float
    train_loss_mean: float
    target_accuracy: float
    epochs_to_target_mean: float
    n_reached_target: int
    baseline: str
    diff_vs_baseline: float
    t_vs_baseline: float
    p_value_vs_baseline: float
    p_value_holm: float
    significant: bool
    rank: int
    note: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarise(
    records: Sequence[RunRecord], baseline: str, target_accuracy: float | None = None
) -> list[SummaryRow]:
    """Summary rows for the finished runs, grouped by setting and activation label.

    Within each setting, rows are sorted by rank (highest mean final test accuracy first,
    ties broken by lower mean test loss). `target_accuracy=None` uses 95% of the baseline's
    mean final test accuracy in that setting (or of the best activation's, without a baseline).
    """
    groups: dict[tuple[str, str, int], dict[str, list[RunRecord]]] = {}
    for record in records:
        if record.status == "finished" and record.epochs:
            by_label = groups.setdefault(record.config.setting, {})
            by_label.setdefault(record.config.label, []).append(record)
    rows: list[SummaryRow] = []
    for setting in sorted(groups):
        rows.extend(_summarise_setting(setting, groups[setting], baseline, target_accuracy))
    return rows


def _final(runs: list[RunRecord], key: str) -> list[float]:
    return [r.epochs[-1][key] for r in sorted(runs, key=lambda r: r.config.seed)]


def _summarise_setting(setting, by_label, baseline, target_accuracy) -> list[SummaryRow]:
    accs = {label: _final(runs, "test_acc") for label, runs in by_label.items()}
    base = accs.get(baseline)
    if target_accuracy is None:
        reference = base if base else max(accs.values(), key=lambda v: float(np.mean(v)))
        target_accuracy = math.floor(AUTO_TARGET_FRACTION * float(np.mean(reference)) * 1000) / 1000
    tests = {
        label: welch(acc, base) if base and label != baseline else Welch(NAN, NAN, NAN, NAN)
        for label, acc in accs.items()
    }
    labels = list(by_label)
    adjusted = dict(zip(labels, holm([tests[label].p_value for label in labels]), strict=True))
    loss_means = {
        label: float(np.mean(_final(runs, "test_loss"))) for label, runs in by_label.items()
    }
    order = sorted(labels, key=lambda label: (-float(np.mean(accs[label])), loss_means[label]))
    rows = []
    for rank, label in enumerate(order, start=1):
        runs = by_label[label]
        acc = mean_ci(accs[label])
        loss = mean_ci(_final(runs, "test_loss"))
        reached = [e for e in (epochs_to_target(r.epochs, target_accuracy) for r in runs) if e]
        test = tests[label]
        rows.append(
            SummaryRow(
                dataset=setting[0],
                model=setting[1],
                depth=setting[2],
                activation=label,
                n_seeds=len(runs),
                test_acc_mean=acc.mean,
                test_acc_std=acc.std,
                test_acc_ci95_low=acc.low,
                test_acc_ci95_high=acc.high,
                test_loss_mean=loss.mean,
                test_loss_std=loss.std,
                test_loss_ci95_low=loss.low,
                test_loss_ci95_high=loss.high,
                train_acc_mean=float(np.mean(_final(runs, "train_acc"))),
                train_loss_mean=float(np.mean(_final(runs, "train_loss"))),
                target_accuracy=target_accuracy,
                epochs_to_target_mean=float(np.mean(reached)) if reached else NAN,
                n_reached_target=len(reached),
                baseline=baseline,
                diff_vs_baseline=test.diff,
                t_vs_baseline=test.t,
                p_value_vs_baseline=test.p_value,
                p_value_holm=adjusted[label],
                significant=bool(test.p_value < ALPHA),
                rank=rank,
                note=_note(label, baseline, len(runs), base, test),
            )
        )
    return rows


def _note(label: str, baseline: str, n: int, base: list[float] | None, test: Welch) -> str:
    if n < 2:
        return ONE_SEED_NOTE
    if label == baseline:
        return "baseline"
    if base is None:
        return f"baseline {baseline!r} has no finished runs in this setting"
    if len(base) < 2:
        return f"baseline has one seed: {ONE_SEED_NOTE}"
    if math.isnan(test.p_value):
        return "no spread across seeds in either group: the t-test is undefined"
    return ""
