"""Grid expansion and the stable run hash."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from actlab.experiments.config import RunConfig, from_dict
from actlab.experiments.grid import activation_choices, expand


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
    runs = expand(config)
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
    assert expand(config) == runs


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
    assert len(expand(config)) == 3 * 3


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
    return expand(from_dict({"dataset": "digits", "activations": "relu,elu:alpha=0.5"}))[-1]


def test_hash_depends_on_what_shapes_the_result_only():
    run = _example()
    data = run.to_dict()
    assert RunConfig.from_dict(data).config_hash == run.config_hash
    assert RunConfig.from_dict({**data, "data_dir": "/elsewhere"}).config_hash == run.config_hash
    for key, value in [
        ("seed", 9),
        ("lr", 0.01),
        ("epochs", 3),
        ("hidden", 64),
        ("activation_params", {"alpha": 0.6}),
        ("dataset_options", {"n": 5}),
    ]:
        assert RunConfig.from_dict({**data, key: value}).config_hash != run.config_hash, key


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
