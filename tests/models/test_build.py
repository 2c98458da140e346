"""Model shapes for every kind and input shape, the init table, dropout, argument errors."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from actlab.catalog.module import Activation
from actlab.models import activation_modules, build_model, init_for

SHAPES = [(40,), (2,), (1, 8, 8), (1, 28, 28), (3, 32, 32)]


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
@pytest.mark.parametrize("shape", SHAPES + [(2, 40)])
def test_output_shape_for_each_kind_and_input(kind, shape):
    torch.manual_seed(0)
    model = build_model(kind, shape, 7, hidden=32, depth=2)
    logits = model(torch.randn(3, *shape))
    assert logits.shape == (3, 7)
    assert torch.isfinite(logits).all()


def test_default_mlp_is_the_classic_784_500_10_net():
    model = build_model("mlp", (1, 28, 28), 10)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(784, 500), (500, 10)]
    assert sum(p.numel() for p in model.parameters()) == 784 * 500 + 500 + 500 * 10 + 10
    assert [type(m).__name__ for m in model] == ["Flatten", "Linear", "ReLU", "Linear"]


def test_each_layer_has_its_own_activation_module():
    model = build_model(
        "mlp",
        (40,),
        10,
        activation="leaky_relu",
        activation_params={"negative_slope": 0.2},
        hidden=16,
        depth=3,
    )
    found = activation_modules(model)
    assert len(found) == 3 and len({id(m) for _, m in found}) == 3
    assert all(isinstance(m, Activation) and m.fixed == {"negative_slope": 0.2} for _, m in found)
    cnn = build_model("cnn", (40,), 10, activation="prelu", hidden=16)
    prelus = activation_modules(cnn)
    assert len(prelus) == 4  # three conv layers and one dense layer, each with its own slope
    assert len({id(m.weight) for _, m in prelus}) == 4


def test_cnn_layouts():
    seq = build_model("cnn", (40,), 10)
    convs = [m for m in seq.modules() if isinstance(m, nn.Conv1d)]
    assert [c.out_channels for c in convs] == [32, 32, 32]
    assert next(m for m in seq if isinstance(m, nn.Linear)).in_features == 32 * 5  # 40->20->10->5
    image = build_model("cnn", (1, 28, 28), 10, channels=(8, 16))
    assert next(m for m in image if isinstance(m, nn.Linear)).in_features == 16 * 7 * 7
    tiny = build_model("cnn", (1, 2, 2), 10, channels=(4, 4, 4))  # pooling stops at 1x1
    assert tiny(torch.randn(2, 1, 2, 2)).shape == (2, 10)


def test_shape_changing_activation_is_followed_by_the_right_width():
    model = build_model("mlp", (6,), 3, activation="glu", hidden=10, depth=2)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(6, 10), (5, 10), (5, 3)]
    assert model(torch.randn(4, 6)).shape == (4, 3)


@pytest.mark.parametrize(
    ("activation", "scheme"),
    [
        ("relu", "kaiming"),
        ("leaky_relu", "kaiming"),
        ("prelu", "kaiming"),
        ("elu", "kaiming"),
        ("gelu", "kaiming"),
        ("silu", "kaiming"),
        ("selu", "lecun"),
        ("tanh", "xavier"),
        ("sigmoid", "xavier"),
        ("identity", "xavier"),
        ("softmax", "xavier"),
    ],
)
def test_init_table(activation, scheme):
    assert init_for(activation) == scheme


def _first_linear(model):
    return next(m for m in model if isinstance(m, nn.Linear))


@pytest.mark.parametrize(
    ("activation", "params", "expected_std"),
    [
        ("selu", {}, 1 / math.sqrt(784)),  # LeCun normal
        ("relu", {}, math.sqrt(2 / 784)),  # He normal
        ("leaky_relu", {"negative_slope": 0.5}, math.sqrt(2 / (1.25 * 784))),
    ],
)
def test_normal_inits_have_the_table_std(activation, params, expected_std):
    torch.manual_seed(0)
    layer = _first_linear(build_model("mlp", (784,), 10, activation, params))
    weights = layer.weight.detach().double()
    assert weights.std().item() == pytest.approx(expected_std, rel=0.01)  # 392,000 draws
    assert abs(weights.mean().item()) < 0.01 * expected_std  # about 6 standard errors
    assert torch.count_nonzero(layer.bias) == 0


def test_xavier_for_tanh_and_override():
    torch.manual_seed(0)
    for model in (
        build_model("mlp", (784,), 10, "tanh"),
        build_model("mlp", (784,), 10, "relu", init="xavier"),
    ):
        weights = _first_linear(model).weight.detach().double()
        bound = math.sqrt(6 / (784 + 500))
        assert weights.abs().max().item() <= bound
        assert weights.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.01)


def test_default_init_keeps_pytorchs():
    torch.manual_seed(0)
    layer = _first_linear(build_model("mlp", (784,), 10, "selu", init="default"))
    assert layer.weight.abs().max().item() <= 1 / math.sqrt(784)  # kaiming_uniform(a=sqrt 5)
    assert torch.count_nonzero(layer.bias) > 0


def test_dropout_kind_follows_the_activation():
    selu = build_model("mlp", (40,), 10, "selu", dropout=0.2, depth=2)
    relu = build_model("mlp", (40,), 10, "relu", dropout=0.2)
    assert sum(isinstance(m, nn.AlphaDropout) for m in selu) == 2
    assert sum(type(m) is nn.Dropout for m in relu) == 1
    assert not any(
        isinstance(m, (nn.Dropout, nn.AlphaDropout)) for m in build_model("mlp", (40,), 10, "selu")
    )


def test_seeded_builds_are_identical_and_rrelu_probe_uses_no_randomness():
    def weights(activation):
        torch.manual_seed(3)
        model = build_model("mlp", (40,), 10, activation, hidden=20, depth=2)
        return [m.weight.detach().clone() for m in model if isinstance(m, nn.Linear)]

    for a, b in zip(weights("relu"), weights("rrelu"), strict=True):  # both He init, same draws
        assert torch.equal(a, b)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"kind": "mpl"}, ValueError, "unknown model kind 'mpl'.*mlp, cnn.*Did you mean 'mlp'"),
        ({"init": "he"}, ValueError, "init must be one of auto, kaiming, lecun, xavier, default"),
        ({"dropout": 1.0}, ValueError, r"dropout must be in \[0, 1\)"),
        ({"hidden": 0}, ValueError, "hidden must be an integer >= 1"),
        ({"depth": 0}, ValueError, "depth must be an integer >= 1"),
        (
            {"num_classes": 0},
            ValueError,
            r"num_classes \(outputs: classes, or regression targets\) must be an integer >= 1",
        ),
        ({"channels": (8,)}, ValueError, "channels applies to the cnn, mnist1d_cnn only"),
        ({"input_shape": (0, 3)}, ValueError, "input_shape must be positive integers"),
        ({"kind": "cnn", "input_shape": (1, 2, 3, 4)}, ValueError, r"cnn takes per-sample shapes"),
        ({"activation": "rleu"}, KeyError, "unknown activation 'rleu'"),
        ({"activation": "leaky_relu", "activation_params": {"slope": 1}}, Exception, "slope"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    arguments = {"kind": "mlp", "input_shape": (40,), "num_classes": 10, **kwargs}
    with pytest.raises(error, match=message):
        build_model(**arguments)
