"""Statistics against SciPy on constructed numbers, single-seed handling, ranking."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from actlab.experiments.stats import (
    FEW_SEEDS_NOTE,
    ONE_SEED_NOTE,
    epochs_to_target,
    holm,
    mean_ci,
    summarise,
    welch,
)
from tests.experiments._records import record, two_activation_records

SAMPLES = [
    ([0.91, 0.92, 0.935], [0.88, 0.90, 0.87]),
    ([0.5, 0.52, 0.49, 0.51, 0.55], [0.5, 0.47]),
    ([1.0, 2.0, 3.0, 4.0], [1.5, 9.0, -3.0]),
    ([0.97, 0.9701], [0.9702, 0.97, 0.9699, 0.9703]),
]


@pytest.mark.parametrize(("a", "b"), SAMPLES)
def test_welch_matches_scipy(a, b):
    ours = welch(a, b)
    ref = sps.ttest_ind(a, b, equal_var=False)
    assert ours.t == pytest.approx(ref.statistic, rel=1e-12)
    assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    assert ours.diff == pytest.approx(np.mean(a) - np.mean(b), rel=1e-14)
    # Welch–Satterthwaite df, written out independently of the implementation.
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    assert ours.df == pytest.approx(df, rel=1e-12)


def test_welch_undefined_cases_are_nan():
    one = welch([0.9], [0.8, 0.85])
    assert math.isnan(one.p_value) and one.diff == pytest.approx(0.075)
    flat = welch([0.5, 0.5], [0.6, 0.6])
    assert math.isnan(flat.p_value) and flat.diff == pytest.approx(-0.1)


@pytest.mark.parametrize("values", [[0.9, 0.91, 0.93], [1.0, 2.0], [3.0, 1.0, 4.0, 1.0, 5.0]])
def test_mean_ci_matches_scipy_t_interval(values):
    ci = mean_ci(values)
    low, high = sps.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=sps.sem(values))
    assert (ci.low, ci.high) == pytest.approx((low, high), rel=1e-12)
    assert ci.std == pytest.approx(np.std(values, ddof=1), rel=1e-14)


def test_single_value_has_no_interval():
    ci = mean_ci([0.93])
    assert ci.mean == 0.93
    assert math.isnan(ci.std) and math.isnan(ci.low) and math.isnan(ci.high)


def test_holm_against_definition():
    p = [0.01, 0.04, float("nan"), 0.03, 0.5]
    adjusted = holm(p)
    # Sorted valid p: 0.01, 0.03, 0.04, 0.5 with multipliers 4, 3, 2, 1, then running max.
    assert adjusted[0] == pytest.approx(0.04)
    assert adjusted[3] == pytest.approx(0.09)
    assert adjusted[1] == pytest.approx(0.09)  # 2 * 0.04 = 0.08, raised to the running max
    assert adjusted[4] == pytest.approx(0.5)
    assert math.isnan(adjusted[2])


def test_epochs_to_target_counts_from_one():
    epochs = [{"epoch": i + 1, "val_acc": a} for i, a in enumerate([0.5, 0.8, 0.85, 0.9])]
    assert epochs_to_target(epochs, 0.8) == 2
    assert epochs_to_target(epochs, 0.9) == 4
    assert epochs_to_target(epochs, 0.95) is None


def test_summary_ranks_tests_and_marks_baseline():
    rows = summarise(two_activation_records(), baseline="relu", target_accuracy=0.85)
    assert [r.activation for r in rows] == ["gelu", "relu", "sigmoid"]
    assert [r.rank for r in rows] == [1, 2, 3]
    by = {r.activation: r for r in rows}
    assert by["relu"].note == "baseline" and math.isnan(by["relu"].p_value_vs_baseline)
    assert not by["relu"].significant
    ref = sps.ttest_ind([0.80, 0.81, 0.79], [0.90, 0.91, 0.92], equal_var=False)
    assert by["sigmoid"].p_value_vs_baseline == pytest.approx(ref.pvalue, rel=1e-10)
    assert by["sigmoid"].significant and not by["gelu"].significant
    assert by["sigmoid"].diff_vs_baseline == pytest.approx(-0.11)
    assert by["relu"].test_acc_mean == pytest.approx(0.91)
    # Targets: relu reaches 0.85 at epoch 2 in every seed (0.85..0.87), sigmoid never.
    assert by["relu"].epochs_to_target_mean == 2 and by["relu"].n_reached_target == 3
    assert by["sigmoid"].n_reached_target == 0 and math.isnan(by["sigmoid"].epochs_to_target_mean)


def test_significance_is_decided_by_the_holm_adjusted_p_value():
    # Three activations against relu: one clearly worse, two a little worse with raw p just
    # under 0.05 — Holm multiplies the smallest p by 3, the next by 2, the last by 1.
    finals = {
        "relu": [0.90, 0.91, 0.92, 0.905],
        "a": [0.80, 0.81, 0.79, 0.80],
        "b": [0.885, 0.90, 0.895, 0.89],
        "c": [0.888, 0.905, 0.899, 0.894],
    }
    records = [
        record(label, seed, [acc])
        for label, values in finals.items()
        for seed, acc in enumerate(values)
    ]
    rows = {r.activation: r for r in summarise(records, baseline="relu", target_accuracy=0.5)}
    raw = {k: rows[k].p_value_vs_baseline for k in "abc"}
    assert all(p < 0.05 for p in raw.values()) or raw["c"] > 0.05
    for k in "abc":
        assert rows[k].significant == (rows[k].p_value_holm < 0.05)
        assert rows[k].p_value_holm >= rows[k].p_value_vs_baseline
    assert any(raw[k] < 0.05 <= rows[k].p_value_holm for k in "bc")


def test_two_seeds_are_flagged():
    records = [
        record(lbl, s, [a])
        for lbl, vals in {"relu": [0.9, 0.8], "gelu": [0.7, 0.95]}.items()
        for s, a in enumerate(vals)
    ]
    rows = summarise(records, baseline="relu", target_accuracy=0.5)
    assert all(r.note == FEW_SEEDS_NOTE for r in rows)
    assert all(len(r.run_ids.split()) == 2 for r in rows)


def test_auto_target_is_95_percent_of_baseline():
    rows = summarise(two_activation_records(), baseline="relu")
    assert rows[0].target_accuracy == pytest.approx(math.floor(0.95 * 0.91 * 1000) / 1000)


def test_one_seed_says_no_interval():
    records = [record("relu", 0, [0.8, 0.9]), record("gelu", 0, [0.85, 0.88])]
    rows = summarise(records, baseline="relu")
    assert all(r.note == ONE_SEED_NOTE for r in rows)
    assert all(math.isnan(r.test_acc_ci95_low) and math.isnan(r.p_value_vs_baseline) for r in rows)
    assert not any(r.significant for r in rows)


def test_failed_runs_are_left_out():
    records = two_activation_records() + [record("relu", 7, [], status="failed")]
    rows = summarise(records, baseline="relu", target_accuracy=0.5)
    assert {r.activation: r.n_seeds for r in rows}["relu"] == 3
