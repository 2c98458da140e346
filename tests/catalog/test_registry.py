"""The registry and the spec building blocks: lookups, errors, signatures, Interval and Param."""

from __future__ import annotations

import dataclasses
import inspect
import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import actlab
from actlab.catalog import (
    FAMILIES,
    INF,
    NONNEGATIVE,
    POSITIVE,
    REALS,
    ActivationSpec,
    Interval,
    Param,
    UnknownActivationError,
    register,
)

SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
ALIASES = [(alias, s.name) for s in actlab.specs() for alias in s.aliases]


# -- lookups --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("relu7", "relu6"),
        ("gleu", "gelu"),
        ("sigmod", "sigmoid"),
        ("leaky_rleu", "leaky_relu"),
        ("maxuot", "maxout"),
    ],
)
def test_unknown_name_raises_listing_close_matches(typo, meant):
    assert meant in actlab.names()
    with pytest.raises(UnknownActivationError) as err:
        actlab.get(typo)
    assert isinstance(err.value, KeyError) and isinstance(err.value, ValueError)
    message = str(err.value)
    assert message.startswith(f"unknown activation {typo!r}")  # str, not KeyError's repr
    assert repr(meant) in message.split("Did you mean", 1)[1]


def test_unknown_name_fails_the_same_way_everywhere():
    for call in (lambda: actlab.make("no_such_thing"), lambda: actlab.get("zzzzzz")):
        with pytest.raises(KeyError):
            call()
    with pytest.raises(AttributeError):
        actlab.functional.no_such_thing  # noqa: B018
    with pytest.raises(TypeError, match="must be a string"):
        actlab.get(3)


def test_the_catalogue_has_aliases_to_check():
    assert ALIASES, "no spec declares an alias"


@pytest.mark.parametrize(("alias", "name"), ALIASES, ids=[a for a, _ in ALIASES])
def test_alias_resolves_to_the_same_spec_function_and_module(alias, name):
    assert actlab.get(alias) is actlab.get(name)
    assert getattr(actlab.functional, alias) is getattr(actlab.functional, name)
    assert type(actlab.make(alias)) is type(actlab.make(name))


def test_lookup_ignores_case_hyphens_and_spaces():
    assert actlab.get("Leaky-ReLU") is actlab.get("leaky_relu")
    assert actlab.get("  RELU6 ") is actlab.get("relu6")


def test_names_and_aliases_are_unique_and_snake_case():
    names = actlab.names()
    labels = names + [a for a, _ in ALIASES]
    assert len(set(labels)) == len(labels), "a name or alias is registered twice"
    bad = [label for label in labels if not SNAKE.match(label)]
    assert not bad, f"not snake_case: {bad}"


def test_names_are_listed_by_family_in_table_order():
    names = actlab.names()
    assert names and all(isinstance(n, str) for n in names)
    by_family = [n for fam in FAMILIES for n in actlab.names(fam)]
    assert sorted(by_family) == sorted(names)
    for fam in FAMILIES:
        sub = actlab.names(fam)
        assert all(actlab.get(n).family == fam for n in sub)
        assert sub == [n for n in names if n in sub], "family listing changes table order"
    assert [s.name for s in actlab.specs()] == names


def test_register_refuses_duplicates_and_bad_names_without_changing_the_table():
    before = actlab.names()
    relu = actlab.get("relu")
    with pytest.raises(ValueError, match="registered twice"):
        register(relu)
    with pytest.raises(ValueError, match="registered twice"):
        register(dataclasses.replace(relu, name="relu_copy", aliases=("swish",)))
    with pytest.raises(ValueError, match="snake_case"):
        register(dataclasses.replace(relu, name="ReluCopy", aliases=()))
    assert actlab.names() == before
    with pytest.raises(UnknownActivationError):
        actlab.get("relu_copy")


def test_spec_rejects_unknown_family_and_duplicate_params():
    relu = actlab.get("relu")
    with pytest.raises(ValueError, match="family 'relu_like'"):
        dataclasses.replace(relu, family="relu_like")
    p = Param("alpha", 1.0)
    with pytest.raises(ValueError, match="duplicate parameter"):
        dataclasses.replace(relu, params=(p, p))
    with pytest.raises(ValueError, match="elementwise specs need ref_d1"):
        dataclasses.replace(relu, ref_d1=None)


# -- the generated forms --------------------------------------------------------------------


@pytest.mark.parametrize("spec", actlab.specs(), ids=lambda s: s.name)
def test_functional_exists_with_the_specs_signature(spec):
    fn = getattr(actlab.functional, spec.name)
    assert fn.__name__ == spec.name and spec.summary in fn.__doc__
    params = list(inspect.signature(fn).parameters.values())
    assert params[0].name == "x" and params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    want = [(p.name, p.default) for p in spec.params] + (
        [("training", False)] if spec.stochastic else []
    )
    assert [(p.name, p.default) for p in params[1:]] == want
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:])


@pytest.mark.parametrize("spec", actlab.specs(), ids=lambda s: s.name)
def test_nothing_returns_none(spec):
    x = torch.randn(4, 12, generator=torch.Generator().manual_seed(0))
    assert isinstance(actlab.get(spec.name), ActivationSpec)
    assert isinstance(getattr(actlab.functional, spec.name)(x), torch.Tensor)
    assert isinstance(actlab.make(spec.name).eval()(x), torch.Tensor)
    assert isinstance(spec.reference(x.double().numpy()), np.ndarray)


def test_out_of_range_param_raises_value_error_naming_the_range():
    with pytest.raises(ValueError, match=re.escape("'negative_slope' must be a number in [0, ∞)")):
        actlab.make("leaky_relu", negative_slope=-0.1)
    with pytest.raises(ValueError, match=re.escape("'pieces' must be an integer in [2, ∞)")):
        actlab.functional.maxout(torch.zeros(2, 4), pieces=1)
    with pytest.raises(ValueError, match="lower .* must not exceed upper"):
        actlab.make("rrelu", lower=0.5, upper=0.1)


def test_unknown_param_raises_type_error_listing_the_valid_ones():
    with pytest.raises(TypeError, match=r"'slope'.*Valid parameters: negative_slope"):
        actlab.make("leaky_relu", slope=0.1)
    with pytest.raises(TypeError, match=r"did you mean 'negative_slope'"):
        actlab.functional.leaky_relu(torch.zeros(3), negative_slop=0.1)
    with pytest.raises(TypeError, match="Valid parameters: none"):
        actlab.make("relu", inplace=True)
    with pytest.raises(TypeError):  # params are keyword-only
        actlab.functional.leaky_relu(torch.zeros(3), 0.1)


# -- learnable parameters per channel -------------------------------------------------------


def test_prelu_with_one_slope_per_channel_matches_torch():
    module = actlab.make("prelu", num_parameters=3)
    assert module.weight.shape == (3,) and torch.equal(
        module.weight.detach(), torch.full((3,), 0.25)
    )
    weights = torch.tensor([0.1, 0.5, 2.0])
    with torch.no_grad():
        module.weight.copy_(weights)
    x = torch.randn(2, 3, 4, 5, generator=torch.Generator().manual_seed(0))
    y = module(x)
    assert torch.equal(y, F.prelu(x, weights))
    neg = x[:, 2] < 0
    assert torch.equal(y[:, 2][neg], 2.0 * x[:, 2][neg])  # channel 2 really uses its own slope
    y.sum().backward()
    assert module.weight.grad.shape == (3,)
    assert repr(module) == "PReLU(num_parameters=3, weight=(0.1, 0.5, 2))"  # the live slopes


def test_num_parameters_is_checked():
    with pytest.raises(TypeError, match="no learnable parameter"):
        actlab.make("relu", num_parameters=3)
    for bad in (0, -1, True, 2.5):
        with pytest.raises(ValueError, match="num_parameters must be an integer >= 1"):
            actlab.make("prelu", num_parameters=bad)


# -- Interval and Param ---------------------------------------------------------------------


def test_interval_contains_respects_open_and_closed_ends():
    closed, half_open = Interval(0.0, 1.0), Interval(0.0, 1.0, low_open=True)
    assert closed.contains(0.0) and closed.contains(1.0) and closed.contains(0.5)
    assert not half_open.contains(0.0) and half_open.contains(1.0)
    assert not closed.contains(-1e-300) and not closed.contains(1.0 + 1e-15)
    assert not closed.contains(math.nan) and not REALS.contains(math.nan)
    assert REALS.contains(-1e308) and not REALS.contains(INF) and not REALS.contains(-INF)
    assert POSITIVE.contains(1e-300) and not POSITIVE.contains(0.0) and NONNEGATIVE.contains(0.0)
    assert (NONNEGATIVE.bounded_below, NONNEGATIVE.bounded_above) == (True, False)
    with pytest.raises(ValueError, match="empty interval"):
        Interval(2.0, 1.0)


def test_interval_str():
    assert str(REALS) == "(-∞, ∞)"
    assert str(POSITIVE) == "(0, ∞)"
    assert str(NONNEGATIVE) == "[0, ∞)"
    assert str(Interval(-1.0, 0.5, high_open=True)) == "[-1, 0.5)"
    assert str(Interval(0.0, 6.0)) == "[0, 6]"


def test_param_check_converts_and_rejects():
    alpha = Param("alpha", 1.0, POSITIVE)
    assert alpha.check(2, "elu") == 2.0 and isinstance(alpha.check(2, "elu"), float)
    assert alpha.check(np.float32(0.5), "elu") == 0.5
    with pytest.raises(
        ValueError, match=re.escape("elu: parameter 'alpha' must be a number in (0, ∞); got 0.0")
    ):
        alpha.check(0.0, "elu")
    with pytest.raises(ValueError, match="must be a number in"):
        alpha.check(math.nan, "elu")
    for wrong in (True, "1.0", None, [1.0]):
        with pytest.raises(TypeError, match="must be a number"):
            alpha.check(wrong, "elu")
    with pytest.raises(TypeError, match="not a tensor"):
        alpha.check(torch.tensor(1.0), "elu")


def test_int_param_check():
    pieces = Param("pieces", 2, Interval(2.0, INF), kind=int)
    assert pieces.describe_valid() == "an integer in [2, ∞)"
    got = pieces.check(np.int64(3), "maxout")
    assert got == 3 and type(got) is int
    for wrong in (2.0, True, "2"):
        with pytest.raises(TypeError, match="must be an integer"):
            pieces.check(wrong, "maxout")
    with pytest.raises(ValueError, match=re.escape("an integer in [2, ∞); got 1")):
        pieces.check(1, "maxout")


def test_choice_and_learnable_param_check():
    approx = Param("approximate", "none", kind=str, choices=("none", "tanh"))
    assert approx.check("tanh", "gelu") == "tanh"
    with pytest.raises(ValueError, match="must be one of 'none', 'tanh'; got 'fast'"):
        approx.check("fast", "gelu")
    weight = Param("weight", 0.25, NONNEGATIVE, learnable=True)
    t = torch.tensor([0.0, 0.5, 3.0], requires_grad=True)
    assert weight.check(t, "prelu") is t  # a learnable tensor passes through, graph intact
    with pytest.raises(ValueError, match=re.escape("must lie in [0, ∞)")):
        weight.check(torch.tensor([0.1, -0.1]), "prelu")
