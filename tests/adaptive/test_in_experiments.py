"""Learnable activations in experiments: stored parameters, learned-shape figures, plot --from-run."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import actlab
from actlab.cli import main
from actlab.comparison import run_and_report
from actlab.experiments import from_dict, run_experiment
from actlab.experiments.execute import build_run_model, load_splits
from actlab.experiments.learned import capture, channel_curves, rebuild
from actlab.experiments.store import FILENAME, ResultStore
from actlab.train import train
from tests.experiments.runners import CountingRunner

TINY = {
    "dataset": "digits",
    "activations": "relu,prelu,rational:init=leaky_relu",
    "seeds": 2,
    "epochs": 1,
    "hidden": 16,
    "workers": 1,
}


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    out = tmp_path_factory.mktemp("learnable")
    return run_and_report(from_dict({**TINY, "out": str(out)}), progress=False)


def _param_rows(out) -> list[tuple]:
    db = sqlite3.connect(out / FILENAME)
    try:
        return db.execute(
            "SELECT config_hash, layer, layer_path, name, fixed_json, learned_json"
            " FROM activation_params ORDER BY config_hash, layer"
        ).fetchall()
    finally:
        db.close()


def test_only_learnable_runs_store_parameters(experiment):
    assert not experiment.failed
    by_label = {}
    for r in experiment.records:
        by_label.setdefault(r.config.label, []).append(r)
    assert all(not r.learned for r in by_label["relu"])
    for label, name in (("prelu", "prelu"), ("rational:init=leaky_relu", "rational")):
        for r in by_label[label]:
            assert [a.name for a in r.learned] == [name]  # one hidden layer at depth 1
    rational = by_label["rational:init=leaky_relu"][0].learned[0]
    assert rational.fixed["init"] == "leaky_relu"
    assert len(rational.learned["numerator"][0]) == rational.fixed["m"] + 1
    stored = {h for h, *_ in _param_rows(experiment.out)}
    assert stored == {r.config_hash for r in experiment.records if r.learned}


def test_stored_parameters_equal_the_trained_modules(experiment):
    record = next(r for r in experiment.records if r.config.activation == "rational")
    config = record.config
    splits = load_splits(config)
    model = build_run_model(config, splits)
    train(model, splits, config.training, seed=config.seed, device=config.device)
    trained = [m for m in model.modules() if getattr(m, "spec", None) is not None]
    assert len(trained) == len(record.learned)
    for module, row in zip(trained, record.learned, strict=True):
        restored = rebuild(row)
        for p in module.spec.learnable:
            torch.testing.assert_close(
                getattr(restored, p.name), getattr(module, p.name).detach().double(), rtol=0, atol=0
            )
    # Training moved the coefficients away from their initial fit (else this proves little).
    start = actlab.make("rational", init="leaky_relu").numerator.detach().double()
    assert not torch.equal(rebuild(record.learned[0]).numerator, start)
    assert capture(model) == record.learned
    x = np.linspace(-4, 4, 81)
    fresh = rebuild(record.learned[0])
    with torch.no_grad():
        expected = trained[0].double()(torch.tensor(x)[:, None]).numpy()[:, 0]
    np.testing.assert_array_equal(channel_curves(fresh, x)[0], expected)


def test_resume_does_not_duplicate_parameters(experiment):
    before = _param_rows(experiment.out)
    runner = CountingRunner()
    again = run_experiment(from_dict({**TINY, "out": str(experiment.out)}), runner=runner)
    assert runner.given == []
    assert again.n_skipped == again.n_total
    assert _param_rows(experiment.out) == before
    # Saving a run again replaces its rows instead of adding to them.
    record = next(r for r in experiment.records if r.learned)
    with ResultStore(experiment.out) as store:
        store.save(record)
    assert _param_rows(experiment.out) == before


def test_report_has_the_learned_shape_figure(experiment):
    figures = sorted(experiment.out.glob("learned_*.png"))
    assert [f.name for f in figures] == ["learned_digits_mlp_d1.png"]
    html = (experiment.out / "report.html").read_text()
    assert "Learned activation shapes" in html
    assert html.count("data:image/png;base64") == 3  # curves, final accuracy, learned shapes


def test_plot_from_run_writes_a_png(experiment, tmp_path):
    record = next(r for r in experiment.records if r.config.activation == "prelu")
    png = tmp_path / "learned.png"
    result = CliRunner().invoke(
        main,
        [
            "plot",
            "--from-run",
            record.config_hash[:8],
            "--out",
            str(experiment.out),
            "-o",
            str(png),
        ],
    )
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    store = experiment.out / FILENAME
    result = CliRunner().invoke(
        main, ["plot", "--from-run", record.config_hash, "--store", str(store), "-o", str(png)]
    )
    assert result.exit_code == 0, result.output


def test_plot_from_run_errors(experiment, tmp_path):
    png = tmp_path / "x.png"
    result = CliRunner().invoke(
        main, ["plot", "--from-run", "zzzz", "--out", str(experiment.out), "-o", str(png)]
    )
    assert result.exit_code == 2
    assert "no run 'zzzz'" in result.output
    some_id = experiment.records[0].config_hash[:12]
    assert some_id in result.output
    relu = next(r for r in experiment.records if r.config.activation == "relu")
    result = CliRunner().invoke(
        main,
        ["plot", "--from-run", relu.config_hash, "--out", str(experiment.out), "-o", str(png)],
    )
    assert result.exit_code == 2
    assert "no learned activation parameters" in result.output
    assert not png.exists()
