"""`actlab compare` through click's CliRunner on a tiny grid."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner

from actlab.cli.compare import compare

TINY = [
    "--dataset",
    "digits",
    "--activations",
    "relu,gelu",
    "--seeds",
    "2",
    "--epochs",
    "1",
    "--hidden",
    "16",
    "--workers",
    "1",
]


def test_json_summary_and_files(tmp_path):
    out = tmp_path / "cmp"
    result = CliRunner().invoke(compare, [*TINY, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["runs"] == {"total": 4, "ran": 4, "skipped": 0, "failed": 0}
    rows = {r["activation"]: r for r in data["summary"]}
    assert set(rows) == {"relu", "gelu"} and rows["relu"]["p_value_vs_baseline"] is None
    assert 0 < rows["gelu"]["test_acc_mean"] <= 1 and isinstance(rows["gelu"]["significant"], bool)
    for name in (
        "results.sqlite",
        "summary.csv",
        "epochs.csv",
        "report.html",
        "curves_digits_mlp_d1.png",
        "final_accuracy_digits_mlp_d1.png",
    ):
        assert (out / name).is_file(), name
    assert len(list(csv.DictReader((out / "epochs.csv").open()))) == 4


def test_table_output_and_resume(tmp_path):
    out = str(tmp_path / "cmp")
    first = CliRunner().invoke(compare, [*TINY, "--out", out])
    assert first.exit_code == 0, first.output
    assert "relu (baseline)" in first.output and "gelu" in first.output
    assert "4 run(s) trained" in first.output and "report.html" in first.output
    again = CliRunner().invoke(compare, [*TINY, "--out", out])
    assert again.exit_code == 0 and "0 run(s) trained, 4 already finished" in again.output


def test_yaml_config_with_flag_override(tmp_path):
    config = tmp_path / "exp.yaml"
    config.write_text(
        "datasets: [digits]\nactivations: [relu, tanh]\nseeds: 3\nepochs: 1\nhidden: 16\nworkers: 1\n"
    )
    out = tmp_path / "cmp"
    result = CliRunner().invoke(
        compare, ["--config", str(config), "--seeds", "2", "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {r["activation"] for r in data["summary"]} == {"relu", "tanh"}
    assert {r["n_seeds"] for r in data["summary"]} == {2}


def test_bad_options_are_usage_errors_that_name_the_problem(tmp_path):
    cases = [
        (["--dataset", "mnist2d"], ["mnist2d", "mnist1d"]),
        (["--activations", "relu,gelx"], ["gelx", "gelu"]),
        (["--epochs", "0"], ["epochs", ">= 1"]),
        (["--activations", "gelu,silu"], ["baseline 'relu'"]),
    ]
    for args, needles in cases:
        result = CliRunner().invoke(compare, [*args, "--out", str(tmp_path / "x")])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        for needle in needles:
            assert needle in result.output, (args, result.output)
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("epoch: 3\n")
    result = CliRunner().invoke(compare, ["--config", str(bad_yaml)])
    assert result.exit_code == 2 and "unknown key 'epoch'" in result.output


def test_every_option_has_help():
    for param in compare.params:
        if param.name != "help":
            assert getattr(param, "help", None), param.name
