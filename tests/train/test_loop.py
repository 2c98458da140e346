"""The training loop: configuration checks, metrics, determinism, learning."""

from __future__ import annotations

import copy
from dataclasses import astuple, replace

import pytest
import torch
import torch.nn.functional as F

from actlab.data import load
from actlab.models import build_model
from actlab.train import (
    EpochMetrics,
    TrainConfig,
    build_and_train,
    evaluate,
    resolve_device,
    seed_everything,
    train,
)


def _without_time(history: list[EpochMetrics]) -> list[tuple]:
    return [astuple(replace(m, seconds=0.0)) for m in history]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "epochs must be an integer >= 1"),
        ({"batch_size": 2.5}, "batch_size must be an integer >= 1"),
        ({"lr": 0}, "lr must be a finite number > 0"),
        ({"weight_decay": -1e-4}, "weight_decay must be a finite number >= 0"),
        ({"seed": -1}, "seed must be an integer >= 0"),
        ({"optimizer": "adma"}, "optimizer must be one of adam, adamw, sgd"),
        ({"device": "tpu"}, "device must be one of auto, cpu, cuda, cuda:N"),
    ],
)
def test_config_rejects_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)


def test_same_seed_same_metrics_on_cpu(mnist1d):
    config = TrainConfig(epochs=2, seed=5, device="cpu")
    _, first = build_and_train(mnist1d, {"hidden": 64}, config)
    _, second = build_and_train(mnist1d, {"hidden": 64}, config)
    assert _without_time(first) == _without_time(second)
    _, other = build_and_train(mnist1d, {"hidden": 64}, replace(config, seed=6))
    assert _without_time(other) != _without_time(first)


def test_three_epochs_on_mnist1d_learn(mnist1d):
    model, history = build_and_train(mnist1d, {}, TrainConfig(epochs=3, device="cpu"))
    assert [m.epoch for m in history] == [1, 2, 3]
    losses = [m.train_loss for m in history]
    assert losses[0] > losses[1] > losses[2]
    assert history[-1].test_acc > 0.2  # chance is 0.1
    assert all(0 <= m.train_acc <= 1 and 0 <= m.test_acc <= 1 and m.seconds > 0 for m in history)
    # the recorded test metrics are those of the final model
    loss, acc = evaluate(model, mnist1d.x_test, mnist1d.y_test)
    assert (loss, acc) == pytest.approx((history[-1].test_loss, history[-1].test_acc))
    assert not model.training


def test_train_loss_is_the_sample_weighted_mean_over_batches():
    # 10 samples in batches of 4, 4 and 2 with a learning rate too small to move the
    # weights: the epoch's train loss is then the initial model's loss over all 10 samples,
    # which an unweighted mean of the three batch losses would miss.
    data = load("xor", n_samples=10, n_test=4, noise=0.3)
    config = TrainConfig(epochs=1, batch_size=4, lr=1e-30, device="cpu", seed=1)
    seed_everything(1)
    model = build_model("mlp", data.input_shape, 2, hidden=8)
    initial = copy.deepcopy(model)
    order = torch.randperm(10, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        per_sample = F.cross_entropy(
            initial(data.x_train[order]), data.y_train[order], reduction="none"
        ).double()
    weighted = per_sample.mean().item()
    unweighted = (
        torch.stack([per_sample[:4].mean(), per_sample[4:8].mean(), per_sample[8:].mean()])
        .mean()
        .item()
    )
    assert abs(weighted - unweighted) > 1e-4
    (metrics,) = train(model, data, config)
    assert metrics.train_loss == pytest.approx(weighted, rel=1e-6)


def test_on_epoch_sees_every_epoch_and_the_model(mnist1d):
    seen = []
    model, history = build_and_train(
        mnist1d,
        {"hidden": 16},
        TrainConfig(epochs=2, device="cpu"),
        on_epoch=lambda metrics, m: seen.append((metrics, m)),
    )
    assert [m for m, _ in seen] == history and all(m is model for _, m in seen)


@pytest.mark.parametrize("optimizer", ["adamw", "sgd"])
def test_other_optimizers_train(optimizer):
    data = load("moons", n_samples=256, n_test=128)
    config = TrainConfig(epochs=4, optimizer=optimizer, lr=1e-2, device="cpu")
    _, history = build_and_train(data, {"hidden": 32}, config)
    assert history[-1].train_loss < history[0].train_loss


def test_cnn_and_image_inputs_train(mnist1d):
    _, history = build_and_train(
        mnist1d,
        {"kind": "cnn", "hidden": 16, "channels": (8, 8)},
        TrainConfig(epochs=1, device="cpu"),
    )
    assert history[0].test_acc > 0.1
    digits = load("digits")
    _, history = build_and_train(
        digits,
        {"kind": "cnn", "hidden": 32, "channels": (8,)},
        TrainConfig(epochs=3, lr=1e-2, device="cpu"),
    )
    assert history[-1].test_acc > 0.8  # chance is 0.1


def test_devices():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            resolve_device("cuda")


def test_seed_everything_fixes_every_generator():
    import random

    import numpy as np

    def draw():
        return random.random(), float(np.random.rand()), float(torch.rand(()))

    seed_everything(11)
    first = draw()
    seed_everything(11)
    assert draw() == first
