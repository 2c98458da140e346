"""Per-channel parameters along a chosen dim, PELU's positivity, spline outside its grid."""

from __future__ import annotations

import pytest
import torch

import actlab


@pytest.mark.parametrize("name", actlab.names("adaptive"))
def test_channels_last_dim_matches_channels_first(name):
    first = actlab.make(name, num_parameters=4)
    last = actlab.make(name, num_parameters=4, dim=-1)
    with torch.no_grad():  # make the channels differ, identically in both modules
        for p_first, p_last in zip(first.parameters(), last.parameters(), strict=True):
            noise = torch.randn(p_first.shape, generator=torch.Generator().manual_seed(0)) * 0.1
            p_first.add_(noise)
            p_last.copy_(p_first)
    x = torch.randn(2, 4, 5)
    torch.testing.assert_close(last(x.transpose(1, 2)).transpose(1, 2), first(x))
    assert "num_parameters=4" in repr(first)


@pytest.mark.parametrize("name", actlab.names("adaptive"))
def test_wrong_channel_count_is_a_clear_error(name):
    with pytest.raises(ValueError, match="3 per-channel parameters"):
        actlab.make(name, num_parameters=3)(torch.randn(2, 4))


def test_pelu_stays_positive_when_training_pushes_a_and_b_below_zero():
    module = actlab.make("pelu")
    with torch.no_grad():
        module.a.fill_(-2.0)
        module.b.fill_(-1.0)
    x = torch.tensor([-1.0, 2.0])
    floor = actlab.functional.pelu(x, a=0.1, b=0.1)
    torch.testing.assert_close(module(x), floor)


def test_spline_holds_its_edge_value_outside_the_grid_without_nan():
    coefs = torch.linspace(-1, 1, 8, dtype=torch.float64)
    x = torch.tensor([-torch.inf, -1e6, -3.0, 3.0, 1e6, torch.inf], dtype=torch.float64)
    x.requires_grad_()
    y = actlab.functional.spline(x, coefficients=coefs, w_base=0.0)
    (grad,) = torch.autograd.grad(y.sum(), x)
    assert torch.isfinite(y).all() and torch.isfinite(grad).all()
    assert y[0] == y[1] == y[2] and y[3] == y[4] == y[5] and y[2] != y[3]


def test_apl_slopes_bend_the_left_side_at_the_offsets():
    x = torch.tensor([-3.0, -1.5, 0.0, 2.0], dtype=torch.float64)
    y = actlab.functional.apl(x, hinges=1, slopes=(0.5,), offsets=(-1.0,))
    # relu(x) + 0.5 relu(-1 - x): 0.5*2 at -3, 0.5*0.5 at -1.5, 0 at 0, 2 at 2
    torch.testing.assert_close(y, torch.tensor([1.0, 0.25, 0.0, 2.0], dtype=torch.float64))


def test_mixture_bases_are_checked():
    with pytest.raises(ValueError, match="at least two"):
        actlab.make("mixture", bases="relu")
    with pytest.raises(ValueError, match="unknown activation"):
        actlab.make("mixture", bases="relu+tahn")
    with pytest.raises(ValueError, match="one logit per base"):
        actlab.make("mixture", bases="relu+tanh", weights=(0.0, 0.0, 0.0))


def test_a_mixture_first_used_without_autograd_still_gets_its_limits():
    """The bases' slopes at ±inf are read once from autograd: that must work when the first
    call comes under no_grad or inference_mode (a playground frame, an evaluation loop)."""
    from actlab.catalog.maths import mixture

    mixture.BASE_SLOPES.clear()
    x = torch.tensor([-float("inf"), 0.5, float("inf")])
    with torch.inference_mode():
        y = actlab.get("mixture")(x, bases="relu+tanh")
    assert y[0] == -0.5 and y[2] == float("inf")
