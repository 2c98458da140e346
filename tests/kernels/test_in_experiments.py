"""Kernel impls in the experiments engine: `gelu@fewbit3` trains, under its own hash."""

from __future__ import annotations

import pytest

from actlab.experiments import from_dict, run_experiment
from actlab.experiments.config import ConfigError, RunConfig
from actlab.experiments.execute import build_run_model, load_splits
from actlab.experiments.grid import activation_choices, expand
from actlab.models import activation_modules


def test_suffix_selects_impl_and_bits():
    fewbit, default_bits, lean, native = activation_choices(
        ["gelu@fewbit2", "silu@fewbit", "relu@lean", "gelu@native"]
    )
    assert (fewbit.label, fewbit.impl, fewbit.bits) == ("gelu@fewbit2", "fewbit", 2)
    assert (default_bits.label, default_bits.bits) == ("silu@fewbit3", 3)
    assert (lean.label, lean.impl, lean.bits) == ("relu@lean", "lean", None)
    assert (native.label, native.impl, native.bits) == ("gelu", "native", None)


def test_suffix_applies_to_every_swept_value():
    labels = [c.label for c in activation_choices(["elu:alpha=0.5|1.0@fewbit4"])]
    assert labels == ["elu:alpha=0.5@fewbit4", "elu:alpha=1.0@fewbit4"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("gelu@lean", "choose @native, @fewbit"),
        ("gelu@fewbit9", "bits must be in [1, 8]"),
        ("gelu@fewbitx", "bit count 1-8"),
        ("relu@fewbit3", "not available for relu"),
    ],
)
def test_bad_suffix_names_entry_and_choices(entry, message):
    with pytest.raises(ConfigError, match=entry) as info:
        activation_choices([entry])
    assert message in str(info.value)


def test_kernel_runs_get_their_own_hash():
    entries = "gelu,gelu@fewbit3,gelu@fewbit2"
    config = from_dict(
        {"dataset": "digits", "activations": entries, "baseline": "gelu", "seeds": 1}
    )
    native, fewbit3, fewbit2 = expand(config)
    assert (native.impl, fewbit3.impl, fewbit3.bits, fewbit2.bits) == ("native", "fewbit", 3, 2)
    assert len({native.config_hash, fewbit3.config_hash, fewbit2.config_hash}) == 3
    assert RunConfig.from_dict(fewbit3.to_dict()).config_hash == fewbit3.config_hash


def test_fewbit_run_trains_with_the_kernel(tmp_path):
    config = from_dict(
        {
            "dataset": "digits",
            "activations": "gelu,gelu@fewbit3",
            "baseline": "gelu",
            "seeds": 1,
            "epochs": 2,
            "lr": 0.01,
            "hidden": 32,
            "workers": 1,
            "out": str(tmp_path / "out"),
        }
    )
    result = run_experiment(config)
    assert not result.failed
    by_label = {r.config.label: r for r in result.records}
    native, fewbit = by_label["gelu"], by_label["gelu@fewbit3"]
    assert (fewbit.config.impl, fewbit.config.bits) == ("fewbit", 3)
    assert fewbit.config.config_hash != native.config_hash
    # Same seed, same weights, same forward: only the approximate backward can move the loss.
    assert fewbit.epochs[-1]["train_loss"] != native.epochs[-1]["train_loss"]
    assert fewbit.test_acc > 0.5  # it learned (10 classes: chance is 0.1)
    assert fewbit.epochs[-1]["train_loss"] < fewbit.epochs[0]["train_loss"]
    model = build_run_model(fewbit.config, load_splits(fewbit.config))
    assert [(m.impl, m.bits) for _, m in activation_modules(model)] == [("fewbit", 3)]
    # Resuming finds both runs by hash and trains nothing again.
    assert run_experiment(config).n_ran == 0
