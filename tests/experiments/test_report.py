"""Outputs from synthetic records: CSV columns, PNG figures, a self-contained report.html."""

from __future__ import annotations

import base64
import csv
import re
from pathlib import Path

import pytest

from actlab.experiments.config import from_dict
from actlab.experiments.experiment import ExperimentResult, write_outputs
from actlab.experiments.stats import summarise
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
    assert {"run", "dataset", "model", "depth", "test_acc", "test_loss", "train_loss"} <= set(
        rows[0]
    )


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
