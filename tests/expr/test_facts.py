"""Measured properties of expressions, checked against what is known of each function (both
ways: a function that has a property and one that lacks it), and `actlab show "expr:..."`."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

from actlab.cli import main
from actlab.expr import canonical_tree
from actlab.expr.facts import measure

SILU_MIN = -0.2784645427610738


def facts(text: str, **values: float):
    return measure(canonical_tree(text)[0], values or None)


def test_relu_and_its_mirror():
    relu = facts("max(x, 0)")
    assert (relu.low, relu.high, relu.limit_low, relu.limit_high) == (0.0, math.inf, 0.0, math.inf)
    assert relu.monotonic and not relu.zero_centred and relu.smoothness == "C^0"
    mirror = facts("min(x, 0)")
    assert (mirror.low, mirror.high) == (-math.inf, 0.0) and mirror.monotonic


def test_swish_dips_to_its_known_minimum_and_beta_scales_it():
    swish = facts("x*sigmoid(beta*x)")
    assert swish.low == pytest.approx(SILU_MIN, abs=1e-6) and swish.high == math.inf
    assert not swish.monotonic and swish.zero_centred and swish.smoothness == "C^∞"
    assert facts("x*sigmoid(beta*x)", beta=2.0).low == pytest.approx(SILU_MIN / 2, abs=1e-6)


def test_limits_settle_grow_or_do_not_exist():
    assert (facts("tanh(x)").limit_low, facts("tanh(x)").limit_high) == (-1.0, 1.0)
    atan = facts("atan(x)")
    assert atan.limit_high == pytest.approx(math.pi / 2, rel=1e-5)
    assert facts("log(x)").limit_high == math.inf  # slow growth is still growth
    assert facts("sqrt(x)").limit_high == math.inf
    assert facts("sin(x)").limit_high is None and facts("sin(x)").high == pytest.approx(1.0)
    assert facts("exp(-x^2)").limit_low == 0.0


def test_monotonic_and_zero_centred_both_ways():
    assert facts("x + sin(x)").monotonic and not facts("x + 2*sin(x)").monotonic
    assert facts("tanh(x)").zero_centred and not facts("sigmoid(x)").zero_centred
    assert not facts("x^2").zero_centred  # f(0) = 0 but never negative


def test_show_prints_the_measured_facts_and_values():
    result = CliRunner().invoke(main, ["show", "expr:sigmoid(beta*x)*x;beta=2", "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["name"] == "expr:x*sigmoid(beta*x)" and record["params"] == {"beta": 2.0}
    assert record["facts"]["low"] == pytest.approx(SILU_MIN / 2, abs=1e-6)
    for row in record["values"]:
        assert row["f"] == pytest.approx(row["f_ref"], rel=1e-12, abs=1e-15)
        assert row["d1"] == pytest.approx(row["d1_central"], rel=1e-5, abs=1e-7)
    text = CliRunner().invoke(main, ["show", "expr:max(x, sin(x))"], terminal_width=160).output
    assert "range [-1, ∞)" in text and "smoothness C^0" in text and "f(+∞) = ∞" in text
    bad = CliRunner().invoke(main, ["show", "expr:sigmod(x)"])
    assert bad.exit_code == 2 and "did you mean sigmoid" in bad.output
