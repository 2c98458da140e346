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


def test_defaults_are_the_compare_defaults():
    c = ExperimentConfig()
    assert c.datasets == ("mnist1d",) and c.models == ("mlp",) and c.hidden == 500
    assert c.activations == ("relu", "leaky_relu", "gelu", "silu", "elu", "selu", "tanh", "sigmoid")
    assert c.activations == DEFAULT_ACTIVATIONS
    assert (c.epochs, c.seeds, c.baseline) == (10, (0, 1, 2), "relu")
    assert (c.lr, c.batch_size, c.depths, c.workers) == (1e-3, 128, (1,), 2)


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
    assert c.seeds == (0, 1, 2, 3) and c.depths == (1, 2) and c.lr == 0.001
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
    assert c.seeds == (0, 1) and c.lr == 0.001 and c.target_accuracy == 0.9


@pytest.mark.parametrize(
    ("data", "needles"),
    [
        ({"epoch": 3}, ["unknown key 'epoch'", "'epochs'"]),
        ({"learning_rate": 0.1}, ["unknown key 'learning_rate'", "Valid keys"]),
        ({"epochs": 0}, ["epochs", ">= 1", "0"]),
        ({"epochs": 2.5}, ["epochs", "2.5"]),
        ({"lr": -1.0}, ["lr", "(0, inf)", "-1.0"]),
        ({"lr": "fast"}, ["lr", "'fast'"]),
        ({"dropout": 1.5}, ["dropout", "[0, 1)", "1.5"]),
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
        ({"activations": "gelu,silu"}, ["baseline 'relu'", "gelu, silu"]),
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
    assert c.datasets == ("digits",) and c.epochs == 5 and c.seeds == (0, 1)
