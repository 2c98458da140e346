"""Data split, features, and training sessions: reproducible, isolated, and really learning."""

from __future__ import annotations

import base64
import json
import math
from dataclasses import replace

import numpy as np
import pytest
import torch

import actlab
from actlab.data.toy import toy
from actlab.playground.controls import LayerActivation, PlaygroundState, parse_query
from actlab.playground.datasets import FILL, make_split
from actlab.playground.network import derivative, features
from actlab.playground.session import GRID, HIST_BINS, NEURON_GRID, Session, TrainingDiverged


def state(query: str) -> PlaygroundState:
    parsed, errors = parse_query(query)
    assert errors == []
    return parsed


def losses(session: Session) -> list[float]:
    return [p["train_loss"] for p in session.history]


def test_split_scales_the_toy_points_into_the_plane_and_splits_them():
    split = make_split("spiral", 101, 0.05, 0.3, seed=3)
    both = np.concatenate([split.x_train, split.x_test])
    assert len(split.x_train) == 30 and len(split.x_test) == 71
    assert np.abs(both).max() == pytest.approx(FILL)
    x, y = toy("spiral", n=101, noise=0.05, seed=3)
    # same points up to the affine scaling: pairwise distance ratios agree
    assert sorted(np.concatenate([split.y_train, split.y_test])) == sorted(y)
    ratio = np.ptp(both[:, 0]) / np.ptp(x[:, 0])
    assert np.ptp(both[:, 1]) / np.ptp(x[:, 1]) == pytest.approx(ratio)
    again = make_split("spiral", 101, 0.05, 0.3, seed=3)
    assert np.array_equal(again.x_train, split.x_train)
    other = make_split("spiral", 101, 0.05, 0.3, seed=4)
    assert not np.array_equal(other.x_train, split.x_train)


def test_features_are_the_named_functions_of_the_coordinates():
    x = torch.tensor([[0.5, -0.25], [1.0, 0.0]])
    got = features(x, ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"))
    expected = [
        [0.5, -0.25, 0.25, 0.0625, -0.125, 1.0, -math.sqrt(0.5)],
        [1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
    ]
    assert torch.allclose(got, torch.tensor(expected), atol=1e-6)


@pytest.mark.parametrize(
    "name, params", [("tanh", {}), ("leaky_relu", {"negative_slope": 0.2}), ("sigmoid", {})]
)
def test_derivative_matches_the_catalogue_reference(name, params):
    z = torch.linspace(-4, 4, 81, dtype=torch.float64)[torch.linspace(-4, 4, 81) != 0]
    d1 = derivative(actlab.make(name, **params).double(), z)
    assert np.allclose(d1.numpy(), actlab.get(name).reference_d1(z.numpy(), **params), atol=1e-12)


def test_same_state_gives_the_same_curves_even_with_other_sessions_interleaved():
    setup = state("dataset=moons&layers=6,4&act=rrelu,tanh&batch=7&seed=11")  # rrelu draws noise
    first, second = Session(setup), Session(setup)
    stranger = Session(replace(setup, seed=12))
    for _ in range(5):
        first.advance()
        stranger.advance()
        torch.rand(3)  # the global RNG moving elsewhere must not matter
        second.advance()
    assert losses(first) == losses(second)
    assert losses(stranger) != losses(first)
    assert first.frame() == second.frame()


def test_training_lowers_the_loss_and_changes_the_boundary():
    session = Session(state("dataset=gauss&noise=0.3&layers=4&act=relu&opt=adam&lr=0.03&seed=1"))
    before = session.frame()
    for _ in range(10):
        session.advance()
    after = session.frame()
    assert after["train_loss"] < 0.5 * before["train_loss"]
    assert after["test_acc"] > 0.9
    assert after["heat"] != before["heat"]
    assert session.updates == 10 * 20 and session.epoch == pytest.approx(10)


def test_a_frame_holds_probabilities_maps_health_and_curves():
    session = Session(state("dataset=xor&layers=5,3&act=tanh,relu&seed=2"))
    frame = session.frame()
    heat = np.frombuffer(base64.b64decode(frame["heat"]), dtype=np.uint8)
    assert heat.size == 2 * GRID * GRID
    assert np.all(np.abs(heat[: GRID * GRID].astype(int) + heat[GRID * GRID :] - 255) <= 1)
    assert [len(base64.b64decode(layer["neurons"]["maps"])) for layer in frame["layers"]] == [
        5 * NEURON_GRID**2,
        3 * NEURON_GRID**2,
    ]
    tanh_layer, relu_layer = frame["layers"]
    assert tanh_layer["health"]["dead"] == 0.0 and len(relu_layer["health"]["dead_units"]) == 3
    assert 0 < tanh_layer["health"]["mean_abs_d1"] <= 1
    assert relu_layer["health"]["saturated"] == 0 and tanh_layer["health"]["inactive"] == 0
    curve = tanh_layer["curve"]
    assert len(curve["hist"]) == HIST_BINS and max(curve["hist"]) == 1.0
    xs = np.linspace(-curve["reach"], curve["reach"], len(curve["f"]))
    assert np.allclose(curve["f"], np.tanh(xs), atol=1e-4)
    assert np.allclose(curve["d1"], 1 - np.tanh(xs) ** 2, atol=1e-4)


def test_a_layer_pushed_negative_is_reported_dead():
    session = Session(state("dataset=circles&layers=4&act=relu&seed=0"))
    with torch.no_grad():
        session.model.linears[0].bias[:2] = -100.0  # units 0 and 1 never switch on
    health = session.frame()["layers"][0]["health"]
    assert health["dead_units"][:2] == [True, True]
    assert health["dead"] >= 0.5


def test_divergence_is_reported_not_hidden():
    # six linear layers at a huge step size: the logits overflow within a few steps
    session = Session(state("layers=16,16,16,16,16,16&act=identity&opt=sgd&lr=10&seed=0"))
    with pytest.raises(TrainingDiverged, match="loss became nan; lower the learning rate"):
        session.advance()
    frame = session.frame()  # still drawable, and valid JSON
    json.dumps(frame, allow_nan=False)


def test_no_hidden_layer_is_a_linear_model():
    session = Session(replace(PlaygroundState(), layers=(), activations=()))
    session.advance()
    assert session.frame()["layers"] == []


def test_learnable_activation_parameters_train():
    session = Session(
        replace(PlaygroundState(), activations=(LayerActivation("prelu", (("weight", 0.25),)),) * 2)
    )
    session.advance()
    assert session.model.acts[0].weight.item() != 0.25


def test_training_stops_as_soon_as_told():
    session = Session(PlaygroundState())
    session.train(50, stop=lambda: session.updates >= 7)
    assert session.updates == 7 and len(session.history) == 2
