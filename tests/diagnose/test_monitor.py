"""Monitor: statistics recomputed independently in float64, hooks that leave autograd alone,
call sites, in-place activations, NaN/inf, lifecycle."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

import actlab
from actlab.diagnose import Monitor
from actlab.diagnose.resolve import TORCH_ACTIVATIONS
from tests.diagnose.models import TinyResNet, TinyTransformer

F64 = torch.float64


def _small_net(inplace: bool) -> tuple[nn.Sequential, list[nn.Linear]]:
    torch.manual_seed(0)
    l1, l2, l3 = nn.Linear(5, 6), nn.Linear(6, 7), nn.Linear(7, 1)
    with torch.no_grad():
        l1.bias[0] = -50.0  # unit 0 of the ReLU layer can never fire: one dead unit of 6
        l2.weight.mul_(4.0)  # drive the tanh into saturation for part of the inputs
    net = nn.Sequential(l1, nn.ReLU(inplace=inplace), l2, nn.Tanh(), l3).double()
    return net, [l1, l2, l3]


def _batches() -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    return [torch.randn(16, 5, generator=gen, dtype=F64) * s for s in (1.0, 3.0)]


def _expected(net: nn.Sequential, eps: float) -> list[dict[str, float]]:
    """Every statistic recomputed from the raw tensors: NumPy float64 and the catalogue's
    NumPy reference derivatives (independent of the torch code the monitor uses)."""
    l1, l2, l3 = net[0], net[2], net[4]
    seen: dict[int, dict[str, list[np.ndarray]]] = {0: {}, 1: {}}
    for x in _batches():
        z1 = l1(x)
        a1 = torch.relu(z1)
        a1.retain_grad()
        z2 = l2(a1)
        a2 = torch.tanh(z2)
        a2.retain_grad()
        l3(a2).pow(2).mean().backward()
        for i, (z, a) in enumerate(((z1, a1), (z2, a2))):
            for key, value in (("z", z), ("a", a), ("g", a.grad)):
                seen[i].setdefault(key, []).append(value.detach().numpy())
    out = []
    for i, name in enumerate(("relu", "tanh")):
        z, a, g = (np.concatenate(seen[i][k]) for k in ("z", "a", "g"))
        d1 = np.abs(actlab.get(name).reference_d1(z))
        out.append(
            {
                "samples": z.shape[0],
                "units": z.shape[1],
                "dead_fraction": float(np.mean(np.all(d1 < eps, axis=0))),
                "on_rate": float(np.mean(z > 0)),
                "inactive": float(np.mean(d1 == 0)),
                "saturated": float(np.mean((d1 > 0) & (d1 < eps))),
                "mean_abs_d1": float(np.mean(d1)),
                "pre_mean": float(np.mean(z)),
                "pre_var": float(np.var(z)),
                "out_mean": float(np.mean(a)),
                "out_var": float(np.var(a)),
                "grad_norm": float(np.mean([np.linalg.norm(b) for b in seen[i]["g"]])),
                "grad_mean_abs": float(np.mean(np.abs(g))),
                "backward_passes": 2,
            }
        )
    return out


@pytest.mark.parametrize("inplace", [False, True])
def test_statistics_match_an_independent_float64_recomputation(inplace):
    net, _ = _small_net(inplace)
    eps = 0.05
    with Monitor(net, eps=eps) as monitor:
        for x in _batches():
            net(x).pow(2).mean().backward()
    rows = monitor.report()
    assert [(r["path"], r["module"], r["activation"]) for r in rows] == [
        ("1", "ReLU", "relu"),
        ("3", "Tanh", "tanh"),
    ]
    expected = _expected(copy.deepcopy(net), eps)
    for row, want in zip(rows, expected, strict=True):
        for key, value in want.items():
            assert row[key] == pytest.approx(value, rel=1e-12, abs=1e-300), key
    # the set-up exercises every statistic: a dead unit and a partly saturated tanh
    assert rows[0]["dead_fraction"] == pytest.approx(1 / 6)
    assert 0 < rows[1]["saturated"] < 1 and rows[1]["inactive"] == 0
    assert 0 < rows[0]["inactive"] < 1 and rows[0]["saturated"] == 0


def test_monitoring_does_not_change_any_gradient_or_output():
    torch.manual_seed(0)
    plain = TinyResNet()
    watched = copy.deepcopy(plain)
    x = torch.randn(4, 3, 8, 8)
    out_plain = plain(x)
    out_plain.logsumexp(1).sum().backward()
    with Monitor(watched) as monitor:
        out_watched = watched(x)
        out_watched.logsumexp(1).sum().backward()
    assert torch.equal(out_plain, out_watched)
    for (name, p), q in zip(plain.named_parameters(), watched.parameters(), strict=True):
        assert torch.equal(p.grad, q.grad), name
    assert all(r["backward_passes"] == 1 for r in monitor.report())


def test_each_call_site_of_a_shared_module_is_its_own_row():
    torch.manual_seed(0)
    net = TinyResNet()
    with Monitor(net) as monitor:
        net(torch.randn(2, 3, 8, 8)).sum().backward()
    rows = monitor.report()
    assert [(r["path"], r["call"], r["units"]) for r in rows] == [
        ("relu", 1, 8),
        ("layer1.0.relu", 1, 8),
        ("layer1.0.relu", 2, 8),
        ("layer1.1.relu", 1, 8),
        ("layer1.1.relu", 2, 8),
        ("layer2.0.relu", 1, 16),
        ("layer2.0.relu", 2, 16),
    ]
    assert [r["layer"] for r in rows] == list(range(1, 8))
    assert [r["samples"] for r in rows] == [2] * 7
    # the second call of a block's relu sees conv-bn + shortcut, not the first call's input
    assert rows[1]["pre_mean"] != rows[2]["pre_mean"]


def test_one_activation_module_reused_by_layers_of_different_widths():
    act = nn.Sigmoid()
    net = nn.Sequential(nn.Linear(3, 4), act, nn.Linear(4, 6), act, nn.Linear(6, 1))
    with Monitor(net) as monitor:
        net(torch.randn(10, 3)).sum().backward()
    rows = monitor.report()
    assert [(r["path"], r["call"], r["units"]) for r in rows] == [("1", 1, 4), ("1", 2, 6)]


def test_transformer_units_are_the_last_dimension():
    torch.manual_seed(0)
    net = TinyTransformer(dim=16, depth=2)
    with Monitor(net) as monitor:
        net(torch.randn(5, 7, 16)).sum().backward()
    rows = monitor.report()
    assert [(r["path"], r["units"], r["samples"]) for r in rows] == [
        ("blocks.0.mlp.act", 64, 5),
        ("blocks.1.mlp.act", 64, 5),
        ("heads.cls.1", 16, 5),
    ]
    with Monitor(net, unit_dim=1) as by_position:
        net(torch.randn(5, 7, 16))
    assert by_position.report()[0]["units"] == 7


def test_a_layer_with_a_large_negative_bias_is_reported_dead():
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2)
    )
    with torch.no_grad():
        net[2].bias[:16] = -1e3  # half of layer 2's units forced dead
    x = torch.randn(512, 20)
    with Monitor(net) as monitor:
        net(x).sum().backward()
    rows = monitor.report()
    z = net[2](net[1](net[0](x)))
    truly_dead = (z <= 0).all(dim=0).float().mean().item()
    assert truly_dead >= 0.5
    assert rows[1]["dead_fraction"] == pytest.approx(truly_dead)
    message = next(w for w in monitor.warnings() if w.startswith("layer 2 "))
    assert f"{round(100 * truly_dead)}% of units dead" in message
    assert "on 512 samples" in message
    assert not any(w.startswith("layer 1 ") for w in monitor.warnings())


def test_twenty_layer_sigmoid_mlp_has_vanishing_gradients():
    from tests.diagnose.models import deep_mlp

    def run(depth: int) -> Monitor:
        torch.manual_seed(0)
        net = deep_mlp(nn.Sigmoid, depth=depth, width=64, inputs=40)
        x, y = torch.randn(256, 40), torch.randint(0, 10, (256,))
        with Monitor(net) as monitor:
            nn.functional.cross_entropy(net(x), y).backward()
        return monitor

    deep = run(20)
    rows = deep.report()
    assert len(rows) == 20
    assert rows[0]["grad_mean_abs"] / rows[-1]["grad_mean_abs"] < 1e-6
    assert rows[0]["grad_norm"] / rows[-1]["grad_norm"] < 1e-6
    assert any(w.startswith("vanishing gradients") for w in deep.warnings())
    assert not any("gradients" in w for w in run(2).warnings())


def test_nan_is_traced_to_the_first_layer_it_reaches():
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Linear(4, 4),
        nn.ReLU(),
        nn.Linear(4, 4),
        nn.Tanh(),
        nn.Linear(4, 4),
        nn.ReLU(),
        nn.Linear(4, 1),
    )
    with torch.no_grad():
        net[2].weight[0, 0] = float("nan")
    with Monitor(net) as monitor:
        net(torch.randn(8, 4)).sum().backward()
    assert monitor.first_nonfinite()["layer"] == 2
    assert monitor.warnings()[0].startswith(
        "NaN/inf first appears in the input of layer 2 (Tanh at 3)"
    )


def test_an_activation_that_overflows_is_named_as_the_source():
    net = nn.Sequential(nn.Identity(), nn.SELU())
    x = torch.tensor([[1.0, 3.3e38]])  # finite; SELU's scale 1.0507 overflows float32
    with Monitor(net) as monitor:
        net(x)
    assert monitor.report()[0]["nonfinite_out"] == 1
    assert "in the output of layer 1 (SELU at 1)" in monitor.warnings()[0]


def test_nonfinite_gradients_are_reported():
    net = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 3), nn.GELU(), nn.Linear(3, 1))
    with torch.no_grad():
        net[4].weight.fill_(float("inf"))
    with Monitor(net) as monitor:
        net(torch.randn(4, 3)).sum().backward()
    assert [r["nonfinite_grad"] > 0 for r in monitor.report()] == [True, True]
    assert any(
        w.startswith("NaN/inf gradients reach 2 of 2 layers, first (in the backward pass) layer 2")
        for w in monitor.warnings()
    )


@pytest.mark.parametrize("context", [torch.no_grad, torch.inference_mode])
def test_evaluation_passes_without_autograd_are_measured(context):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 5), nn.Tanh())
    x = torch.randn(6, 3)
    with Monitor(net) as monitor, context():
        y = net(x)
    row = monitor.report()[0]
    z = net[0](x).detach()
    assert row["mean_abs_d1"] == pytest.approx((1 - torch.tanh(z) ** 2).mean().item(), rel=1e-6)
    assert row["backward_passes"] == 0 and row["grad_norm"] is None
    assert not y.requires_grad


def test_lifecycle_pause_reset_and_detach():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(inplace=True))
    monitor = Monitor(net).attach()
    assert monitor.attach() is monitor and monitor.attached
    net(torch.randn(5, 3))
    with monitor.paused():
        net(torch.randn(7, 3))
    assert monitor.report()[0]["samples"] == 5
    monitor.reset()
    assert monitor.report() == []
    net(torch.randn(2, 3))
    assert monitor.report()[0]["samples"] == 2
    monitor.detach()
    net(torch.randn(9, 3))
    assert monitor.report()[0]["samples"] == 2
    assert not monitor.attached
    for module in net.modules():
        assert not module._forward_hooks and not module._forward_pre_hooks


def test_a_class_the_catalogue_lacks_is_differentiated_through_the_module(monkeypatch):
    monkeypatch.setitem(TORCH_ACTIVATIONS, nn.Tanh, (("no_such_entry",), ()))
    net = nn.Sequential(nn.Linear(3, 5), nn.Tanh())
    x = torch.randn(6, 3)
    with Monitor(net) as monitor:
        net(x)
    row = monitor.report()[0]
    assert row["activation"] is None
    z = net[0](x).detach().double().numpy()
    assert row["mean_abs_d1"] == pytest.approx(np.mean(1 - np.tanh(z) ** 2), rel=1e-6)


def test_models_without_activation_modules_say_so():
    from tests.diagnose.models import FunctionalMLP

    monitor = Monitor(FunctionalMLP())
    assert "no activation modules found" in monitor.warnings()[0]
    encoder = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)
    assert any("activation=actlab.make" in w for w in Monitor(encoder).warnings())


def test_bad_arguments_are_rejected():
    with pytest.raises(TypeError, match="nn.Module"):
        Monitor(lambda x: x)
    with pytest.raises(ValueError, match=r"\(0, ∞\)"):
        Monitor(nn.ReLU(), eps=0)
    with pytest.raises(TypeError, match="unknown threshold dedd"):
        Monitor(nn.Sequential(nn.ReLU())).warnings(dedd=0.5)


def test_selu_with_lecun_init_stays_self_normalised_through_twenty_layers():
    from tests.diagnose.models import deep_mlp

    def run(lecun: bool) -> Monitor:
        torch.manual_seed(0)
        net = deep_mlp(nn.SELU, depth=20, width=128, inputs=32, lecun=lecun)
        with Monitor(net) as monitor:
            net(torch.randn(256, 32)).sum().backward()
        return monitor

    lecun = run(lecun=True)
    rows = lecun.report()
    assert len(rows) == 20 and all(r["activation"] == "selu" for r in rows)
    for row in rows:
        assert abs(row["out_mean"]) < 0.1 and abs(row["out_var"] - 1) < 0.2, row["layer"]
        assert abs(row["pre_mean"]) < 0.1 and abs(row["pre_var"] - 1) < 0.2, row["layer"]
    assert not any("self-normalis" in w for w in lecun.warnings())
    # PyTorch's default init (weight variance 1/(3 fan_in)) leaves the fixed point
    default = run(lecun=False)
    assert default.report()[-1]["out_var"] < 0.1
    drift = [w for w in default.warnings() if w.startswith("self-normalisation drift in 20 layers")]
    assert len(drift) == 1 and "LeCun-normal init" in drift[0]


def test_conv1d_activations_count_channels_as_units():
    net = nn.Sequential(
        nn.Conv1d(2, 6, 3),
        nn.ReLU(),
        nn.Sequential(nn.Conv1d(6, 5, 3), nn.BatchNorm1d(5)),
        nn.Tanh(),
        nn.Flatten(),
        nn.Linear(5 * 6, 4),
        nn.GELU(),
    )
    with Monitor(net) as monitor:
        net(torch.randn(3, 2, 10))
    assert [(r["path"], r["units"]) for r in monitor.report()] == [("1", 6), ("3", 5), ("6", 4)]


def test_saturated_tanh_and_a_layer_no_gradient_reaches_are_reported():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(10, 16), nn.Tanh(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 1))
    with torch.no_grad():
        net[0].weight.mul_(20.0)  # |z| mostly far beyond 3, where tanh' < 0.01
        net[4].weight.zero_()  # nothing flows back into the ReLU's output
    with Monitor(net) as monitor:
        net(torch.randn(128, 10)).sum().backward()
    rows = monitor.report()
    assert rows[0]["saturated"] > 0.5 and rows[0]["inactive"] == 0
    found = monitor.warnings()
    assert any(
        w.startswith("layer 1 (Tanh at 1): ") and "in its flat tails" in w and "saturated" in w
        for w in found
    )
    assert any(w.startswith("no gradient reaches layer 2 (ReLU at 3)") for w in found)
    # a ReLU's zero region is inactive, not saturated, and no saturation warning
    assert rows[1]["inactive"] > 0 and rows[1]["saturated"] == 0
    assert not any(w.startswith("layer 2 ") and "saturated" in w for w in found)
