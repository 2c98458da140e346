"""Statistics over seeds: mean, std, t-interval, epochs to a target, Welch's t-test, ranking.

Everything is computed per *setting* (dataset, model, depth) and activation from the test
metrics of each finished run (measured once, at its end). With k activations tested against
the baseline, `significant` uses the Holm-adjusted p-value (both are kept). With one seed no
spread can be estimated: std, interval and p-value are NaN and `note` says so, rather than
showing a misleading zero-width interval; with two, `note` warns that the interval is too
wide to read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from actlab.experiments.record import RunRecord
from actlab.experiments.run_config import setting_key

ALPHA = 0.05
CONFIDENCE = 0.95
# Without an explicit target, a run "reaches the target" at 95% of the baseline's final accuracy.
AUTO_TARGET_FRACTION = 0.95
ONE_SEED_NOTE = "one seed: no interval or test can be given (run more seeds)"
FEW_SEEDS_NOTE = "fewer than 3 seeds: the interval is too wide to be worth reading"

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
    from scipy import stats as sps  # imported here: it costs 0.5 s of every command's start

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
    from scipy import stats as sps

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
    """The first epoch (counting from 1) whose validation score is >= target; None if never."""
    for row in epochs:
        if row["val_acc"] >= target:
            return int(row["epoch"])
    return None


@dataclass(frozen=True)
class SummaryRow:
    """One activation in one setting; `rank` 1 is the best.

    `test_acc_*` / `val_acc_*` hold the task's score, named by `metric`: accuracy as a
    fraction, or R² for regression. `val_acc_*` are at each run's selected epoch; `lr` and
    `weight_decay` are what the activation trained with (chosen on validation data when
    tuned); `selected_epoch` the mean epoch whose model was tested. `significant` is decided
    by `p_value_holm` (Holm-adjusted over the activations compared with the baseline).
    """

    dataset: str
    model: str
    depth: int | None
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
    val_acc_mean: float
    val_acc_ci95_low: float
    val_acc_ci95_high: float
    metric: str
    lr: float
    weight_decay: float
    selected_epoch: float
    run_ids: str
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
    groups: dict[tuple, dict[str, list[RunRecord]]] = {}
    for record in records:
        if record.status == "finished" and record.epochs:
            by_label = groups.setdefault(record.config.setting, {})
            by_label.setdefault(record.config.label, []).append(record)
    rows: list[SummaryRow] = []
    for setting in sorted(groups, key=setting_key):
        rows.extend(_summarise_setting(setting, groups[setting], baseline, target_accuracy))
    return rows


def _final(runs: list[RunRecord], key: str) -> list[float]:
    """Per seed: `test_acc` / `test_loss` of the tested model, else the selected epoch's `key`."""
    ordered = sorted(runs, key=lambda r: r.config.seed)
    if key in ("test_acc", "test_loss"):
        return [getattr(r, key) for r in ordered]
    return [r.selected[key] for r in ordered]


def _nanmean(values: Sequence[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return float(np.mean(kept)) if kept else NAN


def _summarise_setting(setting, by_label, baseline, target_accuracy) -> list[SummaryRow]:
    accs = {label: _final(runs, "test_acc") for label, runs in by_label.items()}
    base = accs.get(baseline)
    if target_accuracy is None:
        vals = {label: _final(runs, "val_acc") for label, runs in by_label.items()}
        reference = vals.get(baseline) or max(vals.values(), key=_nanmean)
        level = _nanmean(reference)
        target_accuracy = (
            math.floor(AUTO_TARGET_FRACTION * level * 1000) / 1000 if level > 0 else NAN
        )
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
        val = mean_ci(_final(runs, "val_acc"))
        first = runs[0].config.training
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
                train_acc_mean=float(np.mean([r.final["train_acc"] for r in runs])),
                train_loss_mean=float(np.mean([r.final["train_loss"] for r in runs])),
                target_accuracy=target_accuracy,
                epochs_to_target_mean=float(np.mean(reached)) if reached else NAN,
                n_reached_target=len(reached),
                val_acc_mean=val.mean,
                val_acc_ci95_low=val.low,
                val_acc_ci95_high=val.high,
                metric=runs[0].metric,
                lr=first.lr,
                weight_decay=first.weight_decay,
                selected_epoch=float(np.mean([r.selected_epoch or len(r.epochs) for r in runs])),
                run_ids=" ".join(
                    r.config_hash[:12] for r in sorted(runs, key=lambda r: r.config.seed)
                ),
                baseline=baseline,
                diff_vs_baseline=test.diff,
                t_vs_baseline=test.t,
                p_value_vs_baseline=test.p_value,
                p_value_holm=adjusted[label],
                significant=bool(adjusted[label] < ALPHA),
                rank=rank,
                note=_note(label, baseline, len(runs), base, test),
            )
        )
    return rows


def _note(label: str, baseline: str, n: int, base: list[float] | None, test: Welch) -> str:
    if n < 2:
        return ONE_SEED_NOTE
    if n < 3:
        return FEW_SEEDS_NOTE
    if label == baseline:
        return "baseline"
    if base is None:
        return f"baseline {baseline!r} has no finished runs in this setting"
    if len(base) < 2:
        return f"baseline has one seed: {ONE_SEED_NOTE}"
    if math.isnan(test.p_value):
        return "no spread across seeds in either group: the t-test is undefined"
    return ""
