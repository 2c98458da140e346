"""MNIST-1D, digits, the toy sets and the dataset registry."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from actlab.data import (
    DatasetError,
    UnknownDatasetError,
    dataset_names,
    dataset_options,
    generated,
    load,
    toy,
)


def test_registry_lists_every_dataset():
    assert dataset_names() == [
        "mnist1d",
        "digits",
        "moons",
        "circles",
        "spiral",
        "xor",
        "gauss",
        "mnist",
        "fashion_mnist",
        "kmnist",
        "cifar10",
    ]


def test_unknown_dataset_names_close_matches():
    with pytest.raises(UnknownDatasetError, match=r"unknown dataset 'mnsit'.*'mnist'") as info:
        load("mnsit")
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)


def test_unknown_option_is_rejected_with_the_valid_ones():
    with pytest.raises(DatasetError, match=r"no option 'size'.*n_samples, n_test, noise, seed"):
        load("moons", size=3)
    with pytest.raises(DatasetError, match=r"no option 'foo'.*num_samples"):
        load("mnist1d", foo=1)
    assert "download" in dataset_options("cifar10")
    assert "num_samples" in dataset_options("mnist1d")


def test_mnist1d_matches_the_package_defaults(mnist1d_cache):
    _, ds = mnist1d_cache
    assert (ds.n_train, ds.n_test) == (4000, 1000)
    assert ds.input_shape == (40,) and ds.num_classes == 10
    assert ds.x_train.dtype == torch.float32 and ds.y_train.dtype == torch.int64
    assert sorted(ds.y_train.unique().tolist()) == list(range(10))
    assert ds.info["seed"] == 42 and ds.info["generator"]["args"]["final_seq_length"] == 40
    json.dumps(ds.info)  # recorded with every run, so it must serialise
    # mnist1d standardises train and test together: overall mean 0, std 1.
    everything = torch.cat([ds.x_train, ds.x_test]).double()
    assert abs(everything.mean().item()) < 1e-6
    assert everything.std(unbiased=False).item() == pytest.approx(1.0, abs=1e-6)


def test_mnist1d_second_load_comes_from_the_cache(mnist1d_cache, monkeypatch):
    root, first = mnist1d_cache
    monkeypatch.setenv("ACTLAB_DATA", str(root))

    def must_not_generate(args):
        raise AssertionError("the cached MNIST-1D was generated again")

    monkeypatch.setattr(generated, "_generate_mnist1d", must_not_generate)
    again = load("mnist1d")
    assert again.info["cache"]["hit"] is True
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert torch.equal(getattr(first, field), getattr(again, field))


def test_mnist1d_leaves_global_random_state_alone():
    np.random.seed(123)
    expected = np.random.rand(3)
    np.random.seed(123)
    load("mnist1d", num_samples=100)  # generation seeds numpy's global generator inside
    assert np.array_equal(np.random.rand(3), expected)


def test_mnist1d_options_and_corrupt_cache(tmp_path):
    small = load("mnist1d", num_samples=100, seed=7)
    assert (small.n_train, small.n_test) == (80, 20) and small.info["cache"]["hit"] is False
    path = small.info["cache"]["path"]
    with open(path, "wb") as handle:
        handle.write(b"not a zip file")
    with pytest.warns(UserWarning, match="unreadable cache"):
        rebuilt = load("mnist1d", num_samples=100, seed=7)
    assert torch.equal(rebuilt.x_train, small.x_train)
    other = load("mnist1d", num_samples=100, seed=8)
    assert other.info["cache"]["path"] != path
    assert not torch.equal(other.x_train, small.x_train)
    with pytest.raises(ValueError, match="num_samples must be an integer >= 20"):
        load("mnist1d", num_samples=5)


def test_digits_split_is_fixed_and_stratified():
    ds = load("digits")
    assert (ds.n_train, ds.n_test) == (1347, 450)
    assert ds.input_shape == (1, 8, 8) and ds.num_classes == 10
    again = load("digits")
    assert torch.equal(ds.x_test, again.x_test) and torch.equal(ds.y_train, again.y_train)
    train_counts = np.bincount(ds.y_train.numpy(), minlength=10)
    test_counts = np.bincount(ds.y_test.numpy(), minlength=10)
    expected = 0.25 * (train_counts + test_counts)
    assert np.all(np.abs(test_counts - expected) <= 1)
    reshuffled = load("digits", seed=1)
    assert not torch.equal(reshuffled.y_test, ds.y_test)
    x = ds.x_train.double()
    assert abs(x.mean().item()) < 1e-6 and x.std(unbiased=False).item() == pytest.approx(
        1, abs=1e-6
    )


@pytest.mark.parametrize("name", ["moons", "circles", "spiral", "xor", "gauss"])
def test_toy_sets_are_deterministic_and_balanced(name):
    x, y = toy(name, n=301, seed=3)
    assert x.shape == (301, 2) and y.shape == (301,) and y.dtype == np.int64
    assert abs(int((y == 0).sum()) - int((y == 1).sum())) <= 1
    x2, y2 = toy(name, n=301, seed=3)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    x3, _ = toy(name, n=301, seed=4)
    assert not np.array_equal(x, x3)
    ds = load(name, n_samples=200, n_test=50, seed=3)
    assert (ds.n_train, ds.n_test, ds.input_shape, ds.num_classes) == (200, 50, (2,), 2)
    feats = ds.x_train.double()
    assert torch.allclose(feats.mean(0), torch.zeros(2, dtype=torch.float64), atol=1e-6)
    assert torch.allclose(
        feats.std(0, unbiased=False), torch.ones(2, dtype=torch.float64), atol=1e-6
    )


def test_toy_geometry_without_noise():
    x, y = toy("moons", n=200, noise=0.0)
    upper, lower = x[y == 0], x[y == 1] - [1.0, 0.5]
    assert np.allclose(np.hypot(*upper.T), 1) and np.all(upper[:, 1] >= 0)
    assert np.allclose(np.hypot(*lower.T), 1) and np.all(lower[:, 1] <= 1e-12)
    x, y = toy("circles", n=200, noise=0.0)
    assert np.allclose(np.hypot(*x.T), np.where(y == 0, 1.0, 0.5))
    x, y = toy("xor", n=200, noise=0.0)
    assert np.array_equal(y, (x[:, 0] * x[:, 1] < 0).astype(np.int64))
    x, y = toy("gauss", n=200, noise=0.0)
    assert np.allclose(x, np.where(y[:, None] == 0, 1.0, -1.0))
    x, y = toy("spiral", n=200, noise=0.0)
    r = np.hypot(*x.T)
    angle = 3 * np.pi * r + np.pi * y
    assert np.allclose(x, r[:, None] * np.stack([np.cos(angle), np.sin(angle)], 1))


def test_toy_argument_errors():
    with pytest.raises(DatasetError, match="unknown toy set 'moon'"):
        toy("moon")
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        toy("moons", n=1)
    with pytest.raises(ValueError, match="noise must be a finite number >= 0"):
        toy("moons", noise=-0.1)
    with pytest.raises(ValueError, match="n_test must be an integer >= 1"):
        load("xor", n_test=0)
