"""The training loop: recipe checks, metrics, determinism, validation, the test read once."""

from __future__ import annotations

import copy
import math
from dataclasses import astuple, replace

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from actlab.data import load
from actlab.data.splits import from_dataset, from_user
from actlab.train import EpochMetrics, Training, resolve_device, seed_everything, train


def _without_time(history: list[EpochMetrics]) -> list[tuple]:
    return [astuple(replace(m, seconds=0.0)) for m in history]


def _mlp(inputs: int, outputs: int, hidden: int = 32) -> nn.Module:
    return nn.Sequential(
        nn.Flatten(), nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, outputs)
    )


@pytest.fixture(scope="module")
def splits(mnist1d):
    return from_dataset(mnist1d, val_fraction=0.1, val_seed=0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "epochs must be an integer >= 1"),
        ({"batch_size": 2.5}, "batch_size must be an integer >= 1"),
        ({"lr": 0}, "lr must be a number in \\(0, inf\\)"),
        ({"weight_decay": -1e-4}, "weight_decay must be a number in \\[0, inf\\)"),
        (
            {"optimizer": "adma"},
            "optimizer must be one of adam, adamw, sgd; got 'adma' \\(did you mean 'adam'",
        ),
        ({"momentum": 0.5}, "momentum and nesterov apply to optimizer sgd only"),
        ({"optimizer": "sgd", "momentum": 0.0, "nesterov": True}, "nesterov needs momentum > 0"),
        ({"schedule": "step:0:0.1"}, "write step:E:GAMMA"),
        ({"schedule": "step:10:2"}, "write step:E:GAMMA"),
        ({"schedule": "linear"}, "schedule must be one of constant, cosine, step:E:GAMMA"),
        ({"warmup_epochs": 10}, "warmup_epochs must be less than epochs"),
        ({"label_smoothing": 1.0}, "label_smoothing must be a number in \\[0, 1\\)"),
        ({"grad_clip": 0.0}, "grad_clip must be a number in \\(0, inf\\)"),
        ({"augment": "rotate"}, "augment must be one of none, flip, crop, crop\\+flip"),
        ({"val_fraction": 0.7}, "val_fraction must be a number in \\[0, 0.5\\]"),
        ({"select": "best-val", "val_fraction": 0.0}, "needs a validation split"),
        ({"task": "ranking"}, "task must be one of classification, regression"),
        (
            {"task": "regression", "label_smoothing": 0.1},
            "label_smoothing applies to classification",
        ),
    ],
)
def test_recipe_rejects_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Training(**kwargs)


def _run(splits, training, seed=0, **kwargs):
    seed_everything(seed)
    model = _mlp(40, 10)
    return model, train(model, splits, training, seed=seed, device="cpu", **kwargs)


def test_same_seed_same_metrics_on_cpu(splits):
    training = Training(epochs=2)
    _, first = _run(splits, training, seed=5)
    _, second = _run(splits, training, seed=5)
    assert _without_time(first.history) == _without_time(second.history)
    assert (first.test_loss, first.test_score) == (second.test_loss, second.test_score)
    _, other = _run(splits, training, seed=6)
    assert _without_time(other.history) != _without_time(first.history)


def test_three_epochs_learn_and_validation_is_measured_each_epoch(splits):
    model, result = _run(splits, Training(epochs=3))
    assert [m.epoch for m in result.history] == [1, 2, 3]
    losses = [m.train_loss for m in result.history]
    assert losses[0] > losses[1] > losses[2]
    assert all(0 <= m.val_score <= 1 and m.seconds > 0 for m in result.history)
    assert result.history[-1].val_score > 0.2 and result.test_score > 0.2  # chance is 0.1
    assert result.selected_epoch == 3 and result.score_name == "accuracy"
    with torch.no_grad():
        logits = model(splits.test.x)
    assert result.test_loss == pytest.approx(
        F.cross_entropy(logits, splits.test.y).item(), rel=1e-5
    )
    assert result.test_score == pytest.approx(
        (logits.argmax(1) == splits.test.y).float().mean().item()
    )
    assert not model.training


class _Spy(nn.Module):
    """Wraps a model; logs, per forward call, whether any input row is a test row (the test
    rows carry a marker value no other row has)."""

    def __init__(self, inner: nn.Module, marker: float) -> None:
        super().__init__()
        self.inner, self.marker, self.log = inner, marker, []

    def forward(self, x):
        self.log.append(bool((x[:, 0] == self.marker).any()))
        return self.inner(x)


def test_the_test_split_is_read_only_after_the_last_step():
    x, y = torch.randn(300, 6), torch.randint(0, 3, (300,))
    test_x = torch.randn(60, 6)
    test_x[:, 0] = 1234.5  # a value no training or validation row has
    splits = from_user(
        ((x, y), (test_x, torch.randint(0, 3, (60,)))), "spy", "classification", 0.2, 0
    )
    seed_everything(0)
    model = _Spy(_mlp(6, 3), 1234.5)
    for select in ("last", "best-val"):
        model.log.clear()
        train(model, splits, Training(epochs=4, batch_size=32, select=select), device="cpu")
        test_calls = [i for i, is_test in enumerate(model.log) if is_test]
        other_calls = [i for i, is_test in enumerate(model.log) if not is_test]
        assert test_calls, "the test split was never evaluated"
        assert len(other_calls) > 4 * 7  # every training batch and validation pass ran first
        assert min(test_calls) > max(other_calls)


def test_best_val_tests_the_weights_of_the_best_epoch(splits):
    states = []

    def keep(metrics, model):
        states.append((metrics.val_score, metrics.val_loss, copy.deepcopy(model.state_dict())))

    training = Training(epochs=6, lr=0.05, select="best-val")  # a high lr makes val wander
    model, result = _run(splits, training, on_epoch=keep)
    best = max(range(6), key=lambda i: (states[i][0], -states[i][1]))
    assert result.selected_epoch == best + 1
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, states[best][2][name])
    assert result.history[best].val_score == max(m.val_score for m in result.history)


def test_train_loss_is_the_sample_weighted_mean_over_batches():
    # 10 samples in batches of 4, 4 and 2 with a learning rate too small to move the
    # weights: the epoch's train loss is then the initial model's loss over all 10 samples,
    # which an unweighted mean of the three batch losses would miss.
    data = load("xor", n_samples=10, n_test=4, noise=0.3)
    splits = from_dataset(data, val_fraction=0.0, val_seed=0)
    seed_everything(1)
    model = _mlp(2, 2, hidden=8)
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
    result = train(
        model,
        splits,
        Training(epochs=1, batch_size=4, lr=1e-30, val_fraction=0.0),
        seed=1,
        device="cpu",
    )
    assert result.history[0].train_loss == pytest.approx(weighted, rel=1e-6)
    assert math.isnan(result.history[0].val_loss)  # no validation split


@pytest.mark.parametrize(
    "training",
    [
        Training(epochs=4, optimizer="adamw", lr=1e-2, weight_decay=0.01),
        Training(epochs=4, optimizer="sgd", lr=0.05, nesterov=True),
        Training(epochs=4, lr=1e-2, schedule="cosine", warmup_epochs=1),
        Training(epochs=4, lr=1e-2, schedule="step:1:0.5", label_smoothing=0.1, grad_clip=1.0),
    ],
)
def test_recipes_train(training):
    splits = from_dataset(load("moons", n_samples=256, n_test=128), 0.1, 0)
    seed_everything(0)
    result = train(_mlp(2, 2), splits, training, device="cpu")
    assert result.history[-1].train_loss < result.history[0].train_loss


def test_lr_schedule_is_applied_per_step():
    splits = from_dataset(load("moons", n_samples=100, n_test=20), 0.0, 0)
    seed_everything(0)
    step = train(
        _mlp(2, 2),
        splits,
        Training(epochs=5, lr=0.1, schedule="step:2:0.5", val_fraction=0.0),
        device="cpu",
    )
    assert [m.lr for m in step.history] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])
    warm = train(
        _mlp(2, 2),
        splits,
        Training(epochs=3, lr=0.1, warmup_epochs=2, batch_size=50, val_fraction=0.0),
        device="cpu",
    )
    # 2 steps per epoch, 4 warmup steps: the first epoch starts at 1/4 of the lr, the third at the lr
    assert [m.lr for m in warm.history] == pytest.approx([0.025, 0.075, 0.1])


def test_grad_clip_bounds_the_step():
    splits = from_dataset(load("moons", n_samples=64, n_test=8), 0.0, 0)
    seed_everything(0)
    model = _mlp(2, 2)
    before = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
    training = Training(
        epochs=1,
        batch_size=64,
        optimizer="sgd",
        momentum=0.0,
        lr=1.0,
        grad_clip=1e-3,
        val_fraction=0.0,
    )
    train(model, splits, training, device="cpu")
    after = torch.cat([p.detach().flatten() for p in model.parameters()])
    assert (after - before).norm().item() == pytest.approx(1e-3, rel=1e-3)


def test_regression_reports_mse_and_r2():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(400, 3, generator=g)
    y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.01 * torch.randn(400, generator=g)
    splits = from_user(((x[:300], y[:300]), (x[300:], y[300:])), "lin", "regression", 0.1, 0)
    seed_everything(0)
    model = nn.Linear(3, 1)
    result = train(model, splits, Training(epochs=60, lr=0.05, task="regression"), device="cpu")
    assert result.score_name == "r2" and result.test_score > 0.99
    with torch.no_grad():
        pred = model(splits.test.x)[:, 0]
    mse = F.mse_loss(pred, splits.test.y).item()
    r2 = (
        1
        - ((pred - splits.test.y) ** 2).sum() / ((splits.test.y - splits.test.y.mean()) ** 2).sum()
    )
    assert result.test_loss == pytest.approx(mse, rel=1e-5)
    assert result.test_score == pytest.approx(r2.item(), rel=1e-5)


def test_loss_fn_and_metrics_hooks():
    splits = from_dataset(load("moons", n_samples=200, n_test=50), 0.2, 0)
    calls = []

    def loss_fn(outputs, targets):
        calls.append(outputs.shape)
        return F.cross_entropy(outputs, targets) * 2.0

    metrics = {"mean_logit": lambda out, y: out.mean().item(), "n": lambda out, y: float(len(y))}
    seed_everything(0)
    result = train(
        _mlp(2, 2), splits, Training(epochs=2), device="cpu", loss_fn=loss_fn, metrics=metrics
    )
    assert calls
    assert result.val_metrics["n"] == 40 and result.test_metrics["n"] == 50
    assert set(result.test_metrics) == {"mean_logit", "n"}


def test_streamed_data_trains_like_data_in_memory():
    class Items(torch.utils.data.Dataset):
        def __init__(self, x, y):
            self.x, self.y = x, y

        def __len__(self):
            return len(self.y)

        def __getitem__(self, i):
            return self.x[i], self.y[i]

    data = load("moons", n_samples=200, n_test=60)
    pair = (Items(data.x_train, data.y_train), Items(data.x_test, data.y_test))
    held = from_user(pair, "m", "classification", 0.1, 0)
    streamed = from_user(pair, "m", "classification", 0.1, 0, limit=0)
    results = []
    for s in (held, streamed):
        seed_everything(0)
        results.append(train(_mlp(2, 2), s, Training(epochs=2, batch_size=32), device="cpu"))
    a, b = results
    assert [m.train_loss for m in a.history] == pytest.approx(
        [m.train_loss for m in b.history], rel=1e-6
    )
    assert a.test_score == b.test_score


def test_augmentation_needs_images():
    splits = from_dataset(load("moons", n_samples=40, n_test=10), 0.0, 0)
    with pytest.raises(ValueError, match="applies to images of shape \\(C, H, W\\)"):
        train(
            _mlp(2, 2), splits, Training(epochs=1, augment="flip", val_fraction=0.0), device="cpu"
        )


def test_devices():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu").type == "cpu"
    with pytest.raises(ValueError, match="device must be one of"):
        resolve_device("tpu")
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
