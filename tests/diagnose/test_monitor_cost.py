"""Monitor: inactive vs saturated, and what it costs: every=N, layers=, stats=, the device
ledger read once per report. Each claim is checked both ways."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from actlab.diagnose import Monitor
from actlab.diagnose.stats import LayerStats, Ledger

F64 = torch.float64


def relu_by_autograd() -> nn.Module:
    """ReLU as leaky_relu with slope 0: its f' comes from autograd, not the indicator path."""
    return nn.LeakyReLU(0.0)


def _mlp(act: type[nn.Module] = nn.ReLU, dtype=torch.float32) -> nn.Sequential:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(6, 16), act(), nn.Linear(16, 16), act(), nn.Linear(16, 3))
    with torch.no_grad():
        net[0].bias[:3] = -40.0  # three units of the first layer never fire
    return net.to(dtype)


def _inputs(count: int, dtype=torch.float32) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(3)
    return [torch.randn(32, 6, generator=gen, dtype=dtype) for _ in range(count)]


def _train(net: nn.Module, monitor: Monitor, batches: list[torch.Tensor]) -> None:
    with monitor:
        for x in batches:
            net(x).pow(2).mean().backward()


# -- inactive vs saturated -------------------------------------------------------------------
def test_relu_zeros_are_inactive_and_not_saturated():
    net = _mlp()
    monitor = Monitor(net)
    _train(net, monitor, _inputs(2))
    first, second = monitor.report()
    z = torch.cat([net[0](x) for x in _inputs(2)]).detach()
    assert first["inactive"] == pytest.approx(float((z <= 0).double().mean()), rel=1e-12)
    assert 0.1 < first["inactive"] < 0.9 and second["inactive"] > 0.1
    assert first["saturated"] == 0 and second["saturated"] == 0
    assert first["dead_fraction"] == pytest.approx(3 / 16)
    assert not any("flat tails" in w for w in monitor.warnings())


def test_sigmoid_on_large_inputs_is_saturated_and_not_inactive():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(6, 16), nn.Sigmoid(), nn.Linear(16, 1))
    with torch.no_grad():
        net[0].weight.mul_(40.0)  # |z| far beyond 4.6, where sigmoid' < 0.01 (and past 17,
        # where float32 sigmoid' underflows to 0: still saturated, not inactive)
    monitor = Monitor(net)
    _train(net, monitor, _inputs(2))
    (row,) = monitor.report()
    z = torch.cat([net[0](x) for x in _inputs(2)]).detach().double()
    d1 = torch.sigmoid(z) * torch.sigmoid(-z)
    assert row["inactive"] == 0
    assert row["saturated"] == pytest.approx(float((d1 < 1e-2).double().mean()), abs=1e-12)
    assert row["saturated"] > 0.5
    found = [w for w in monitor.warnings() if "flat tails" in w]
    assert len(found) == 1 and "saturated (0 < |f′(z)| < 0.01)" in found[0]
    assert "clipped" not in found[0]


def test_hardtanh_clipped_tails_are_inactive_and_still_warned_about():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(6, 16), nn.Hardtanh(), nn.Linear(16, 1))
    with torch.no_grad():
        net[0].weight.mul_(40.0)
    monitor = Monitor(net)
    _train(net, monitor, _inputs(1))
    (row,) = monitor.report()
    assert row["inactive"] > 0.5 and row["saturated"] == 0
    found = [w for w in monitor.warnings() if "flat tails" in w]
    assert len(found) == 1 and "clipped (f′(z) = 0)" in found[0]


def test_relu_indicator_path_equals_autograd_of_the_same_function():
    """ReLU's f' read off z > 0 gives the same numbers as autograd of the same function,
    NaN and exact zeros included."""
    batches = _inputs(3) + [torch.zeros(4, 6)]
    batches[1][0, 0] = float("nan")
    known, unknown = _mlp(nn.ReLU), _mlp(relu_by_autograd)
    watch_known, watch_unknown = Monitor(known), Monitor(unknown)
    _train(known, watch_known, batches)
    _train(unknown, watch_unknown, batches)
    for a, b in zip(watch_known.report(), watch_unknown.report(), strict=True):
        for key in ("dead_fraction", "on_rate", "inactive", "saturated", "mean_abs_d1"):
            assert a[key] == b[key], key
        assert (a["activation"], b["activation"]) == ("relu", "leaky_relu")
    assert watch_known.report()[0]["nonfinite_pre"] == 1


# -- every=N -------------------------------------------------------------------------------
def test_every_n_watches_one_step_in_n_and_those_exactly():
    batches = _inputs(7)
    net = _mlp()
    sampled = Monitor(net, every=3)
    _train(net, sampled, batches)
    reference_net = copy.deepcopy(net)
    reference = Monitor(reference_net)
    _train(reference_net, reference, [batches[i] for i in (0, 3, 6)])
    for got, want in zip(sampled.report(), reference.report(), strict=True):
        assert got["batches"] == 3 and got["backward_passes"] == 3
        for key, value in want.items():
            assert got[key] == value, key


def test_every_n_skips_paused_forwards_and_every_1_watches_all():
    net = _mlp()
    monitor = Monitor(net, every=2)
    with monitor:
        for x in _inputs(4):
            with monitor.paused():
                net(x)  # evaluation: neither watched nor counted
            net(x)
    assert monitor.report()[0]["batches"] == 2
    every = Monitor(net)
    _train(net, every, _inputs(4))
    assert every.report()[0]["batches"] == 4


def _layer_hooks(net: nn.Module) -> int:
    return sum(
        len(m._forward_pre_hooks) + len(m._forward_hooks) for m in net.modules() if m is not net
    )


def test_a_forward_that_every_n_skips_runs_with_no_layer_hook():
    net = _mlp()
    monitor = Monitor(net, every=3)
    seen = []
    with monitor:
        for x in _inputs(7):
            net(x).pow(2).mean().backward()
            seen.append(_layer_hooks(net))  # what the forward just made ran with
    # forwards 1, 4, 7 are watched (a pre and a post hook on each of the two ReLUs); the rest
    # find none: the model's own pre-hook took them off before the layers ran
    assert seen == [4, 0, 0, 4, 0, 0, 4]
    assert monitor.report()[0]["batches"] == 3
    assert _layer_hooks(net) == 0 and not net._forward_pre_hooks  # detached: all gone


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_every_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="every must be an integer >= 1"):
        Monitor(_mlp(), every=bad)


# -- layers= and stats= ----------------------------------------------------------------------
def test_layers_not_asked_for_get_no_hooks():
    net = _mlp()
    all_layers, one = Monitor(net), Monitor(net, layers=["3"])
    with all_layers:
        hooked_all = sum(len(m._forward_pre_hooks) for m in net.modules())
    with one:
        hooked_one = sum(len(m._forward_pre_hooks) for m in net.modules())
        net(_inputs(1)[0]).sum().backward()
    assert (hooked_all, hooked_one) == (3, 2)  # the model itself and each watched activation
    assert [r["path"] for r in one.report()] == ["3"]


def test_an_unknown_layer_or_statistic_is_named_with_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown layer '2'; valid: '1', '3'"):
        Monitor(_mlp(), layers=["2"])
    with pytest.raises(
        ValueError, match=r"unknown statistic 'gradients' \(did you mean 'gradient'"
    ):
        Monitor(_mlp(), stats=["gradients"])


def test_statistics_not_asked_for_are_none_and_the_rest_unchanged():
    batches = _inputs(2)
    full_net, part_net = _mlp(), _mlp()
    full, part = Monitor(full_net), Monitor(part_net, stats=["derivative"])
    _train(full_net, full, batches)
    _train(part_net, part, batches)
    kept = ("dead_fraction", "inactive", "saturated", "mean_abs_d1", "samples", "units")
    skipped = ("on_rate", "pre_mean", "pre_var", "out_mean", "out_var", "grad_norm")
    for got, want in zip(part.report(), full.report(), strict=True):
        assert all(got[key] == want[key] for key in kept)
        assert all(got[key] is None for key in skipped) and want["grad_norm"] > 0
        assert got["backward_passes"] == 0 and got["nonfinite_grad"] is None
    # nothing asked of the output: no forward hook on the activations at all
    with part:
        assert not any(len(m._forward_hooks) for m in part_net.modules() if m is not part_net)
    with full:
        assert any(len(m._forward_hooks) for m in full_net.modules() if m is not full_net)


def test_gradient_only_computes_no_derivative():
    net = _mlp()
    monitor = Monitor(net, stats=["gradient"])
    _train(net, monitor, _inputs(1))
    row = monitor.report()[0]
    assert row["mean_abs_d1"] is None and row["dead_fraction"] is None
    assert row["grad_norm"] > 0 and row["backward_passes"] == 1


# -- the device ledger ----------------------------------------------------------------------
def test_reports_made_midway_do_not_change_the_numbers():
    batches = _inputs(5, F64)
    net_a, net_b = _mlp(dtype=F64), _mlp(dtype=F64)
    once, often = Monitor(net_a), Monitor(net_b)
    _train(net_a, once, batches)
    with often:
        for x in batches:
            net_b(x).pow(2).mean().backward()
            often.report()
    assert often.report() == once.report()


def test_a_full_ledger_folds_its_rows_and_keeps_their_order():
    ledger = Ledger(3, rows=3)
    values = [[float(i), float(-i), float(2 * i)] for i in range(8)]
    for row in values[:5]:  # a row is written from pieces laid end to end
        ledger.append([torch.tensor(row[:2], dtype=F64), torch.tensor(row[2:], dtype=F64)])
    assert ledger.drain() == values[:5]
    for row in values[5:]:
        ledger.append([torch.tensor(row, dtype=F64)])
    assert ledger.drain() == values[5:] and ledger.drain() == []


def test_moments_merge_like_a_float64_recomputation_over_many_calls():
    stats = LayerStats(1, "a", 1, "ReLU", "relu", "", 1e-2, None)
    gen = torch.Generator().manual_seed(0)
    parts = [torch.randn(7, 5, generator=gen, dtype=F64) * s + s for s in range(1, 40)]
    for z in parts:
        stats.observe_input(z, None)
        stats.observe_output(z.clamp(min=0), dead_from_output=False)
    row = stats.row()
    everything = torch.cat(parts).numpy()
    assert row["pre_mean"] == pytest.approx(np.mean(everything), rel=1e-12)
    assert row["pre_var"] == pytest.approx(np.var(everything), rel=1e-12)
    assert row["out_var"] == pytest.approx(np.var(np.maximum(everything, 0)), rel=1e-12)
    assert row["batches"] == 39 and row["mean_abs_d1"] is None


def test_an_unbatched_1d_activation_keeps_its_per_unit_maximum():
    """With nothing to reduce, the per-unit maximum must not share memory with f' (which the
    counts overwrite in place)."""
    act = nn.Sequential(nn.Identity(), nn.Tanh()).double()
    z = torch.tensor([0.0, 1.0, 8.0, -9.0], dtype=F64)
    with Monitor(act) as monitor:
        act(z)
    (row,) = monitor.report()
    assert row["units"] == 4 and row["dead_fraction"] == pytest.approx(0.5)  # |z| > 3: dead
    assert row["saturated"] == pytest.approx(0.5) and row["inactive"] == 0


def test_nothing_asked_writes_nothing():
    net = _mlp()
    monitor = Monitor(net, stats=[])
    _train(net, monitor, _inputs(2))
    for row in monitor.report():
        assert row["batches"] == 2 and row["on_rate"] is None and row["pre_mean"] is None
        assert row["inactive"] is None and row["grad_norm"] is None


def test_a_layer_folds_a_full_ledger_into_totals_as_it_goes():
    from actlab.diagnose import stats as stats_module

    layer = LayerStats(1, "a", 1, "Tanh", "tanh", "", 1e-2, None)
    gen = torch.Generator().manual_seed(1)
    parts = [
        torch.randn(3, 4, generator=gen, dtype=F64) for _ in range(stats_module.LEDGER_ROWS + 5)
    ]
    for z in parts:
        layer.observe_input(z, None)
    assert layer._inputs.used == 5 and layer._inputs.spilled == []  # folded at 1024 rows
    assert layer.pre.count == 12 * stats_module.LEDGER_ROWS
    row = layer.row()
    assert row["pre_mean"] == pytest.approx(float(torch.cat(parts).mean()), rel=1e-12)
