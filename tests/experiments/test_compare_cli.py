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
    ids = data["runs"].pop("ids")
    assert data["runs"] == {"total": 4, "ran": 4, "skipped": 0, "failed": 0}
    assert len(ids) == 4 and all(len(h) == 16 for h in ids.values())
    rows = {r["activation"]: r for r in data["summary"]}
    assert set(rows) == {"relu", "gelu"} and rows["relu"]["p_value_vs_baseline"] is None
    assert 0 < rows["gelu"]["test_acc_mean"] <= 1 and isinstance(rows["gelu"]["significant"], bool)
    for name in (
        "results.sqlite",
        "summary.csv",
        "epochs.csv",
        "runs.csv",
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
        (["--activations", "gelu,silu", "--baseline", "relu"], ["baseline 'relu'"]),
        (["--schedule", "step:80"], ["step:E:GAMMA"]),
        (["--optimizer", "adma"], ["'adma'", "adam"]),
        (["--momentum", "0.5"], ["momentum and nesterov apply to optimizer sgd only"]),
        (["--tune-lr", "1e-3,x"], ["tune_lr", "'x'"]),
        (["--preset", "mnist1d-paper"], ["unknown preset", "mnist1d-paper-mlp"]),
        (["--seeds", "1000000000"], ["limit of 10,000", "--allow-large"]),
        (["--model-option", "width"], ["KEY=VALUE"]),
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


def test_table_names_the_runs_and_a_chosen_baseline(tmp_path):
    out = str(tmp_path / "cmp")
    result = CliRunner().invoke(
        compare, [*TINY[:2], "--activations", "gelu,silu", "--seeds", "2", "--epochs", "1",
                  "--hidden", "8", "--workers", "1", "--out", out],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "baseline: gelu (the first activation, since relu is not in the grid)" in result.output
    assert "gelu (baseline)" in result.output and "runs of silu:" in result.output


def test_training_flags_reach_the_recipe(tmp_path):
    out = tmp_path / "cmp"
    args = [*TINY, "--optimizer", "sgd", "--momentum", "0.8", "--nesterov", "--lr", "0.05",
            "--schedule", "cosine", "--warmup-epochs", "0", "--label-smoothing", "0.1",
            "--grad-clip", "2.5", "--val-fraction", "0.2", "--select", "best-val",
            "--weight-decay", "1e-4", "--dropout", "0.1", "--init", "xavier", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(compare, args)
    assert result.exit_code == 0, result.output
    from actlab.experiments.store import ResultStore

    with ResultStore(out) as store:
        run = store.records()[0].config
    t = run.training
    assert (t.optimizer, t.momentum, t.nesterov, t.lr, t.schedule) == (
        "sgd",
        0.8,
        True,
        0.05,
        "cosine",
    )
    assert (t.label_smoothing, t.grad_clip, t.val_fraction, t.select) == (0.1, 2.5, 0.2, "best-val")
    assert t.weight_decay == 1e-4 and run.model_options["dropout"] == 0.1 and run.init == "xavier"


def test_every_option_has_help():
    for param in compare.params:
        if param.name != "help":
            assert getattr(param, "help", None), param.name


def test_dry_run_checks_everything_and_writes_nothing(tmp_path):
    out = tmp_path / "cmp"
    result = CliRunner().invoke(
        compare, [*TINY, "--tune-lr", "1e-3,1e-2", "--out", str(out), "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "dry run: 8 run(s)" in result.output and "nothing trained or written" in result.output
    assert not out.exists()
    missing = CliRunner().invoke(
        compare, ["--dataset", "mnist", "--data-dir", str(tmp_path / "none"), "--dry-run"]
    )
    assert missing.exit_code == 1 and "train-images-idx3-ubyte.gz" in missing.output
