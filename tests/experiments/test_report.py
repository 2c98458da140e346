"""Outputs from synthetic records: CSV columns, PNG figures, a self-contained report.html."""

from __future__ import annotations

import base64
import csv
import re
from pathlib import Path

import pytest

from actlab.experiments.config import from_dict
from actlab.experiments.result import ExperimentResult
from actlab.experiments.stats import summarise
from actlab.report.experiment.outputs import write_outputs
from tests.experiments._records import record, two_activation_records

REQUIRED_SUMMARY = (
    "activation",
    "n_seeds",
    "test_acc_mean",
    "test_acc_std",
    "test_acc_ci95_low",
    "test_acc_ci95_high",
    "test_loss_mean",
    "p_value_vs_baseline",
    "significant",
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _result(tmp_path: Path, records) -> ExperimentResult:
    config = from_dict(
        {"dataset": "digits", "activations": "relu,gelu,sigmoid", "epochs": 3, "out": str(tmp_path)}
    )
    summary = summarise(records, baseline="relu", target_accuracy=0.85)
    return ExperimentResult(
        config, tmp_path, summary, list(records), len(records), len(records), 0, 1.0
    )


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    records = two_activation_records() + [record("relu", 9, [], status="failed")]
    result = _result(tmp, records)
    return result, write_outputs(result)


def test_summary_csv_has_the_required_columns_and_fractions(outputs):
    result, files = outputs
    rows = list(csv.DictReader(files["summary_csv"].open()))
    assert set(REQUIRED_SUMMARY) <= set(rows[0])
    assert [r["activation"] for r in rows] == ["gelu", "relu", "sigmoid"]
    for row in rows:
        assert 0.0 <= float(row["test_acc_mean"]) <= 1.0
        assert (
            float(row["test_acc_ci95_low"])
            <= float(row["test_acc_mean"])
            <= float(row["test_acc_ci95_high"])
        )
    assert {r["activation"]: r["significant"] for r in rows}["sigmoid"] == "True"


def test_epochs_csv_is_tidy(outputs):
    _, files = outputs
    rows = list(csv.DictReader(files["epochs_csv"].open()))
    assert len(rows) == 9 * 3  # 9 finished runs × 3 epochs; the failed run has none
    keys = {(r["activation"], r["seed"], r["epoch"]) for r in rows}
    assert len(keys) == len(rows)
    assert {"run", "dataset", "model", "depth", "val_acc", "val_loss", "train_loss", "lr"} <= set(
        rows[0]
    )
    assert "test_acc" not in rows[0]  # the test set is scored once per run, in runs.csv


def test_runs_csv_has_one_row_per_run_with_its_test_score(outputs):
    _, files = outputs
    rows = list(csv.DictReader(files["runs_csv"].open()))
    assert len(rows) == 10
    finished = [r for r in rows if r["status"] == "finished"]
    assert {float(r["test_acc"]) for r in finished} == {0.90, 0.91, 0.92, 0.905, 0.80, 0.81, 0.79}


def test_figures_are_pngs(outputs):
    _, files = outputs
    figures = [p for k, p in files.items() if k.startswith("figure:")]
    assert {p.name for p in figures} == {
        "curves_digits_mlp_d1.png",
        "final_accuracy_digits_mlp_d1.png",
    }
    for path in figures:
        assert path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 5000


def test_report_is_self_contained_and_embeds_the_figures(outputs):
    _, files = outputs
    text = files["report"].read_text()
    assert "href=" not in text
    sources = re.findall(r'src="([^"]*)"', text)
    assert len(sources) == 2 and all(s.startswith("data:image/png;base64,") for s in sources)
    figure_bytes = {p.read_bytes() for k, p in files.items() if k.startswith("figure:")}
    assert {base64.b64decode(s.split(",", 1)[1]) for s in sources} == figure_bytes
    for needle in (
        "Setup",
        "Summary",
        "Environment",
        "95% CI",
        "p (Welch)",
        "p (Holm)",
        "Holm-adjusted",
        "Data",
        "Runs",
        "sigmoid",
        "Failed runs",
        "RuntimeError: boom",
    ):
        assert needle in text


def test_summary_json_has_no_nan(outputs):
    result, _ = outputs
    data = result.summary_json()
    relu = next(r for r in data["summary"] if r["activation"] == "relu")
    assert relu["p_value_vs_baseline"] is None
    assert data["runs"]["failed"] == 1


def test_intervals_are_shown_within_what_is_possible(tmp_path):
    from actlab.report.experiment.html import summary_table

    records = [record("relu", s, [a]) for s, a in enumerate([0.99, 0.90])]
    records += [record("gelu", s, [a]) for s, a in enumerate([0.02, 0.30])]
    rows = summarise(records, baseline="relu", target_accuracy=0.5)
    relu = next(r for r in rows if r.activation == "relu")
    gelu = next(r for r in rows if r.activation == "gelu")
    assert relu.test_acc_ci95_high > 1 and gelu.test_acc_ci95_low < 0  # the raw t-intervals
    text = summary_table(rows)
    assert "100.00]" in text and "[0.00," in text
    for value in re.findall(r"\[(-?[\d.]+), (-?[\d.]+)\]", text):
        assert 0 <= float(value[0]) <= float(value[1]) <= 100
    assert "fewer than 3 seeds" in text


def test_every_activation_has_its_own_line_style():
    from actlab.report.experiment.figures import styles

    labels = [f"act{i}" for i in range(12)]
    looks = styles(labels)
    combos = {(tuple(v["color"]), v["linestyle"], v["marker"]) for v in looks.values()}
    assert len(combos) == 12
    # the two labels drawn first (relu and leaky_relu in the default grid) differ in all three
    a, b = looks["act0"], looks["act1"]
    assert (
        a["color"] != b["color"] and a["linestyle"] != b["linestyle"] and a["marker"] != b["marker"]
    )
