"""Learnable activations in training: long runs stay finite, a mixture learns its base,
and `param_groups` keeps exactly the activation parameters out of weight decay."""

from __future__ import annotations

import pytest
import torch
from sklearn.datasets import make_moons
from torch import nn

import actlab
from actlab.adaptive import param_groups


def _mlp(name: str, width: int = 16, **params) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(2, width),
        actlab.make(name, num_parameters=width, **params),
        nn.Linear(width, width),
        actlab.make(name, num_parameters=width, **params),
        nn.Linear(width, 2),
    )


@pytest.mark.parametrize(("name", "params"), [("rational", {"init": "leaky_relu"}), ("spline", {})])
def test_thousand_steps_at_lr_1e_2_stay_finite_and_learn(name, params):
    torch.manual_seed(0)
    x, y = make_moons(n_samples=256, noise=0.1, random_state=0)
    x, y = torch.tensor(x, dtype=torch.float32), torch.tensor(y)
    model = _mlp(name, **params)
    opt = torch.optim.Adam(param_groups(model, weight_decay=1e-4), lr=1e-2)
    losses = []
    for _ in range(1000):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        assert all(torch.isfinite(p).all() for p in model.parameters())
    assert torch.isfinite(torch.tensor(losses)).all()
    assert losses[-1] < 0.1 * losses[0], f"{name}: loss {losses[0]:.3f} -> {losses[-1]:.3f}"
    accuracy = (model(x).argmax(1) == y).float().mean().item()
    assert accuracy > 0.97


@pytest.mark.parametrize("favoured", ["tanh", "relu"])
def test_uniform_mixture_moves_toward_the_base_the_task_favours(favoured):
    """Targets are made by `favoured` itself, so that base alone fits them exactly."""
    torch.manual_seed(0)
    mixture = actlab.make("mixture", bases="relu+tanh+silu")
    x = torch.linspace(-4, 4, 401)
    target = actlab.functional.__dict__[favoured](x)
    start = torch.softmax(mixture.weights.detach(), -1)[0]
    assert torch.allclose(start, torch.full((3,), 1 / 3))
    opt = torch.optim.Adam(mixture.parameters(), lr=5e-2)
    for _ in range(300):
        loss = (mixture(x) - target).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    share = torch.softmax(mixture.weights.detach(), -1)[0]
    k = ["relu", "tanh", "silu"].index(favoured)
    assert share.argmax() == k and share[k] > 0.9, f"weights after training: {share}"


def test_param_groups_exclude_exactly_the_activation_parameters():
    model = nn.Sequential(
        nn.Linear(3, 4),
        actlab.make("rational", num_parameters=4),
        nn.Linear(4, 4),
        nn.PReLU(),
        nn.Linear(4, 4),
        actlab.make("relu"),
        actlab.make("prelu"),
        nn.Linear(4, 2, bias=False),
    )
    decay, no_decay = param_groups(model, weight_decay=0.1, lr=0.3)
    act = {id(p) for m in (model[1], model[3], model[6]) for p in m.parameters()}
    assert {id(p) for p in no_decay["params"]} == act and no_decay["weight_decay"] == 0.0
    others = {id(p) for p in model.parameters()} - act
    assert {id(p) for p in decay["params"]} == others and decay["weight_decay"] == 0.1
    assert decay["lr"] == no_decay["lr"] == 0.3
    torch.optim.AdamW([decay, no_decay])  # the groups are what an optimizer takes
