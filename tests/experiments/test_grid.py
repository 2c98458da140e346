"""Grid expansion (lazy, stable order), tuning stages and the stable run hash."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from actlab.experiments.config import RunConfig, from_dict
from actlab.experiments.grammar import activation_choices
from actlab.experiments.grid import expand, tuning_runs
from actlab.train import Training


def test_grid_is_the_full_product_in_a_stable_order():
    config = from_dict(
        {
            "datasets": "digits,moons",
            "models": "mlp",
            "depths": [1, 2],
            "activations": "relu,gelu,elu",
            "seeds": 2,
        }
    )
    runs = list(expand(config))
    assert len(runs) == 2 * 1 * 2 * 3 * 2
    cells = {(r.dataset, r.model, r.depth, r.label, r.seed) for r in runs}
    assert len(cells) == len(runs)
    assert [(r.dataset, r.depth, r.label, r.seed) for r in runs[:4]] == [
        ("digits", 1, "relu", 0),
        ("digits", 1, "relu", 1),
        ("digits", 1, "gelu", 0),
        ("digits", 1, "gelu", 1),
    ]
    assert len({r.config_hash for r in runs}) == len(runs)
    assert list(expand(config)) == runs


def test_expansion_is_lazy():
    config = from_dict({"activations": "relu,gelu", "seeds": 10_000})
    runs = expand(config)
    assert not isinstance(runs, list | tuple)
    first = next(iter(runs))
    assert (first.label, first.seed) == ("relu", 0)


def test_model_defaults_are_resolved_into_each_run():
    (run,) = list(expand(from_dict({"activations": "relu", "seeds": 1})))
    assert run.model_options["hidden"] == 500 and run.model_options["depth"] == 1
    (given,) = list(
        expand(from_dict({"activations": "relu", "seeds": 1, "hidden": 500, "depth": 1}))
    )
    assert given.config_hash == run.config_hash  # a default given explicitly is the same run


def test_parameter_sweeps_expand():
    choices = activation_choices(["elu:alpha=0.5|1.0|2.0", "leaky_relu:negative_slope=0.1"])
    assert [c.label for c in choices] == [
        "elu:alpha=0.5",
        "elu:alpha=1.0",
        "elu:alpha=2.0",
        "leaky_relu:negative_slope=0.1",
    ]
    assert [c.params["alpha"] for c in choices[:3]] == [0.5, 1.0, 2.0]
    config = from_dict({"dataset": "digits", "activations": "relu,elu:alpha=0.5|1.0", "seeds": 3})
    assert len(list(expand(config))) == 3 * 3


def test_tuning_runs_cover_every_candidate_on_the_tuning_seeds():
    config = from_dict(
        {"dataset": "digits", "activations": "relu,gelu", "seeds": 3, "tune_lr": "1e-3,1e-2",
         "tune_wd": "0,1e-4", "tune_seeds": 2}
    )  # fmt: skip
    runs = list(tuning_runs(config, {}))
    assert len(runs) == 2 * 4 * 2
    assert {(r.training.lr, r.training.weight_decay) for r in runs} == {
        (1e-3, 0.0), (1e-3, 1e-4), (1e-2, 0.0), (1e-2, 1e-4)
    }  # fmt: skip
    assert {r.seed for r in runs} == {0, 1}
    chosen = Training(lr=1e-2, weight_decay=1e-4)
    final = list(expand(config, {}, lambda cell: chosen))
    overlap = {r.config_hash for r in final} & {r.config_hash for r in runs}
    assert len(overlap) == 2 * 2  # the tuning seeds at the chosen value are reused


def test_aliases_and_default_params_name_the_same_run():
    a = activation_choices(["leaky_relu"])[0]
    b = activation_choices(["lrelu:negative_slope=0.01"])[0]
    assert a.params == b.params == {"negative_slope": 0.01}
    ra = expand(from_dict({"dataset": "digits", "activations": ["relu", "leaky_relu"]}))
    rb = expand(
        from_dict({"dataset": "digits", "activations": ["relu", "leaky_relu:negative_slope=0.01"]})
    )
    assert [r.config_hash for r in ra] == [r.config_hash for r in rb]


def _example() -> RunConfig:
    return list(expand(from_dict({"dataset": "digits", "activations": "relu,elu:alpha=0.5"})))[-1]


def test_hash_depends_on_what_shapes_the_result_only():
    run = _example()
    data = run.to_dict()
    assert RunConfig.from_dict(data).config_hash == run.config_hash
    assert RunConfig.from_dict({**data, "data_dir": "/elsewhere"}).config_hash == run.config_hash
    training = data["training"]
    for key, value in [
        ("seed", 9),
        ("training", {**training, "lr": 0.01}),
        ("training", {**training, "val_fraction": 0.2}),
        ("training", {**training, "schedule": "cosine"}),
        ("model_options", {**data["model_options"], "hidden": 64}),
        ("activation_params", {"alpha": 0.6}),
        ("dataset_options", {"n": 5}),
        ("data_fingerprint", "0123456789abcdef"),
        ("source_fingerprint", "feedfacecafe"),
    ]:
        assert RunConfig.from_dict({**data, key: value}).config_hash != run.config_hash, key


def test_a_schema_1_record_is_read():
    old = {
        "dataset": "digits", "model": "mlp", "activation": "relu", "activation_params": {},
        "label": "relu", "seed": 0, "depth": 2, "hidden": 16, "epochs": 3, "batch_size": 64,
        "lr": 0.01, "weight_decay": 0.0, "optimizer": "adam", "init": "auto", "dropout": 0.0,
        "device": "cpu", "dataset_options": {}, "data_dir": None, "health": False,
        "impl": "native", "bits": None,
    }  # fmt: skip
    run = RunConfig.from_dict(old)
    assert run.training.epochs == 3 and run.training.lr == 0.01 and run.depth == 2
    assert run.training.val_fraction == 0.0


def test_hash_is_stable_across_processes():
    run = _example()
    code = (
        "import json, sys; from actlab.experiments.config import RunConfig; "
        "print(RunConfig.from_dict(json.loads(sys.argv[1])).config_hash)"
    )
    # Another process with another string-hash seed must compute the same hash.
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(run.to_dict())],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    assert out.stdout.strip() == run.config_hash
