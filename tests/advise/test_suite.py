"""The suite's definition (what the issue asks of it), its data, and the resumable runner on a
tiny slice (real training, real SQLite stores)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import actlab
from actlab.advise.evidence import Evidence, load_evidence, read_evidence, write_evidence
from actlab.advise.markdown import benchmark_page
from actlab.advise.regression import smooth_2d, target
from actlab.advise.run_suite import invocations, run_spans, run_suite, suite_config
from actlab.advise.sequences import mnist1d_tokens
from actlab.advise.suite import ACTIVATIONS, GATED, SEEDS, SETTINGS, TUNE_LR, get_setting, select
from actlab.cli import main


def test_activations_cover_the_seed_the_modern_and_the_learnable_ones():
    assert len(ACTIVATIONS) >= 24 and len(set(ACTIVATIONS)) == len(ACTIVATIONS)
    seed = {"relu", "leaky_relu", "gelu", "silu", "elu", "selu", "tanh", "sigmoid"}
    modern = {"gelu", "silu", "mish", "squared_relu", "star_relu"}
    assert seed | modern <= set(ACTIVATIONS)
    learnable = {s.name for s in actlab.specs() if s.learnable}
    assert len(learnable & set(ACTIVATIONS)) >= 6
    for name in ACTIVATIONS + GATED:
        assert actlab.get(name).name == name  # canonical catalogue names


def test_settings_cover_what_the_guide_says_matters():
    assert len(SETTINGS) >= 8 and SEEDS >= 5 and len(TUNE_LR) >= 2
    by = {s.name: s for s in SETTINGS}
    mlps = [s for s in SETTINGS if s.values["model"] == "mlp"]
    deep = [s for s in mlps if s.setting.depth >= 10]
    assert {s.values.get("dataset") for s in mlps} >= {"mnist1d", "digits", "spiral"}
    assert any(s.setting.depth <= 2 for s in mlps)
    assert any(s.setting.norm != "none" for s in deep) and any(
        s.setting.norm == "none" for s in deep
    )
    assert any(s.setting.residual for s in deep) and any(not s.setting.residual for s in deep)
    assert by["mnist1d-cnn"].values["model"] == "mnist1d_cnn"
    transformer = by["mnist1d-transformer"]
    assert transformer.values["model"] == "transformer" and set(GATED) <= set(
        transformer.activations
    )
    assert all(not set(GATED) & set(s.activations) for s in SETTINGS if s is not transformer)
    assert by["regression-mlp"].training["task"] == "regression"
    for s in SETTINGS:  # every setting is a valid experiment config, tuned on validation data
        config = suite_config(s, __import__("pathlib").Path("unused"))
        assert config.tune_lr == TUNE_LR and config.training.val_fraction > 0
        assert len(config.seeds) == SEEDS and config.baseline == "relu"


def test_unknown_setting_names_the_close_one():
    with pytest.raises(ValueError, match="did you mean 'mnist1d-cnn'"):
        get_setting("mnist1d_cnn")
    assert [s.name for s in select(["spiral-mlp", "mnist1d-mlp"])] == ["mnist1d-mlp", "spiral-mlp"]


def test_regression_data_is_deterministic_and_smooth():
    (x, y), (xt, yt) = smooth_2d()
    (x2, y2), _ = smooth_2d()
    assert torch.equal(x, x2) and torch.equal(y, y2)
    assert x.shape == (2000, 2) and xt.shape == (1000, 2) and y.dtype == torch.float32
    residual = y.double().numpy() - target(x.double().numpy())
    assert 0.04 < residual.std() < 0.06  # the stated noise level
    assert float(x.abs().max()) <= 1.0


def test_mnist1d_tokens_are_contiguous_patches():
    from actlab.data import load

    (x, y), (xt, _) = mnist1d_tokens()
    d = load("mnist1d")
    assert x.shape == (4000, 4, 10) and xt.shape == (1000, 4, 10)
    torch.testing.assert_close(x[:, :, 3], d.x_train[:, 12:16])  # token 3 = samples 12..15
    assert torch.equal(y, d.y_train)


def test_a_slice_runs_resumes_and_becomes_evidence(tmp_path):
    out = tmp_path / "suite"
    kwargs = dict(seeds=2, activations=["relu", "tanh"], epochs=1, tune_lr=[1e-3, 3e-3],
                  run_options={"workers": 1})  # fmt: skip
    first = run_suite(out, ["spiral-mlp", "regression-mlp"], **kwargs)
    assert first.meta["last_ran"] == {"spiral-mlp": 6, "regression-mlp": 6}  # 2 lr + 1 seed, ×2
    assert [s.name for s in first.settings] == ["spiral-mlp", "regression-mlp"]
    spiral, regression = first.settings
    assert {c.activation for c in spiral.cells} == {"relu", "tanh"}
    assert all(c.n == 2 and c.seeds == (0, 1) for c in spiral.cells)
    assert regression.metric == "r2" and spiral.metric == "accuracy"
    assert not spiral.missing and first.meta["runs"] == 8
    again = run_suite(out, ["spiral-mlp", "regression-mlp"], **kwargs)
    assert again.meta["last_ran"] == {"spiral-mlp": 0, "regression-mlp": 0}  # resumed: nothing new
    assert [c.scores for c in again.settings[0].cells] == [c.scores for c in spiral.cells]
    assert len(invocations(out)) == 2
    path = write_evidence(again, tmp_path / "evidence.json")
    back = read_evidence(path)
    assert back.to_dict() == json.loads(path.read_text())
    assert back.get("spiral-mlp").cell("relu").scores == spiral.cell("relu").scores
    page = benchmark_page(back)
    assert "## spiral-mlp" in page and "| rank | activation | test R²" in page
    # Wall time per setting: the union of that setting's run intervals (its 6 runs here).
    walls = back.meta["setting_wall_seconds"]
    assert set(walls) == {"spiral-mlp", "regression-mlp"} and all(w > 0 for w in walls.values())
    # (each figure is rounded to 0.1 s on its own)
    assert max(walls.values()) - 0.1 <= back.meta["wall_seconds"] <= sum(walls.values()) + 0.1
    assert len(run_spans(out, ["spiral-mlp"])) == 6 and len(run_spans(out)) == 12
    assert page.count("Wall time ") == 2
    # The settings not run are named as pending, with the command that runs them.
    pending = [s.name for s in SETTINGS if s.name not in ("spiral-mlp", "regression-mlp")]
    assert f"--settings {','.join(pending)} --out runs/suite" in page
    only_spiral = benchmark_page(Evidence((back.get("spiral-mlp"),), back.meta))
    assert "regression-mlp," in only_spiral.split("**Pending**")[1].split("\n")[0]


def test_a_missing_run_is_named(tmp_path):
    out = tmp_path / "suite"
    kwargs = dict(activations=["relu"], epochs=1, tune_lr=[1e-3], run_options={"workers": 1})
    run_suite(out, ["spiral-mlp"], seeds=1, **kwargs)
    # Ask for 2 seeds of a store that has 1 and summarise without training: seed 1 is missing.
    from actlab.advise.run_suite import _missing
    from actlab.experiments import ResultStore

    config = suite_config(get_setting("spiral-mlp"), out, seeds=2, **kwargs)
    with ResultStore(out / "spiral-mlp") as store:
        records = store.records()
    assert _missing(config, records) == ["relu seed 1"]


def test_no_train_reads_the_stores_and_keeps_complete_cells_only(tmp_path):
    out = tmp_path / "suite"
    kwargs = dict(epochs=1, tune_lr=[1e-3], seeds=2, run_options={"workers": 1})
    run_suite(out, ["spiral-mlp"], activations=["relu"], **kwargs)
    before = {p.name for p in out.iterdir()}
    read = run_suite(out, ["spiral-mlp", "digits-mlp"], activations=["relu", "tanh"],
                     train=False, **kwargs)  # fmt: skip
    assert read.meta["last_ran"] == {"spiral-mlp": 0}  # nothing trained
    assert read.meta["last_skipped"] == {"digits-mlp": "nothing run yet"}
    assert {p.name for p in out.iterdir()} == before  # no store made for digits-mlp
    (spiral,) = read.settings
    assert [c.activation for c in spiral.cells] == ["relu"] and spiral.cell("relu").n == 2
    assert spiral.missing == ("tanh seed 0", "tanh seed 1") and read.meta["runs"] == 2
    # Training the same slice fills the cell that --no-train left out.
    trained = run_suite(out, ["spiral-mlp"], activations=["relu", "tanh"], **kwargs)
    assert trained.meta["last_ran"] == {"spiral-mlp": 2} and not trained.settings[0].missing
    # A setting whose store has no complete cell is left out, with the reason.
    none = run_suite(out, ["spiral-mlp"], activations=["relu", "tanh"], train=False,
                     **{**kwargs, "seeds": 3})  # fmt: skip
    assert (
        not none.settings
        and "no activation has all its runs" in none.meta["last_skipped"]["spiral-mlp"]
    )


def test_bench_suite_cli(tmp_path):
    runner = CliRunner()
    listed = runner.invoke(main, ["bench", "suite", "--list"])
    assert (
        listed.exit_code == 0
        and "mnist1d-transformer" in listed.output
        and "total:" in listed.output
    )
    bad = runner.invoke(main, ["bench", "suite", "--settings", "spiral"])
    assert bad.exit_code == 2 and "did you mean 'spiral-mlp'" in bad.output
    bad = runner.invoke(main, ["bench", "suite", "--ray-address", "auto"])
    assert bad.exit_code == 2 and "--backend ray only" in bad.output
    dry = runner.invoke(
        main, ["bench", "suite", "--settings", "spiral-mlp", "--dry-run", "--out", str(tmp_path)]
    )
    assert dry.exit_code == 0 and "nothing trained" in dry.output and not list(tmp_path.iterdir())
    ran = runner.invoke(main, ["bench", "suite", "--settings", "spiral-mlp", "--activations", "relu",
                               "--seeds", "2", "--epochs", "1", "--workers", "1", "--out", str(tmp_path / "s")])  # fmt: skip
    assert ran.exit_code == 0, ran.output
    assert (tmp_path / "s" / "evidence.json").is_file() and (
        tmp_path / "s" / "benchmark.md"
    ).is_file()
    assert read_evidence(tmp_path / "s" / "evidence.json").get("spiral-mlp").cell("relu").n == 2
    both = runner.invoke(main, ["bench", "suite", "--no-train", "--dry-run"])
    assert both.exit_code == 2 and "choose one" in both.output
    again = runner.invoke(main, ["bench", "suite", "--settings", "spiral-mlp", "--activations", "relu",
                                 "--seeds", "2", "--epochs", "1", "--no-train", "--out", str(tmp_path / "s"),
                                 "--evidence", str(tmp_path / "again.json")])  # fmt: skip
    assert again.exit_code == 0, again.output
    assert read_evidence(tmp_path / "again.json").get("spiral-mlp").cell("relu").scores == (
        read_evidence(tmp_path / "s" / "evidence.json").get("spiral-mlp").cell("relu").scores
    )


@pytest.mark.parametrize("command", [["bench", "suite"], ["advise"]])
def test_every_option_has_help(command):
    import click

    cmd = main
    for name in command:
        cmd = cmd.get_command(click.Context(cmd), name)
    assert cmd.help
    assert all(p.help for p in cmd.params if isinstance(p, click.Option))


def test_shipped_evidence_matches_the_suite_definition():
    ev = load_evidence()
    assert ev.meta["suite_version"] == 1 and ev.meta["protocol"]["tune_lr"] == list(TUNE_LR)
    assert set(ev.names()) <= {s.name for s in SETTINGS}
    for s in ev.settings:
        defined = get_setting(s.name)
        assert s.setting == defined.setting.to_dict()
        assert {c.activation for c in s.cells} <= set(defined.activations)
        for c in s.cells:
            assert c.n == len(c.scores) and np.isclose(c.mean, np.mean(c.scores))
