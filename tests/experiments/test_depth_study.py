"""`actlab depth-study` through click's CliRunner on a tiny grid."""

from __future__ import annotations

import json

from click.testing import CliRunner

from actlab.cli import main
from actlab.cli.depth_study import depth_study

TINY = [
    "--activations",
    "relu,sigmoid",
    "--depths",
    "1,5",
    "--dataset",
    "digits",
    "--epochs",
    "1",
    "--hidden",
    "16",
    "--workers",
    "1",
]


def test_json_rows_report_and_resume(tmp_path):
    out = tmp_path / "depth"
    result = CliRunner().invoke(depth_study, [*TINY, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["runs"] == {"total": 4, "ran": 4, "skipped": 0, "failed": 0}
    rows = {(r["activation"], r["depth"]): r for r in data["rows"]}
    assert set(rows) == {("relu", 1), ("relu", 5), ("sigmoid", 1), ("sigmoid", 5)}
    for row in rows.values():
        assert 0 < row["test_acc"] <= 1 and row["seeds"] == 1
        assert row["grad_norm_first"] > 0 and row["grad_norm_last"] > 0
        ratio = row["grad_norm_first"] / row["grad_norm_last"]
        assert abs(row["grad_ratio_first_last"] - ratio) <= 1e-12 * ratio
    # One layer: first and last are the same layer.
    assert rows[("sigmoid", 1)]["grad_ratio_first_last"] == 1.0
    # Five sigmoid layers: each backward step multiplies by sigmoid' <= 1/4, so the gradient
    # reaching the first layer is far smaller than at the last, and smaller than ReLU's.
    sigmoid_ratio = rows[("sigmoid", 5)]["grad_ratio_first_last"]
    assert sigmoid_ratio < 0.1
    assert sigmoid_ratio < rows[("relu", 5)]["grad_ratio_first_last"]

    report = (out / "report.html").read_text()
    assert "Accuracy vs depth — digits · mlp" in report
    assert "Gradient norm by layer and depth — digits · mlp" in report
    assert "Gradient norm by layer — digits · mlp · depth 5" in report
    assert "<title>actlab: depth study</title>" in report
    # a single layer has no gradient profile to draw
    assert "Gradient norm by layer — digits · mlp · depth 1" not in report
    for name in ("accuracy_vs_depth_digits_mlp.png", "gradient_by_depth_digits_mlp.png"):
        assert (out / name).is_file(), name
    assert (out / "health.csv").is_file() and (out / "epochs.csv").is_file()

    again = CliRunner().invoke(main, ["depth-study", *TINY, "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert "0 run(s) trained, 4 already finished" in again.output
    assert "grad first/last" in again.output and "sigmoid" in again.output


def test_bad_depth_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(depth_study, ["--depths", "0,5", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "depths must be an integer >= 1" in result.output


def test_help_states_the_defaults():
    result = CliRunner().invoke(depth_study, ["--help"])
    assert result.exit_code == 0
    for text in ("sigmoid,tanh,relu,selu,gelu", "2,5,10,20,30", "mnist1d", "128", "--json"):
        assert text in result.output, text
