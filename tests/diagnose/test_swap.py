"""swap() and find_activations() on model code written like real projects: a torchvision-style
ResNet with in-place ReLUs, transformer blocks, nested containers, functional activations."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

import actlab
from actlab.catalog import Activation, UnknownActivationError
from actlab.diagnose import Monitor, find_activations, swap
from tests.diagnose.models import (
    BranchingNet,
    FunctionalMLP,
    MixedNet,
    SmallCNN,
    TinyResNet,
    TinyTransformer,
)

RESNET_RELUS = ["relu", "layer1.0.relu", "layer1.1.relu", "layer2.0.relu"]


def test_find_activations_lists_every_module_once_with_its_catalogue_name():
    found = find_activations(TinyResNet())
    assert [(a.path, a.name) for a in found] == [(p, "relu") for p in RESNET_RELUS]
    assert all(type(a.module) is nn.ReLU and a.module.inplace for a in found)
    assert found.note == ""
    net = TinyTransformer()
    assert [(a.path, type(a.module).__name__) for a in find_activations(net)] == [
        ("blocks.0.mlp.act", "GELU"),
        ("blocks.1.mlp.act", "GELU"),
        ("heads.cls.1", "Tanh"),
    ]


def test_swapping_resnet_inplace_relus_matches_a_hand_built_model():
    torch.manual_seed(0)
    net = TinyResNet()
    by_hand = copy.deepcopy(net)
    for path in RESNET_RELUS:
        parent, _, attr = path.rpartition(".")
        setattr(by_hand.get_submodule(parent), attr, nn.LeakyReLU(0.2))
    records = swap(net, "relu", "leaky_relu", negative_slope=0.2)
    assert [r.path for r in records] == RESNET_RELUS
    assert {(r.old, r.new) for r in records} == {
        ("ReLU(inplace=True)", "LeakyReLU(negative_slope=0.2)")
    }
    assert records.note == ""
    assert not any(isinstance(m, nn.ReLU) for m in net.modules())
    x = torch.randn(3, 3, 8, 8)
    out, expected = net(x), by_hand(x)
    torch.testing.assert_close(out, expected, rtol=0, atol=0)
    out.sum().backward()
    assert all(p.grad is not None for p in net.parameters())


def test_a_module_called_twice_is_replaced_once_and_serves_both_calls():
    net = TinyResNet()
    block_relu = net.layer1[0].relu
    records = swap(net, nn.ReLU, "elu", alpha=0.5)
    assert sum(r.path == "layer1.0.relu" for r in records) == 1
    assert net.layer1[0].relu is not block_relu
    with Monitor(net) as monitor:
        net(torch.randn(2, 3, 8, 8))
    rows = monitor.report()
    assert [(r["path"], r["call"]) for r in rows][1:3] == [
        ("layer1.0.relu", 1),
        ("layer1.0.relu", 2),
    ]
    assert {(r["activation"], r["activation_params"]) for r in rows} == {("elu", "alpha=0.5")}


def test_one_instance_registered_under_two_paths_stays_shared():
    act = nn.Tanh()
    net = nn.Module()
    net.a = nn.Sequential(nn.Linear(2, 2), act)
    net.b = nn.ModuleDict({"act": act})
    records = swap(net, "tanh", "prelu")
    assert [r.path for r in records] == ["a.1", "b.act"]
    assert net.a[1] is net.b["act"] and isinstance(net.a[1], Activation)
    assert len(list(net.parameters())) == 3  # Linear weight, bias, and one shared PReLU weight


def test_transformer_blocks_in_module_lists_and_dicts():
    torch.manual_seed(0)
    net = TinyTransformer()
    records = swap(net, nn.GELU, "selu")
    assert [r.path for r in records] == ["blocks.0.mlp.act", "blocks.1.mlp.act"]
    records = swap(net, "tanh", "sigmoid")
    assert [r.path for r in records] == ["heads.cls.1"]
    names = [(a.path, a.name) for a in find_activations(net)]
    assert names == [
        ("blocks.0.mlp.act", "selu"),
        ("blocks.1.mlp.act", "selu"),
        ("heads.cls.1", "sigmoid"),
    ]
    net(torch.randn(2, 5, 16)).sum().backward()


def test_names_match_pytorch_classes_catalogue_modules_and_aliases():
    net = nn.Sequential(
        nn.LeakyReLU(0.1), actlab.make("leaky_relu"), nn.ReLU(), nn.ReLU6(), nn.Hardtanh()
    )
    assert [r.path for r in swap(net, "lrelu", "tanh")] == ["0", "1"]
    # ReLU6 subclasses Hardtanh in PyTorch, but it is the relu6 entry, not hardtanh
    assert [r.path for r in swap(net, "relu6", "tanh")] == ["3"]
    assert [type(m).__name__ for m in net] == ["Tanh", "Tanh", "ReLU", "Tanh", "Hardtanh"]


def test_predicates_choose_modules():
    net = nn.Sequential(nn.ReLU(inplace=True), nn.ReLU(), nn.Sigmoid())
    records = swap(net, lambda m: isinstance(m, nn.ReLU) and m.inplace, "elu")
    assert [r.path for r in records] == ["0"]
    assert type(net[1]) is nn.ReLU


def test_replacements_follow_the_models_device_dtype_and_mode():
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU()).double().eval()
    swap(net, "relu", "prelu")
    assert net[1].weight.dtype == torch.float64 and not net[1].training
    net(torch.randn(4, 2, dtype=torch.float64))


def test_errors_leave_the_model_untouched():
    net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    with pytest.raises(UnknownActivationError, match="Did you mean 'relu'"):
        swap(net, "rellu", "tanh")
    with pytest.raises(UnknownActivationError, match="Did you mean"):
        swap(net, "relu", "tahn")
    with pytest.raises(ValueError, match=r"negative_slope.*\[0, ∞\)"):
        swap(net, "relu", "leaky_relu", negative_slope=-1.0)
    with pytest.raises(TypeError, match="unknown parameter"):
        swap(net, "relu", "tanh", slope=1.0)
    with pytest.raises(TypeError, match="nn.Module class"):
        swap(net, int, "tanh")
    with pytest.raises(TypeError, match="catalogue name"):
        swap(net, "relu", nn.GELU)
    with pytest.raises(ValueError, match="the model itself"):
        swap(nn.ReLU(), "relu", "tanh")
    assert type(net[1]) is nn.ReLU


def test_functional_activations_are_reported_not_swapped():
    net = FunctionalMLP()
    found = find_activations(net)
    assert list(found) == [] and "no activation modules found in FunctionalMLP" in found.note
    with pytest.warns(UserWarning, match="cannot be swapped"):
        result = swap(net, "relu", "tanh")
    assert list(result) == [] and "F.relu" in result.note


def test_transformer_encoder_layer_default_activation_is_a_function():
    encoder = nn.TransformerEncoder(
        nn.TransformerEncoderLayer(16, 2, 32), num_layers=2, enable_nested_tensor=False
    )
    found = find_activations(encoder)
    assert list(found) == []
    assert "layers.0.activation is the function torch.nn.functional.relu" in found.note
    assert "activation=actlab.make(name)" in found.note
    with pytest.warns(UserWarning, match="layers.1.activation is the function"):
        result = swap(encoder, "relu", "tanh")
    assert list(result) == []


def test_a_swapped_encoder_layer_module_is_used_on_the_inference_fast_path():
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(
        16, 2, 32, dropout=0.0, activation=nn.GELU(), batch_first=True
    ).eval()
    reference = nn.TransformerEncoderLayer(
        16, 2, 32, dropout=0.0, activation=actlab.make("elu"), batch_first=True
    )
    reference.load_state_dict(layer.state_dict())
    reference.eval()
    with_gelu = copy.deepcopy(layer)
    assert [r.path for r in swap(layer, nn.GELU, "elu")] == ["activation"]
    x = torch.randn(3, 5, 16)
    with torch.no_grad():
        out = layer(x)
        torch.testing.assert_close(out, reference(x))
        assert not torch.allclose(out, with_gelu(x))


def test_nothing_matching_says_what_the_model_has():
    net = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 2), nn.Tanh())
    with pytest.warns(
        UserWarning,
        match=r"no activation module matches 'relu'; the model "
        r"has: tanh ×2",
    ):
        assert list(swap(net, "relu", "elu")) == []


def test_a_monitor_attached_after_a_swap_watches_the_new_modules():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(inplace=True), nn.Linear(4, 1))
    monitor = Monitor(net)
    swap(net, "relu", "elu")
    with monitor:
        net(torch.randn(5, 3)).sum().backward()
    assert [(r["module"], r["activation"]) for r in monitor.report()] == [("ELU", "elu")]


@pytest.mark.parametrize("new", ["softmax", "glu", "maxout", "softmax:dim=1"])
def test_a_replacement_that_is_not_elementwise_is_refused_unless_asked(new):
    net = SmallCNN()
    with pytest.raises(ValueError, match=r"is not elementwise.*allow_shape_change=True"):
        swap(net, "relu", new)
    assert [type(m) for m in net.body] == [nn.Conv2d, nn.ReLU, nn.Conv2d, nn.ReLU]


def test_allow_shape_change_swaps_a_non_elementwise_replacement():
    net = SmallCNN()
    records = swap(net, "relu", "softmax", allow_shape_change=True)
    assert [r.path for r in records] == ["body.1", "body.3"]
    out = net(torch.randn(2, 1, 8, 8))
    torch.testing.assert_close(out.sum(-1), torch.ones(2, 4, 8))  # a softmax over the width


class _RowNorm(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x / x.norm(dim=-1, keepdim=True)


class _Cube(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x**3


def test_module_instances_are_checked_and_copied_per_replaced_module():
    net = SmallCNN()
    for bad in (nn.Softmax(dim=-1), nn.GLU(), _RowNorm(), actlab.make("softmax")):
        with pytest.raises(ValueError, match="is not elementwise"):
            swap(net, "relu", bad)
    template = _Cube()
    records = swap(net, "relu", template)
    assert [r.path for r in records] == ["body.1", "body.3"]
    assert all(isinstance(net.body[i], _Cube) for i in (1, 3))
    assert net.body[1] is not net.body[3] and template not in list(net.modules())
    prelu = nn.PReLU()
    swap(net, _Cube, prelu)  # learnable: each copy has its own weight
    assert net.body[1].weight is not net.body[3].weight
    with pytest.raises(TypeError, match="module instance.*parameters"):
        swap(net, nn.PReLU, nn.ELU(), alpha=0.5)


def test_replacement_text_with_parameters():
    a, b = SmallCNN(), SmallCNN()
    swap(a, "relu", "leaky_relu:negative_slope=0.2")
    swap(b, "relu", "leaky_relu", negative_slope=0.2)
    assert repr(a) == repr(b) and "negative_slope=0.2" in repr(a.body[1])
    with pytest.raises(TypeError, match="negative_slope.*given twice"):
        swap(a, "leaky_relu", "leaky_relu:negative_slope=0.2", negative_slope=0.3)
    with pytest.raises(UnknownActivationError, match="Did you mean"):
        swap(a, "leaky_relu", "leaky_rel:negative_slope=0.2")
    with pytest.raises(TypeError, match="catalogue name.*nn.Module instance"):
        swap(a, "leaky_relu", 3)


def test_functional_calls_in_forward_are_noted_with_where_they_are():
    net = MixedNet()
    with pytest.warns(UserWarning, match="forward code calls activation functions"):
        records = swap(net, "relu", "elu")
    assert [r.path for r in records] == ["block.act", "act"]
    note = records.note
    for piece in (
        "F.gelu in block.forward",
        "Tensor.relu() in block.forward",
        "F.relu in the forward of the model itself",
        "torch.relu in the forward of the model itself",
        "found by tracing with torch.fx",
    ):
        assert piece in note, note
    assert records.functional.exact and len(records.functional.calls) == 4
    assert "F.relu in the forward of the model itself" in find_activations(net).note
    net(torch.randn(3, 4)).sum().backward()  # the traced model is untouched and still runs


def test_an_untraceable_model_gets_a_best_effort_note():
    net = BranchingNet()
    with pytest.warns(UserWarning, match="best effort"):
        records = swap(net, "tanh", "elu")
    assert [r.path for r in records] == ["act"]
    assert "F.relu in the forward of the model itself" in records.note
    assert "torch.fx could not trace the model" in records.note
    assert not records.functional.exact
