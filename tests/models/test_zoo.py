"""The zoo: registry, options and their errors, shapes, layouts, parameter counts, init,
seeds, the mlp's old defaults, the non-elementwise rule and user activations."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

import actlab
from actlab.models import (
    MODEL_KINDS,
    ChannelsLast,
    activation_modules,
    apply_init,
    build_model,
    get_model,
    model_names,
    model_options,
)
from actlab.models.nets.resnet import ZeroPadShortcut

SMALL = {  # cheap options per model for the structural tests
    "mlp": {"hidden": 8},
    "cnn": {"hidden": 8, "channels": (4, 4)},
    "lenet5": {"width": 0.5},
    "resnet20": {"depth": 1, "width": 0.25},
    "vgg11": {"narrow": 16, "hidden": 8},
    "mobilenet_small": {"width": 0.125},
    "transformer": {"d_model": 8, "depth": 1, "heads": 2},
}
SHAPES = {
    "mlp": [(40,), (2,), (1, 8, 8), (3, 32, 32)],
    "cnn": [(40,), (2, 40), (1, 8, 8), (1, 28, 28)],
    "lenet5": [(1, 8, 8), (1, 28, 28), (3, 32, 32), (1, 12, 20), (2, 1, 1)],
    "resnet20": [(1, 8, 8), (3, 32, 32), (1, 5, 7)],
    "vgg11": [(1, 8, 8), (3, 32, 32), (1, 28, 28), (1, 3, 9)],
    "mobilenet_small": [(1, 8, 8), (3, 32, 32), (1, 28, 28)],
    "transformer": [(40,), (2, 40), (3, 5), (1,)],
}


def count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def of_type(model: nn.Module, kind: type) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, kind)]


# -- registry ----------------------------------------------------------------------------
def test_registry_lists_the_zoo_in_order():
    expected = ["mlp", "cnn", "lenet5", "resnet20", "vgg11", "mobilenet_small", "transformer",
                "mnist1d_mlp", "mnist1d_cnn"]  # fmt: skip
    assert model_names() == expected
    assert MODEL_KINDS == tuple(expected)
    for name in expected:
        spec = get_model(name)
        assert spec.name == name and spec.inputs in ("vector", "sequence", "image", "any")
        assert any(str(year) in spec.source for year in range(1980, 2030)), spec.source
        assert set(spec.option_docs) == set(spec.options)


def test_model_options_are_the_defaults_and_a_copy():
    assert model_options("mlp") == {
        "hidden": 500,
        "depth": 1,
        "dropout": 0.0,
        "residual": False,
        "norm": "none",
    }
    assert model_options("resnet20") == {"depth": 3, "width": 1.0, "shortcut": "A"}
    options = model_options("vgg11")
    options["narrow"] = 99
    assert model_options("vgg11")["narrow"] == 1


def test_unknown_model_names_close_matches():
    with pytest.raises(ValueError, match="unknown model kind 'resnet2'.*Did you mean 'resnet20'"):
        get_model("resnet2")
    with pytest.raises(ValueError, match="unknown model kind 'vgg'.*mlp, cnn, lenet5"):
        model_options("vgg")


# -- options -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("mlp", {"hiden": 8}, r"mlp has no option 'hiden'; its options are hidden, depth, "
         r"dropout, residual, norm\. Did you mean 'hidden'\?"),
        ("resnet20", {"narrow": 2}, r"resnet20 has no option 'narrow'.*narrow applies to the "
         r"vgg11 only"),
        ("lenet5", {"hidden": 8}, r"lenet5 has no option 'hidden'; its options are width, "
         r"pool\. \(hidden applies to the mlp, cnn, vgg11, mnist1d_mlp only"),
        ("transformer", {"bogus": 1}, r"transformer has no option 'bogus'; its options are "
         r"d_model, depth, heads, mlp_ratio, dropout\.$"),
        ("mlp", {"norm": "group"}, r"mlp: norm must be one of 'none', 'batch', 'layer', got 'group'"),
        ("mlp", {"residual": 1}, r"mlp: residual must be True or False, got 1"),
        ("mlp", {"depth": 0}, r"mlp: depth must be an integer >= 1, got 0"),
        ("cnn", {"channels": (4, 0)}, r"each of cnn: channels must be an integer >= 1"),
        ("cnn", {"channels": ()}, r"cnn: channels must list at least one width"),
        ("lenet5", {"width": 0}, r"lenet5: width must be a number > 0, got 0"),
        ("lenet5", {"pool": "sum"}, r"lenet5: pool must be one of 'avg', 'max', got 'sum'"),
        ("resnet20", {"shortcut": "C"}, r"resnet20: shortcut must be one of 'A', 'B', got 'C'"),
        ("resnet20", {"depth": 2.5}, r"resnet20: depth must be an integer >= 1, got 2.5"),
        ("resnet20", {"width": float("inf")}, r"resnet20: width must be a number > 0"),
        ("vgg11", {"narrow": 0}, r"vgg11: narrow must be an integer >= 1, got 0"),
        ("vgg11", {"dropout": 1}, r"vgg11: dropout must be in \[0, 1\), got 1"),
        ("mobilenet_small", {"width": -1}, r"mobilenet_small: width must be a number > 0"),
        ("transformer", {"heads": 3}, r"transformer: heads must divide d_model; got heads=3, "
         r"d_model=64"),
        ("transformer", {"mlp_ratio": 0}, r"transformer: mlp_ratio must be a number > 0"),
        ("transformer", {"dropout": -0.1}, r"transformer: dropout must be in \[0, 1\)"),
    ],
)  # fmt: skip
def test_option_errors_name_the_model_and_the_valid_values(kind, options, message):
    shape = (40,) if get_model(kind).inputs in ("any", "sequence") else (1, 8, 8)
    with pytest.raises(ValueError, match=message):
        build_model(kind, shape, 10, **options)


@pytest.mark.parametrize(
    ("kind", "shape", "message"),
    [
        ("lenet5", (40,), r"lenet5 takes images, per-sample shape \(C, H, W\); got \(40,\)"),
        ("resnet20", (2, 40), r"resnet20 takes images"),
        ("vgg11", (1, 1, 8, 8), r"vgg11 takes images"),
        ("mobilenet_small", (40,), r"mobilenet_small takes images"),
        ("transformer", (1, 8, 8), r"transformer takes sequences, per-sample shape \(L,\) or"),
    ],
)
def test_wrong_input_kind_is_named(kind, shape, message):
    with pytest.raises(ValueError, match=message):
        build_model(kind, shape, 10)


# -- shapes, layouts, sizes --------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "shape"), [(k, s) for k, shapes in SHAPES.items() for s in shapes]
)
def test_forward_shapes(kind, shape):
    torch.manual_seed(0)
    model = build_model(kind, shape, 7, **SMALL[kind]).eval()
    logits = model(torch.randn(3, *shape))
    assert logits.shape == (3, 7) and torch.isfinite(logits).all()


def _first_linear_inputs(model):
    return next(m for m in model.modules() if isinstance(m, nn.Linear)).in_features


def test_lenet5_layouts_follow_the_paper_at_28_and_32_and_adapt_below():
    for shape in ((1, 28, 28), (1, 32, 32)):
        model = build_model("lenet5", shape, 10)
        assert _first_linear_inputs(model) == 16 * 5 * 5  # the paper's C5 input
        convs = of_type(model, nn.Conv2d)
        assert [(c.in_channels, c.out_channels, c.kernel_size) for c in convs] == [
            (1, 6, (5, 5)),
            (6, 16, (5, 5)),
        ]
        assert [m.out_features for m in of_type(model, nn.Linear)] == [120, 84, 10]
    assert of_type(build_model("lenet5", (1, 28, 28), 10), nn.Conv2d)[0].padding == (2, 2)
    assert of_type(build_model("lenet5", (1, 32, 32), 10), nn.Conv2d)[0].padding == (0, 0)
    assert _first_linear_inputs(build_model("lenet5", (1, 8, 8), 10)) == 16 * 2 * 2
    assert count(build_model("lenet5", (1, 32, 32), 10)) == 61_706  # the classic count
    assert all(isinstance(p, nn.MaxPool2d) for p in build_model(
        "lenet5", (1, 8, 8), 10, pool="max").modules() if isinstance(p, (nn.MaxPool2d, nn.AvgPool2d)))  # fmt: skip


def resnet_cifar_count(n: int, classes: int = 10, channels=(16, 32, 64), rgb: int = 3) -> int:
    """Parameters of He et al.'s CIFAR ResNet with option-A shortcuts, counted layer by layer:
    3x3 convs without bias, BN (weight and bias) after each, one Linear head."""
    c1, c2, c3 = channels
    total = 9 * rgb * c1 + 2 * c1  # stem conv + BN
    cin = c1
    for c in channels:
        for block in range(n):
            total += 9 * (cin if block == 0 else c) * c + 2 * c  # conv1 + BN
            total += 9 * c * c + 2 * c  # conv2 + BN
        cin = c
    return total + c3 * classes + classes


def test_resnet20_has_the_papers_027m_parameters():
    model = build_model("resnet20", (3, 32, 32), 10)
    assert count(model) == resnet_cifar_count(3) == 269_722
    assert count(model) == pytest.approx(0.27e6, rel=0.005)  # He et al.: 0.27M
    assert len(of_type(model, nn.Conv2d)) + len(of_type(model, nn.Linear)) == 20
    assert count(build_model("resnet20", (3, 32, 32), 10, depth=5)) == resnet_cifar_count(5)
    assert len(of_type(model, ZeroPadShortcut)) == 2  # option A: parameter-free


def test_resnet20_option_a_and_b_shortcuts():
    x = torch.randn(2, 4, 6, 6)
    assert ZeroPadShortcut(2, 4)(x).shape == (2, 8, 3, 3)
    assert torch.equal(ZeroPadShortcut(2, 4)(x)[:, :4], x[:, :, ::2, ::2])
    assert not ZeroPadShortcut(2, 4)(x)[:, 4:].any()
    b = build_model("resnet20", (3, 32, 32), 10, shortcut="B")
    projections = [m for m in of_type(b, nn.Conv2d) if m.kernel_size == (1, 1)]
    assert [(m.in_channels, m.out_channels, m.stride) for m in projections] == [
        (16, 32, (2, 2)),
        (32, 64, (2, 2)),
    ]
    assert count(b) == resnet_cifar_count(3) + 16 * 32 + 2 * 32 + 32 * 64 + 2 * 64


def test_vgg11_widths_narrow_and_pooling_adapts():
    model = build_model("vgg11", (3, 32, 32), 10, narrow=4)
    convs = of_type(model, nn.Conv2d)
    assert [c.out_channels for c in convs] == [16, 32, 64, 64, 128, 128, 128, 128]
    assert _first_linear_inputs(model) == 128  # 32 -> 1 after five pools
    assert len(of_type(model, nn.BatchNorm2d)) == 8
    assert sum(type(m) is nn.Dropout for m in model.modules()) == 2
    big = build_model("vgg11", (1, 64, 64), 10, narrow=16)
    assert _first_linear_inputs(big) == 32 * 2 * 2
    tiny = build_model("vgg11", (1, 8, 8), 10, narrow=16)
    assert _first_linear_inputs(tiny) == 32  # 8 -> 4 -> 2 -> 1, then pools leave 1x1


def test_mobilenet_is_depthwise_separable():
    model = build_model("mobilenet_small", (3, 32, 32), 10)
    convs = of_type(model, nn.Conv2d)
    depthwise = [c for c in convs if c.groups > 1]
    assert len(depthwise) == 13 and all(c.groups == c.in_channels for c in depthwise)
    assert all(c.kernel_size == (1, 1) for c in convs if c.groups == 1 and c is not convs[0])
    assert convs[0].out_channels == 8 and convs[-1].out_channels == 256  # 32 and 1024 x 0.25


def test_transformer_structure():
    model = build_model("transformer", (2, 40), 10, "gelu", d_model=16, depth=3, heads=4)
    assert len(of_type(model, nn.MultiheadAttention)) == 3
    assert model.position.shape == (1, 40, 16) and model.embed.in_features == 2
    ups = [b.mlp[0] for b in model.blocks]
    assert all(u.out_features == 64 for u in ups)  # mlp_ratio 4
    assert len(of_type(model, nn.LayerNorm)) == 2 * 3 + 1


def test_mlp_residual_and_norm_layouts():
    model = build_model("mlp", (12,), 3, hidden=8, depth=2, residual=True, norm="layer")
    assert [type(m).__name__ for m in model] == [
        "Linear",
        "Residual",
        "Residual",
        "LayerNorm",
        "ReLU",
        "Linear",
    ]
    block = model[1].branch
    assert [type(m).__name__ for m in block] == ["LayerNorm", "ReLU", "Linear"]
    x = torch.randn(5, 8)
    assert torch.allclose(model[1](x), x + block(x))
    plain = build_model("mlp", (12,), 3, hidden=8, depth=2, norm="batch", dropout=0.1)
    assert [type(m).__name__ for m in plain] == [
        "Linear", "BatchNorm1d", "ReLU", "Dropout",
        "Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear",
    ]  # fmt: skip
    glu = build_model("mlp", (12,), 3, "glu", hidden=8, depth=1, residual=True)
    assert glu[1].branch[-1].in_features == 4 and glu(torch.randn(2, 12)).shape == (2, 3)


# -- the old mlp, exactly ----------------------------------------------------------------
def old_mlp(shape, classes, activation, hidden, depth, dropout):
    """The mlp as actlab built it before the zoo, written out: layers, order and init."""
    layers: list[nn.Module] = [nn.Flatten()] if len(shape) != 1 else []
    width = math.prod(shape)
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), actlab.make(activation)]
        layers += [nn.Dropout(dropout)] if dropout else []
        width = hidden
    model = nn.Sequential(*layers, nn.Linear(width, classes))
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, nn.Linear):
                if activation == "tanh":  # Glorot uniform
                    nn.init.xavier_uniform_(layer.weight)
                else:  # He normal
                    layer.weight.normal_(0.0, math.sqrt(2.0 / layer.in_features))
                layer.bias.zero_()
    return model


@pytest.mark.parametrize(
    ("shape", "activation", "hidden", "depth", "dropout"),
    [((1, 28, 28), "relu", 500, 1, 0.0), ((40,), "tanh", 32, 3, 0.0), ((40,), "gelu", 16, 2, 0.2)],
)
def test_mlp_defaults_reproduce_the_old_model_exactly(shape, activation, hidden, depth, dropout):
    torch.manual_seed(7)
    old = old_mlp(shape, 10, activation, hidden, depth, dropout)
    torch.manual_seed(7)
    options = {} if (hidden, depth) == (500, 1) else {"hidden": hidden, "depth": depth}
    new = build_model("mlp", shape, 10, activation, dropout=dropout, **options)
    assert [type(m) for m in new] == [type(m) for m in old]
    assert new.state_dict().keys() == old.state_dict().keys()
    for key, value in old.state_dict().items():
        assert torch.equal(new.state_dict()[key], value), key


# -- seeds -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(SMALL))
def test_seeds_reproduce_weights(kind):
    shape = SHAPES[kind][0]

    def weights(seed):
        torch.manual_seed(seed)
        return build_model(kind, shape, 5, "rrelu", **SMALL[kind]).state_dict()

    first, again, other = weights(3), weights(3), weights(4)
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert any(not torch.equal(first[k], other[k]) for k in first if first[k].is_floating_point())


# -- init --------------------------------------------------------------------------------
def test_attention_keeps_pytorchs_init_and_the_mlp_gets_the_matched_one():
    torch.manual_seed(0)
    model = build_model("transformer", (40,), 10, "relu", d_model=64, depth=1, heads=4)
    attention = model.blocks[0].attention
    bound = math.sqrt(6 / (64 + 3 * 64))  # xavier-uniform of the (3d, d) in-projection
    assert attention.in_proj_weight.abs().max().item() <= bound
    assert not attention.in_proj_bias.any() and not attention.out_proj.bias.any()
    up = model.blocks[0].mlp[0].weight.detach().double()  # He normal for relu
    assert up.std().item() == pytest.approx(math.sqrt(2 / 64), rel=0.03)
    assert model.position.std().item() == pytest.approx(0.02, rel=0.05)


def test_apply_init_skips_attention_only():
    torch.manual_seed(0)
    outer = nn.Sequential(nn.MultiheadAttention(8, 2), nn.Linear(8, 8))
    before = {k: v.clone() for k, v in outer.state_dict().items()}
    apply_init(outer, "lecun")
    after = outer.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith("0."))
    assert not torch.equal(before["1.weight"], after["1.weight"])


def test_norm_layers_start_at_one_and_zero():
    model = build_model("resnet20", (3, 8, 8), 10, "selu", depth=1)
    for bn in of_type(model, nn.BatchNorm2d):
        assert torch.equal(bn.weight, torch.ones_like(bn.weight)) and not bn.bias.any()


# -- the non-elementwise rule ------------------------------------------------------------
def _activation_outputs(model, x):
    seen = []
    hooks = [
        m.register_forward_hook(lambda _m, _i, out: seen.append(out))
        for m in model.modules()
        if isinstance(m, ChannelsLast)
    ]
    model(x)
    for h in hooks:
        h.remove()
    return seen


def test_softmax_in_a_conv_net_normalises_over_channels_not_width():
    model = build_model("cnn", (1, 6, 10), 3, "softmax", hidden=8, channels=(4,))
    (out,) = _activation_outputs(model, torch.randn(2, 1, 6, 10))
    assert out.shape == (2, 4, 6, 10)
    assert torch.allclose(out.sum(dim=1), torch.ones(2, 6, 10))
    assert not torch.allclose(out.sum(dim=-1), torch.ones(2, 4, 6))


def test_glu_in_a_conv_net_halves_channels_not_length():
    model = build_model("cnn", (12,), 3, "glu", hidden=8, channels=(4, 6))
    convs = of_type(model, nn.Conv1d)
    assert [(c.in_channels, c.out_channels) for c in convs] == [(1, 4), (2, 6)]
    assert _first_linear_inputs(model) == 3 * 3  # 12 -> 6 -> 3 positions, 3 channels


def test_width_changing_activations_get_a_widened_layer_before_them():
    lenet = build_model("lenet5", (1, 28, 28), 10, "geglu")
    assert [(c.in_channels, c.out_channels) for c in of_type(lenet, nn.Conv2d)] == [
        (1, 12),
        (6, 32),
    ]
    assert [(m.in_features, m.out_features) for m in of_type(lenet, nn.Linear)] == [
        (400, 240),
        (120, 168),
        (84, 10),
    ]
    mobile = build_model("mobilenet_small", (3, 8, 8), 10, "maxout", {"pieces": 3}, width=0.25)
    depthwise = next(c for c in of_type(mobile, nn.Conv2d) if c.groups > 1)
    assert (depthwise.in_channels, depthwise.out_channels, depthwise.groups) == (8, 24, 8)
    vgg = build_model("vgg11", (1, 8, 8), 10, "swiglu", narrow=16, hidden=8)
    assert (
        of_type(vgg, nn.Conv2d)[0].out_channels == 8 and of_type(vgg, nn.Conv2d)[1].in_channels == 4
    )


@pytest.mark.parametrize("activation", ["swiglu", "geglu"])
def test_transformer_with_gated_mlps(activation):
    torch.manual_seed(0)
    model = build_model("transformer", (40,), 10, activation, d_model=16, depth=2, heads=2)
    for block in model.blocks:
        assert block.mlp[0].out_features == 2 * 64 and block.mlp[3].in_features == 64
        assert isinstance(block.mlp[1], actlab.catalog.module_class(activation))
    x, y = torch.randn(8, 40), torch.arange(8) % 10
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(20):
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]  # it fits a tiny batch


def test_residual_models_refuse_width_changing_activations_and_say_why():
    with pytest.raises(ValueError, match=r"resnet20 cannot take activation 'glu': it maps 2·C"):
        build_model("resnet20", (3, 8, 8), 10, "glu")
    with pytest.raises(ValueError, match=r"maps 3·C features to C"):
        build_model("resnet20", (3, 8, 8), 10, "maxout", {"pieces": 3}, width=0.75)
    build_model("resnet20", (3, 8, 8), 10, "softmax", depth=1)  # keeps the width: fine


def test_feature_mixing_dim_must_point_at_the_features():
    with pytest.raises(ValueError, match="leave dim at -1"):
        build_model("cnn", (1, 8, 8), 10, "softmax", {"dim": 1}, channels=(4,))
    with pytest.raises(ValueError, match="leave dim at -1"):
        build_model("transformer", (40,), 10, "swiglu", {"dim": 1})
    model = build_model("mlp", (40,), 10, "softmax", {"dim": 1}, hidden=8)  # dense: dim 1 is it
    assert torch.allclose(model[1](torch.randn(2, 8)).sum(dim=1), torch.ones(2))


# -- user activations --------------------------------------------------------------------
class Cube(nn.Module):
    def forward(self, x):
        return x**3 / 3 + x


def test_user_elementwise_activation_is_used_as_is_one_per_layer():
    made = []

    def factory():
        made.append(Cube())
        return made[-1]

    model = build_model("resnet20", (3, 8, 8), 10, "cube", act=factory, depth=1)
    used = [m for m in model.modules() if isinstance(m, Cube)]
    assert len(used) == 1 + 3 * 2 and len({id(m) for m in used}) == len(used)
    assert not of_type(model, ChannelsLast)
    assert not activation_modules(model)  # only catalogue modules are listed there
    assert model(torch.randn(2, 3, 8, 8)).shape == (2, 10)


def test_user_feature_mixing_activations_follow_the_rule():
    softmax = build_model("cnn", (1, 6, 10), 3, "mine", act=lambda: nn.Softmax(dim=-1),
                          hidden=8, channels=(4,))  # fmt: skip
    (out,) = _activation_outputs(softmax, torch.randn(2, 1, 6, 10))
    assert torch.allclose(out.sum(dim=1), torch.ones(2, 6, 10))
    glu = build_model("lenet5", (1, 28, 28), 10, "mine", act=lambda: nn.GLU())
    assert of_type(glu, nn.Conv2d)[0].out_channels == 12
    assert glu(torch.randn(2, 1, 28, 28)).shape == (2, 10)


def test_user_activation_init_follows_its_label():
    torch.manual_seed(0)
    unknown = build_model("mlp", (784,), 10, "my_act", act=Cube)
    weights = of_type(unknown, nn.Linear)[0].weight.detach().double()
    assert weights.std().item() == pytest.approx(math.sqrt(2 / 784), rel=0.01)  # He
    tanh_like = build_model("mlp", (784,), 10, "tanh", act=Cube)
    bound = math.sqrt(6 / (784 + 500))
    assert of_type(tanh_like, nn.Linear)[0].weight.abs().max().item() <= bound  # Glorot
    lecun = build_model("mlp", (784,), 10, "my_act", act=Cube, init="lecun")
    weights = of_type(lecun, nn.Linear)[0].weight.detach().double()
    assert weights.std().item() == pytest.approx(1 / math.sqrt(784), rel=0.01)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"act": Cube()}, TypeError, "act must be a zero-argument factory"),
        ({"act": lambda: 3}, TypeError, "act must return an nn.Module, got int"),
        ({"act": (lambda m: lambda: m)(Cube())}, ValueError, "new module on every call"),
        ({"act": Cube, "activation_params": {"a": 1}}, ValueError, "activation_params apply"),
        ({"act": Cube, "impl": "lean"}, ValueError, "do not apply with act="),
        ({"act": Cube, "init": "he"}, ValueError, "init must be one of"),
        (
            {"act": lambda: _FirstFeature()},
            ValueError,
            r"maps no width r·6 \(r = 1..8\) to 6 features",
        ),
    ],
)
def test_user_activation_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        build_model("lenet5", (1, 8, 8), 10, "mine", **{"act": None, **kwargs})


class _FirstFeature(nn.Module):
    def forward(self, x):
        return x[..., :1]
