"""Expression activations in experiment grids: the grammar, `actlab compare`, learned β."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from actlab.cli import main
from actlab.experiments.grammar import GrammarError, activation_choices, split_list


def test_lists_split_outside_parentheses_and_settings_follow_a_semicolon():
    entries = split_list(
        "relu,expr:max(x, 0),expr:x*sigmoid(beta*x);beta=0.5|2,learnable=false,gelu"
    )
    assert entries == [
        "relu",
        "expr:max(x, 0)",
        "expr:x*sigmoid(beta*x);beta=0.5|2,learnable=false",
        "gelu",
    ]
    choices = activation_choices(entries)
    assert [c.label for c in choices] == [
        "relu", "expr:relu(x)", "expr:x*sigmoid(beta*x);beta=0.5,learnable=false",
        "expr:x*sigmoid(beta*x);beta=2,learnable=false", "gelu",
    ]  # fmt: skip
    swept = choices[2]
    assert swept.name == "expr:x*sigmoid(beta*x)" and swept.params == {
        "beta": 0.5,
        "learnable": False,
    }


def test_equal_expressions_are_one_run_identity():
    a, b = activation_choices(["expr:sigmoid(beta*x)*x", "expr:x * sigmoid(beta1 * x)"])
    assert (a.label, a.name, a.params) == (b.label, b.name, b.params)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("expr:x*sigmod(x)", "did you mean sigmoid"),
        ("expr:x*sigmoid(beta*x);gamma=2", "its settings: beta=NUMBER, learnable=true|false"),
        ("expr:relu(x);learnable=false", "no parameter"),
        ("expr:relu(x)@lean", "native implementation only"),
    ],
)
def test_bad_expression_entries_name_the_problem(entry, message):
    with pytest.raises(GrammarError, match=message.replace("|", "\\|")):
        activation_choices([entry])


def test_compare_trains_expressions_and_records_the_learned_beta(tmp_path):
    from actlab.experiments import from_dict, run_experiment

    activations = "relu,expr:x*sigmoid(beta*x),expr:max(x, sin(x))"
    flags = ["compare", "--activations", activations, "--dataset", "moons", "--epochs", "2",
             "--seeds", "2", "--hidden", "8", "--workers", "1", "--dry-run", "--json"]  # fmt: skip
    dry = CliRunner().invoke(main, flags)
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["activations"] == split_list(activations)
    config = from_dict({"activations": activations, "dataset": "moons", "epochs": 2, "seeds": 2,
                        "hidden": 8, "workers": 1, "out": str(tmp_path / "cmp")})  # fmt: skip
    result = run_experiment(config)  # what `actlab compare` runs before writing its report
    assert {row.activation for row in result.summary} == {
        "relu",
        "expr:x*sigmoid(beta*x)",
        "expr:max(x, sin(x))",
    }
    assert not result.failed
    learned = [r.learned for r in result.records if r.config.label == "expr:x*sigmoid(beta*x)"]
    assert len(learned) == 2 and all(rows and set(rows[0].learned) == {"beta"} for rows in learned)
    assert all(rows[0].learned["beta"] != [1.0] for rows in learned)  # β moved while training
    assert all(not r.learned for r in result.records if r.config.label != "expr:x*sigmoid(beta*x)")
