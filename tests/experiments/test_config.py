"""Experiment configs: defaults, YAML and flag forms, and errors that name the bad key/value."""

from __future__ import annotations

import pytest

from actlab.experiments.config import (
    DEFAULT_ACTIVATIONS,
    ConfigError,
    ExperimentConfig,
    from_dict,
    load_yaml,
    merge,
)
from actlab.experiments.runner import runner_for


def test_defaults_are_the_compare_defaults():
    c = ExperimentConfig()
    assert c.datasets == ("mnist1d",) and c.models == ("mlp",) and c.hidden is None
    assert c.activations == ("relu", "leaky_relu", "gelu", "silu", "elu", "selu", "tanh", "sigmoid")
    assert c.activations == DEFAULT_ACTIVATIONS
    assert (c.training.epochs, c.seeds, c.baseline) == (10, (0, 1, 2), None)
    assert (c.training.lr, c.training.batch_size, c.depths, c.workers) == (1e-3, 128, None, None)
    assert (c.backend, runner_for(c).workers) == ("local", 2)  # workers None: 2 locally
    assert (c.training.val_fraction, c.training.select, c.tune_lr) == (0.1, "last", ())


def test_training_keys_flat_or_nested_are_one_training():
    flat = from_dict({"lr": "3e-3", "optimizer": "sgd", "momentum": 0.8, "schedule": "step:5:0.5"})
    nested = from_dict(
        {"training": {"lr": 3e-3, "optimizer": "sgd", "momentum": 0.8, "schedule": "step:5:0.5"}}
    )
    assert flat.training == nested.training
    assert flat.training.step_schedule == (5, 0.5)
    with pytest.raises(ConfigError, match="'lr' is given twice"):
        from_dict({"lr": 0.1, "training": {"lr": 0.2}})
    with pytest.raises(ConfigError, match="training: unknown key 'lrate'"):
        from_dict({"training": {"lrate": 0.2}})


def test_flag_forms_are_normalised():
    c = from_dict(
        {
            "dataset": "digits,moons",
            "activations": "relu, leaky_relu:negative_slope=0.1",
            "seeds": "4",
            "depth": "1,2",
            "lr": "1e-3",
        }
    )
    assert c.datasets == ("digits", "moons")
    assert c.activations == ("relu", "leaky_relu:negative_slope=0.1")
    assert c.seeds == (0, 1, 2, 3) and c.depths == (1, 2) and c.training.lr == 0.001
    assert from_dict({"seeds": "3,7,11"}).seeds == (3, 7, 11)
    assert from_dict({"seeds": [5]}).seeds == (5,)


def test_comma_inside_activation_params_stays_with_its_activation():
    c = from_dict({"activations": "relu,hardtanh:min_val=-2,max_val=2,gelu"})
    assert c.activations == ("relu", "hardtanh:min_val=-2,max_val=2", "gelu")


def test_yaml_file(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text(
        "datasets: [digits]\nactivations:\n  - relu\n  - gelu\nseeds: 2\nlr: 1e-3\n"
        "target_accuracy: 0.9\n"
    )
    c = from_dict(load_yaml(path), source=str(path))
    assert c.datasets == ("digits",) and c.activations == ("relu", "gelu")
    assert c.seeds == (0, 1) and c.training.lr == 0.001 and c.target_accuracy == 0.9


@pytest.mark.parametrize(
    ("data", "needles"),
    [
        ({"epoch": 3}, ["unknown key 'epoch'", "'epochs'"]),
        ({"learning_rate": 0.1}, ["unknown key 'learning_rate'", "Valid keys"]),
        ({"epochs": 0}, ["epochs", ">= 1", "0"]),
        ({"epochs": 2.5}, ["epochs", "2.5"]),
        ({"lr": -1.0}, ["lr", "(0, inf)", "-1.0"]),
        ({"lr": "fast"}, ["lr", "'fast'"]),
        ({"tune_lr": "1e-3,fast"}, ["tune_lr", "'fast'"]),
        ({"tune_lr": "1e-3,0"}, ["tune_lr", "(0, inf)"]),
        ({"tune_lr": "1e-3", "val_fraction": 0}, ["val_fraction must be > 0"]),
        ({"tune_seeds": 4}, ["tune_seeds (4)", "3 seed"]),
        ({"schedule": "step:80"}, ["step:E:GAMMA"]),
        ({"hidden": 0}, ["hidden", ">= 1"]),
        ({"model_factory": "mymodels"}, ["MODULE:FUNCTION"]),
        ({"model_factory": "my-models:build"}, ["MODULE:FUNCTION"]),
        ({"models": "mymodels:build", "hidden": 10}, ["hidden", "your own and takes none"]),
        ({"model_options": "width=2"}, ["model 'mlp' has no option 'width'"]),
        ({"seeds": 1_000_000_000}, ["seeds = 1,000,000,000", "limit of 10,000", "--allow-large"]),
        ({"depths": "100000"}, ["depths = 100,000", "limit of 1,000"]),
        ({"epochs": 10**7}, ["epochs = 10,000,000", "--allow-large"]),
        (
            {"activations": "relu,gelu,silu,elu", "seeds": 9000, "datasets": "digits,moons,xor"},
            ["the grid's run count = 108,000", "limit of 100,000"],
        ),
        ({"target_accuracy": 90}, ["target_accuracy", "fraction", "90"]),
        ({"seeds": 0}, ["seeds", "0"]),
        ({"seeds": [1, 1]}, ["seeds", "twice"]),
        ({"models": "mpl"}, ["models", "'mpl'", "'mlp'"]),
        ({"datasets": "mnist_1d"}, ["datasets", "'mnist_1d'", "mnist1d"]),
        ({"device": "gpu"}, ["device", "'gpu'"]),
        ({"workers": 0}, ["workers", ">= 1"]),
        ({"activations": "relu,gelux"}, ["activations", "'gelux'", "gelu"]),
        ({"activations": "relu,leaky_relu:negative_slop=0.1"}, ["negative_slop", "negative_slope"]),
        ({"activations": "relu,elu:alpha=-1"}, ["elu:alpha=-1", "alpha"]),
        ({"activations": "gelu,silu", "baseline": "relu"}, ["baseline 'relu'", "gelu, silu"]),
        ({"activations": "relu,relu"}, ["activations", "twice"]),
        ({"dataset_options": {"moons": {"noise": 0.1}}}, ["dataset_options", "'moons'"]),
        ({"dataset": "moons", "dataset_options": {"moons": {"nois": 0.1}}}, ["'nois'", "noise"]),
        ({"init": "he"}, ["init", "'he'", "kaiming"]),
    ],
)
def test_bad_config_names_key_or_value(data, needles):
    with pytest.raises(ConfigError) as info:
        from_dict(data, source="exp.yaml")
    message = str(info.value)
    assert message.startswith("exp.yaml: ")
    for needle in needles:
        assert needle in message, message


def test_yaml_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("datasets: [digits\n")
    with pytest.raises(ConfigError, match="bad.yaml: not valid YAML"):
        load_yaml(bad)
    listing = tmp_path / "list.yaml"
    listing.write_text("- relu\n")
    with pytest.raises(ConfigError, match="list.yaml: expected a mapping"):
        load_yaml(listing)
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_yaml(tmp_path / "missing.yaml")


def test_baseline_alias_is_accepted():
    c = from_dict({"activations": "relu,leaky_relu", "baseline": "lrelu"})
    assert c.baseline == "lrelu"  # kept as written; compared through its canonical label


def test_flags_override_either_spelling_in_the_file():
    merged = merge(
        {"dataset": "moons", "epochs": 5, "seeds": 4}, {"datasets": "digits", "seeds": "2"}
    )
    c = from_dict(merged)
    assert c.datasets == ("digits",) and c.training.epochs == 5 and c.seeds == (0, 1)
    nested = merge({"training": {"lr": 0.5, "epochs": 2}}, {"lr": 0.1})
    assert from_dict(nested).training.lr == 0.1 and from_dict(nested).training.epochs == 2


def test_without_relu_the_first_activation_is_the_baseline():
    from actlab.experiments.checks import resolve_baseline

    assert resolve_baseline(from_dict({"activations": "gelu,silu"})) == (
        "gelu",
        "the first activation, since relu is not in the grid",
    )
    assert resolve_baseline(from_dict({"activations": "gelu,relu"}))[0] == "relu"
    assert (
        resolve_baseline(from_dict({"activations": "gelu,relu", "baseline": "gelu"}))[0] == "gelu"
    )


def test_allow_large_lifts_the_limits():
    c = from_dict({"seeds": 20_000, "allow_large": True, "activations": "relu"})
    assert len(c.seeds) == 20_000


def test_presets_fill_the_recipe_and_flags_override_them():
    c = from_dict({"preset": "dubey-cifar10", "activations": "relu"})
    t = c.training
    assert c.datasets == ("cifar10",) and (t.optimizer, t.lr, t.batch_size, t.epochs) == (
        "adam",
        1e-3,
        128,
        100,
    )
    assert (t.schedule, t.augment) == ("step:80:0.1", "crop+flip") and c.preset == "dubey-cifar10"
    over = from_dict(merge({"preset": "dubey-cifar10"}, {"epochs": 3, "models": "resnet20"}))
    assert over.training.epochs == 3 and over.models == ("resnet20",)
    assert over.training.schedule == "step:80:0.1"
    with pytest.raises(ConfigError, match="unknown preset 'dubey'. Did you mean 'dubey-cifar10'"):
        from_dict({"preset": "dubey"})


def test_non_utf8_config_file_is_named(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("activations: [relu]\n# caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="latin1.yaml: not a text file in UTF-8"):
        load_yaml(path)
