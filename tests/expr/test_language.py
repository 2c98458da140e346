"""The expression language: parsing, the canonical form, clear errors."""

from __future__ import annotations

import re

import pytest

from actlab.expr import ExpressionError, canonical, canonical_tree, parse
from actlab.search.space import Space, expression

EQUAL = [
    ("x*sigmoid(x)", "sigmoid(x)*x"),
    ("sigmoid(beta1*x)*x", "x * sigmoid(beta * x)"),
    ("x - x + max(0, x*x)", "x^2"),
    ("max(x, 0)", "relu(x)"),
    ("-(x - sin(x))", "sin(x) - x"),
    ("x*x*x", "x^3"),
    ("abs(-x)", "abs(x)"),
    ("sin(-x)", "-sin(x)"),
    ("cos(-x) + cos(abs(x))", "2*cos(x)"),
    ("2*x/4", "0.5*x"),
    ("sqrt(x^2)", "abs(x)"),
    ("x**2", "x^2"),
    ("max(x, 1, 3)", "max(3, x)"),
]
DIFFERENT = [
    ("x*sigmoid(x)", "x*sigmoid(beta*x)"),  # a learnable family is not its member
    ("relu(x)", "abs(x)"),
    ("x/(x + 1)", "x/(1 - x)"),
    ("sin(x)", "cos(x)"),
]


@pytest.mark.parametrize(("a", "b"), EQUAL)
def test_equal_expressions_have_one_canonical_text(a, b):
    assert canonical(a) == canonical(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_expressions_keep_different_texts(a, b):
    assert canonical(a) != canonical(b)


def test_the_canonical_form_is_a_fixed_point_over_a_whole_space():
    # every candidate of a core1 space: printing then parsing gives the same text again
    space = Space("core1", ("x", "neg", "square", "scale", "shift", "sigmoid", "relu", "sin"),
                  ("add", "mul", "sub", "div", "max", "sigmoid_mul", "mix"))  # fmt: skip
    for genome in space.genomes():
        text = canonical(expression(genome))
        assert canonical(text) == text, (genome, text)


def test_parameters_are_renamed_in_order_and_the_written_names_map_to_them():
    tree, mapping = canonical_tree("sin(beta3*x) + beta7*x")
    assert canonical("sin(beta3*x) + beta7*x") == "beta*x + sin(beta2*x)"
    assert mapping == {"beta7": "beta", "beta3": "beta2"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty expression"),
        ("x +", "ends too early"),
        ("foo(x)", "unknown name 'foo'"),
        ("sigmod(x)", "did you mean sigmoid"),
        ("x^x", "whole-number exponent"),
        ("x^20", "whole-number exponent"),
        ("max(x)", "two or more arguments"),
        ("sin(x, x)", "takes one argument"),
        ("x $ 2", "unexpected '$'"),
        ("(x", "expected ')'"),
    ],
)
def test_bad_text_is_an_error_naming_the_problem(text, message):
    with pytest.raises(ExpressionError, match=re.escape(message)):
        canonical(text)


def test_parse_keeps_the_written_structure():
    tree = parse("sigmoid(x)*x")
    assert tree.kind == "mul" and tree.children[0].kind == "fn"
