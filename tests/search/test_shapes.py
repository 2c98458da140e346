"""Shape classes measured from a candidate's values on the fingerprint grid, both ways."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.search.families import SHAPE_CLASSES, class_shares, classify, shape_class
from actlab.search.fingerprint import GRID, Pool

X = GRID


def _sig(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _values(text: str) -> tuple[float, ...]:
    """The values the search itself stores for an expression (its fingerprint at β = 1)."""
    found = Pool().add(text)
    assert found is not None, text
    return found.values


@pytest.mark.parametrize(
    "name, values",
    [
        ("relu", np.maximum(X, 0.0)),
        ("leaky relu 0.01", np.where(X > 0, X, 0.01 * X)),
        ("leaky relu 0.2", np.where(X > 0, X, 0.2 * X)),
        ("elu", np.where(X > 0, X, np.expm1(np.minimum(X, 0.0)))),
        ("softplus", np.logaddexp(0.0, X)),
        ("relu + 3", np.maximum(X, 0.0) + 3.0),
        ("2 relu", 2.0 * np.maximum(X, 0.0)),
    ],
)
def test_rectifiers_written_in_numpy_are_relu_like(name, values):
    assert classify(values) == ("relu-like", "f(x)"), name


@pytest.mark.parametrize("text", ["relu(x)", "max(x, sigmoid(x))", "max(x, tanh(x))"])
def test_expressions_of_relu_shape_are_relu_like(text):
    assert shape_class(_values(text)) == "relu-like"


@pytest.mark.parametrize(
    "text", ["x*sigmoid(x)", "x*sigmoid(2*x)", "x*sigmoid(0.5*x)", "x*erf(x)/2 + x/2"]
)
def test_swish_and_gelu_are_swish_like(text):
    assert classify(_values(text)) == ("swish-like", "f(x)")


def test_max_x_sin_x_dips_so_it_is_swish_like():
    assert shape_class(_values("max(x, sin(x))")) == "swish-like"


@pytest.mark.parametrize(
    "text, orientation",
    [
        ("-x*sigmoid(x)", "-f(x)"),  # Swish negated: the next layer's weights flip the sign
        ("x*sigmoid(-x)", "-f(-x)"),  # = -swish(-x)
        ("min(x, 0)", "-f(-x)"),  # = -relu(-x)
        ("relu(-x)", "f(-x)"),
        ("min(x, sin(x))", "-f(-x)"),  # the paper's; = -max(-x, sin(-x)) with x -> -x
    ],
)
def test_signs_the_weights_absorb_are_reported(text, orientation):
    name, found = classify(_values(text))
    assert name in ("relu-like", "swish-like")
    assert found == orientation


@pytest.mark.parametrize(
    "text, expected",
    [
        ("x + sin(x)", "linear+periodic"),
        ("cos(x) - x", "linear+periodic"),
        ("sinc(x) + x", "linear+periodic"),
        ("sin(x)", "periodic"),
        ("x", "linear"),
        ("2*x + 1", "linear"),
        ("x^2", "other"),
        ("tanh(x)", "other"),
        ("abs(x)", "other"),
        ("sigmoid(x)", "other"),
        ("exp(x)", "other"),
    ],
)
def test_non_rectifiers_are_not_relu_or_swish_like(text, expected):
    assert shape_class(_values(text)) == expected


def test_a_steep_leak_a_bent_tail_or_a_bump_is_not_relu_like():
    assert shape_class(np.where(X > 0, X, 0.5 * X)) != "relu-like"  # slope 0.5 below 0
    assert shape_class(np.maximum(X, 0.0) ** 2) != "relu-like"  # grows like x², not x
    assert shape_class(np.maximum(X, 0.0) + 2.0 * np.exp(-(X**2))) not in (
        "relu-like",
        "swish-like",
    )


def test_non_finite_values_are_other_and_a_wrong_length_is_an_error():
    values = np.maximum(X, 0.0)
    values[3] = np.nan
    assert classify(values) == ("other", "f(x)")
    with pytest.raises(ValueError, match="fingerprint grid"):
        shape_class([0.0, 1.0, 2.0])


def test_class_shares_count_each_class_in_the_top():
    classes = ["swish-like"] * 6 + ["relu-like"] * 2 + ["periodic"] * 4 + ["other"] * 10
    shares = class_shares(classes)
    assert shares["top 10"] == {"relu-like": 2, "swish-like": 6, "periodic": 2}
    assert shares["top 20"] == {"relu-like": 2, "swish-like": 6, "periodic": 4, "other": 8}
    assert set(SHAPE_CLASSES) >= set(shares["top 20"])
