"""Every rule of the table has a test: where it applies and where not, what it does to the
activation it is about, and, where the package can check it, the fact it rests on."""

from __future__ import annotations

import re

import numpy as np
import pytest

import actlab
from actlab.advise.rules import RULES, effect_on, expand, rules_by_id
from actlab.advise.setting import Setting

S = Setting
DEEP_PLAIN = S("mlp", 20, "none", False)
# rule id -> (a setting it applies to, one it does not, an activation it names, sign of the effect
# or 0 for a caution)
CASES = {
    "vanishing-saturating-deep": (DEEP_PLAIN, S("mlp", 20, "batch"), "sigmoid", -1),
    "sigmoid-not-zero-centred": (S(), S(), "sigmoid", -1),
    "relu-trains-deep-cnns": (S("cnn", 8), S("transformer", 8), "relu", 1),
    "prelu-he-init": (S("cnn", 8), S("mlp", 2), "prelu", 1),
    "dying-relu-deep": (DEEP_PLAIN, S("mlp", 20, "none", True), "leaky_relu", 1),
    "dead-relu-high-lr": (S(), S(), "relu", 0),
    "selu-self-normalising": (DEEP_PLAIN, S("mlp", 20, "layer"), "selu", 1),
    "selu-with-norm": (S("mlp", 4, "batch"), S("mlp", 4), "selu", -1),
    "elu-mean-shift": (S("mlp", 6), S("mlp", 6, "batch"), "elu", 1),
    "gelu-transformer": (S("transformer", 4), S("mlp", 4), "gelu", 1),
    "glu-transformer": (S("transformer", 4), S("cnn", 4), "swiglu", 1),
    "squared-relu-primer": (S("transformer", 4, task="generation"), S("transformer", 4), "squared_relu", 1),
    "swish-deeper-models": (S("resnet", 20), S("resnet", 4), "silu", 1),
    "swish-lower-lr": (S(), S(), "silu", 0),
    "mish-cnn": (S("cnn", 4), S("mlp", 4), "mish", 1),
    "survey-saturating-cnn": (S("cnn", 4), S("transformer", 4), "tanh", -1),
    "cheap-on-mobile": (S(target="mobile"), S(target="gpu"), "gelu", -1),
    "speed-piecewise-linear": (S(priority="speed"), S(priority="accuracy"), "relu", 1),
    "learnable-cost": (S(priority="speed"), S(priority="memory"), "rational", -1),
    "memory-one-bit": (S(priority="memory"), S(priority="speed"), "relu", 1),
    "stability-smooth-bounded-derivative": (S(priority="stability"), S(), "squared_relu", -1),
    "piecewise-linear-regression": (S(task="regression"), S(), "gelu", 1),
    "rnn-tanh": (S("rnn", 2), S("mlp", 2), "tanh", 1),
}  # fmt: skip


def test_every_rule_has_a_case_and_ids_are_unique():
    assert len(rules_by_id()) == len(RULES)
    assert set(CASES) == set(rules_by_id()), "a rule without a test (or a test without a rule)"


@pytest.mark.parametrize("rule_id", list(CASES))
def test_rule(rule_id):
    rule = rules_by_id()[rule_id]
    applies, not_applies, activation, sign = CASES[rule_id]
    assert rule.applies(applies)
    if applies != not_applies:
        assert not rule.applies(not_applies)
    effect = effect_on(rule, activation)
    assert effect is not None, f"{rule_id} does not name {activation}"
    assert np.sign(effect) == sign
    if sign == 0:
        assert rule.caution, f"{rule_id}: a rule without a score effect must carry a caution"
    # A real source: authors and a year (or this project's own measurement), and a finding.
    assert re.search(r"(19|20)\d\d", rule.source) or rule.source.startswith("actlab measurement")
    assert len(rule.finding) > 40
    for name in rule.targets():
        actlab.get(name)  # every activation it names is in the catalogue


def test_sources_cite_the_papers_named_in_the_issue():
    text = " ".join(r.source for r in RULES)
    for cited in ("He, Zhang, Ren & Sun", "Klambauer", "Hendrycks & Gimpel", "Shazeer",
                  "Glorot & Bengio", "Hochreiter", "Ramachandran", "Misra", "Dubey", "So, Mańke"):  # fmt: skip
        assert cited in text, cited


def test_short_source_keeps_authors_and_years():
    rule = rules_by_id()["vanishing-saturating-deep"]
    assert rule.short_source == "Hochreiter 1991; Glorot & Bengio 2010"


def test_family_selectors_expand_through_the_catalogue():
    names = expand(["family:saturating"])
    assert "sigmoid" in names and "tanh" in names and "relu" not in names


# -- the facts behind the rules, where the package can check them ---------------------------


def test_saturating_derivatives_are_at_most_a_quarter_and_one():
    x = np.linspace(-20, 20, 40001)
    assert np.max(actlab.get("sigmoid").ref_d1(x)) == pytest.approx(0.25)
    assert np.max(actlab.get("tanh").ref_d1(x)) == pytest.approx(1.0)
    assert actlab.get("sigmoid").ref_d1(np.array([10.0]))[0] < 1e-4  # saturated: f' -> 0
    assert actlab.get("tanh").ref_d1(np.array([10.0]))[0] < 1e-8


def test_sigmoid_is_not_zero_centred_and_tanh_is():
    assert not actlab.get("sigmoid").properties.zero_centred
    assert actlab.get("tanh").properties.zero_centred


def test_selu_is_the_self_normalising_entry():
    assert actlab.get("selu").properties.self_normalising


def test_squared_relu_has_an_unbounded_derivative_and_gelu_does_not():
    x = np.array([10.0, 1e3])
    np.testing.assert_allclose(actlab.get("squared_relu").ref_d1(x), 2 * x)
    assert (
        np.max(np.abs(actlab.get("gelu").ref_d1(np.linspace(-1e3, 1e3, 10001), approximate="none")))
        < 1.2
    )


def test_learnable_cost_rule_names_learnable_entries():
    for name in rules_by_id()["learnable-cost"].targets():
        assert actlab.get(name).learnable, name


def test_mobile_rule_counts_against_transcendental_and_for_piecewise_linear_units():
    rule = rules_by_id()["cheap-on-mobile"]
    transcendental = re.compile(r"e\^|\\tanh|\\sigma|\\Phi|erf|\\ln")
    for name, effect in rule.effect.items():
        uses = bool(transcendental.search(actlab.get(name).formula))
        assert (effect < 0) == uses, name  # exp/erf/tanh/log against; max/min/linear for


def test_memory_rule_matches_the_lean_kernels():
    for name in ("relu", "leaky_relu"):
        module = actlab.make(name, impl="lean")
        assert type(module).__name__.startswith("Lean")
