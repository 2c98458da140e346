"""Every PyTorch activation class maps to the catalogue entry (and parameters) it computes."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

import actlab
from actlab.diagnose import Monitor, swap
from actlab.diagnose.resolve import TORCH_ACTIVATIONS, computes, resolve

# One instance per class in the table, with non-default parameters where there are any.
INSTANCES = [
    (nn.ReLU(), "relu"),
    (nn.ReLU(inplace=True), "relu"),
    (nn.ReLU6(), "relu6"),
    (nn.LeakyReLU(0.2), "leaky_relu"),
    (nn.PReLU(3, init=0.1), "prelu"),
    (nn.RReLU(0.1, 0.3).eval(), "rrelu"),
    (nn.Threshold(0.5, -1.0), "threshold"),
    (nn.ELU(0.5), "elu"),
    (nn.SELU(), "selu"),
    (nn.CELU(0.7), "celu"),
    (nn.GELU(), "gelu"),
    (nn.GELU(approximate="tanh"), "gelu"),
    (nn.SiLU(), "silu"),
    (nn.Mish(), "mish"),
    (nn.Softplus(2.0, 10.0), "softplus"),
    (nn.Sigmoid(), "sigmoid"),
    (nn.Tanh(), "tanh"),
    (nn.Hardtanh(-2.0, 3.0), "hardtanh"),
    (nn.Hardswish(), "hardswish"),
    (nn.Hardsigmoid(), "hardsigmoid"),
    (nn.Softsign(), "softsign"),
    (nn.Tanhshrink(), "tanhshrink"),
    (nn.LogSigmoid(), "logsigmoid"),
    (nn.Hardshrink(0.3), "hardshrink"),
    (nn.Softshrink(0.3), "softshrink"),
    (nn.GLU(dim=-1), "glu"),
]
IDS = [repr(m) for m, _ in INSTANCES]


def test_every_class_in_the_table_is_tested():
    assert {type(m) for m, _ in INSTANCES} == set(TORCH_ACTIVATIONS)


@pytest.mark.parametrize("module, name", INSTANCES, ids=IDS)
def test_the_catalogue_entry_computes_what_the_module_computes(module, name):
    module = copy.deepcopy(module).double()
    resolved = resolve(module)
    assert resolved is not None and resolved.spec.name == name
    x = torch.randn(64, 3, 6, dtype=torch.float64) * 3
    expected = module(x.clone())
    got = resolved.spec.apply(x, resolved.params(module))
    torch.testing.assert_close(got, expected, rtol=1e-15, atol=0)


@pytest.mark.parametrize(
    "module, name",
    [(m, n) for m, n in INSTANCES if n != "glu"],
    ids=[i for i, (_, n) in zip(IDS, INSTANCES, strict=True) if n != "glu"],
)
def test_the_monitor_uses_the_catalogue_derivative(module, name):
    module = copy.deepcopy(module).double()
    resolved = resolve(module)
    x = torch.randn(256, 3, dtype=torch.float64) * 3
    with Monitor(nn.Sequential(nn.Identity(), module)) as monitor:
        monitor.model(x.clone())
    params = {
        k: (v.numpy() if isinstance(v, torch.Tensor) else v)
        for k, v in resolved.params(module).items()
        if k != "training"
    }
    d1 = np.abs(resolved.spec.reference_d1(x.numpy(), **params))
    row = monitor.report()[0]
    assert row["activation"] == name
    # rel 1e-7: some native float64 backward kernels use float32 constants (hardsigmoid's
    # 1/6, celu's 1/alpha; see the catalogue's notes); a wrong mapping is off by far more
    assert row["mean_abs_d1"] == pytest.approx(np.mean(d1), rel=1e-7)
    # f' = 0 is inactive for piecewise entries; a smooth one's zeros are underflowed tails
    zeros = int(np.sum(d1 == 0)) if resolved.spec.kinks else 0
    assert row["inactive"] == pytest.approx(zeros / d1.size, abs=0)
    assert row["saturated"] == pytest.approx((np.sum(d1 < 1e-2) - zeros) / d1.size, abs=0)


def test_gelu_tanh_matches_both_gelu_names():
    assert resolve(nn.GELU(approximate="tanh")).describe_params() == "approximate='tanh'"
    net = nn.Sequential(nn.GELU(), nn.GELU(approximate="tanh"))
    assert computes(net[1], actlab.get("gelu_tanh")) and not computes(
        net[0], actlab.get("gelu_tanh")
    )
    assert [r.path for r in swap(net, "gelu_tanh", "elu")] == ["1"]
    net = nn.Sequential(nn.GELU(), nn.GELU(approximate="tanh"))
    assert [r.path for r in swap(net, "gelu", "elu")] == ["0", "1"]


def test_non_activations_resolve_to_nothing():
    assert resolve(nn.Linear(2, 2)) is None and resolve(nn.Softmax(dim=1)) is None


@pytest.mark.parametrize("name", actlab.names())
def test_every_catalogue_module_is_monitored_with_its_own_derivative(name):
    spec = actlab.get(name)
    module = actlab.make(name).double().eval()
    x = torch.randn(128, 4, dtype=torch.float64) * 2
    with Monitor(nn.Sequential(nn.Identity(), module)) as monitor:
        y = monitor.model(x)
        if y.requires_grad:
            y.sum().backward()
    row = monitor.report()[0]
    assert row["activation"] == name and row["samples"] == 128
    if not spec.elementwise:
        assert row["mean_abs_d1"] is None and row["dead_fraction"] is not None
        return
    d1 = np.abs(spec.reference_d1(x.numpy()))
    assert row["mean_abs_d1"] == pytest.approx(np.mean(d1), rel=1e-7)
