"""The rational (PAU) init: accuracy of the fit, the cache, the safe denominator."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import actlab
from actlab.catalog.maths import rational as RA
from actlab.catalog.parse import parse_activation

GRID = np.linspace(-3.0, 3.0, 60_001)  # 15x denser than the fit's own points


def _max_fit_error(init: str) -> float:
    spec = actlab.get("rational")
    bound = spec.bind(init=init)
    with torch.no_grad():
        got = spec.apply(torch.tensor(GRID), bound).numpy()
    return float(np.abs(got - actlab.get(init).reference(GRID)).max())


@pytest.mark.parametrize(("init", "limit"), [("leaky_relu", 2e-2), ("gelu", 1e-3)])
def test_init_reproduces_its_target_on_the_interval(init, limit):
    err = _max_fit_error(init)
    assert err < limit, f"max |rational - {init}| on [-3, 3] = {err:.3g}"


def test_init_is_cached_in_memory_and_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("ACTLAB_DATA", str(tmp_path))
    monkeypatch.setattr(RA, "_MEMORY", {})
    first = RA.rational_init("tanh", 3, 2)
    files = list((tmp_path / "rational").glob("tanh-m3-n2-*.json"))
    assert len(files) == 1
    monkeypatch.setattr(RA, "_MEMORY", {})

    def no_refit(*args):
        raise AssertionError("refitted although the disk cache holds the coefficients")

    monkeypatch.setattr(RA, "fit_rational_coefficients", no_refit)
    assert RA.rational_init("tanh", 3, 2) == first


def test_fit_keeps_b1_zero_so_the_initial_shape_has_no_kink_at_zero():
    _, den = RA.rational_init("leaky_relu", 5, 4)
    assert den[0] == 0.0 and len(den) == 4


def test_safe_denominator_never_gives_nan_or_inf_for_wild_coefficients():
    g = torch.Generator().manual_seed(0)
    x = torch.cat([torch.randn(1000, generator=g) * 100, torch.tensor([0.0, 1e4, -1e4])])
    x.requires_grad_()
    num = torch.randn(6, generator=g, dtype=torch.float64) * 10
    den = torch.randn(4, generator=g, dtype=torch.float64) * 10
    y = actlab.functional.rational(x.double(), numerator=num, denominator=den)
    (grad,) = torch.autograd.grad(y.sum(), x)
    assert torch.isfinite(y).all() and torch.isfinite(grad).all()


def test_wrong_number_of_coefficients_names_the_sizes():
    with pytest.raises(ValueError, match="numerator needs 6 coefficients"):
        actlab.make("rational", numerator=(1.0, 2.0))


def test_init_must_be_a_catalogue_activation_with_close_matches():
    with pytest.raises(ValueError, match="leaky_relu"):
        actlab.make("rational", init="leaky_rlu")
    with pytest.raises(ValueError, match="elementwise"):
        actlab.make("rational", init="softmax")


def test_text_parameters_bind_as_strings():
    assert parse_activation("rational:init=leaky_relu") == ("rational", {"init": "leaky_relu"})
    assert parse_activation("mixture:bases=relu+tanh") == ("mixture", {"bases": "relu+tanh"})


def test_per_channel_coefficients_start_equal_and_act_per_channel():
    module = actlab.make("rational", num_parameters=3, init="gelu")
    assert module.numerator.shape == (3, 6) and module.denominator.shape == (3, 4)
    with torch.no_grad():
        module.numerator[1].zero_()  # channel 1 becomes f = 0
    x = torch.randn(5, 3, 7)
    y = module(x)
    assert (y[:, 1] == 0).all() and not (y[:, 0] == 0).all()
    torch.testing.assert_close(y[:, 0], actlab.functional.rational(x[:, 0], init="gelu"))
