"""The search space and the candidate filter: sizes, operations, fingerprint dedupe, drops."""

from __future__ import annotations

import random

import pytest

from actlab.expr import canonical
from actlab.search.config import SearchConfigError, from_dict
from actlab.search.fingerprint import Pool
from actlab.search.space import BINARY, UNARY, Space, SpaceError, expression, list_ops
from actlab.search.strategies import crossover, exhaustive, mutate


def test_the_papers_operation_sets():
    assert len(UNARY) == 25 and len(BINARY) == 10
    assert Space().size == 25 * 25 * 10
    assert Space("core2", ("x", "sin"), ("add",)).size == (2 * 2 * 1) * (2 * 2 * 2 * 2 * 1)
    names = {row["name"] for row in list_ops()}
    assert {"x", "neg", "abs", "square", "sigmoid", "tanh", "relu", "sin", "exp", "erf"} <= names
    assert {"add", "mul", "sub", "max", "min"} <= names


def test_genomes_become_expressions_with_one_beta_per_operation():
    assert canonical(expression(("scale", "x", "sigmoid_mul"))) == "x*sigmoid(beta*x)"
    mix = expression(("x", "sin", "mix"))  # β and 1 - β are one parameter
    assert mix.count("beta") == 2 and "beta2" not in mix
    assert "beta2" in expression(("scale", "scale", "add"))


def test_unknown_operations_are_named_with_close_matches():
    with pytest.raises(SpaceError, match="did you mean sigmoid"):
        Space("core1", ("x", "sigmod"), ("add",))
    with pytest.raises(SearchConfigError, match="needs max_candidates"):
        from_dict({"strategy": "random"})
    with pytest.raises(SearchConfigError, match="too many to enumerate"):
        from_dict({"space": "core2"})
    with pytest.raises(SearchConfigError, match="unknown search setting 'rung'"):
        from_dict({"rung": "1:1"})


def test_equal_functions_are_scored_once():
    pool = Pool()
    first = pool.add("x*sigmoid(x)")
    assert pool.add("sigmoid(x)*x") is first  # equal canonical text
    assert pool.add("x - x*sigmoid(-x)") is first  # equal on the fingerprint grid
    relu = pool.add("max(x, 0)")
    assert pool.add("(x + abs(x))/2") is relu and pool.add("max(x, relu(x))") is relu
    assert pool.add("x*sigmoid(beta*x)") is not first  # a learnable family differs
    summary = pool.summary()
    assert summary["distinct"] == 3 and summary["duplicates"] == 3
    assert relu.expression == "relu(x)"
    assert sorted(relu.members) == ["0.5*(x + abs(x))", "max(x, relu(x))"]


def test_the_shortest_text_represents_its_group():
    pool = Pool()
    long = pool.add("x - x*sigmoid(-x)")
    assert pool.add("x*sigmoid(x)") is long and long.expression == "x*sigmoid(x)"
    assert long.members == ["x - x*sigmoid(-x)"]


def test_constant_and_non_finite_candidates_are_dropped():
    pool = Pool()
    assert pool.add("sigmoid(x) - sigmoid(x)") is None  # x - x folds to 0
    assert pool.add("cos(x)^2 + sin(x)^2") is None  # constant on the grid, not by algebra
    assert pool.add("exp(x)^4") is None  # e^120 overflows float32 at x = 100
    summary = pool.summary()
    assert (summary["constant"], summary["non_finite"], summary["distinct"]) == (2, 1, 0)


def test_exhaustive_enumeration_filters_a_small_space():
    pool = Pool()
    found = exhaustive(Space("core1", ("x", "neg", "sigmoid", "relu"), ("add", "mul", "max")), pool)
    texts = {c.expression for c in found}
    assert len(texts) == len(found) == pool.summary()["distinct"]
    assert {"x*sigmoid(x)", "relu(x)"} <= texts
    assert pool.summary()["proposed"] == 4 * 4 * 3


def test_mutation_and_crossover_keep_genomes_valid():
    space = Space("core2", ("x", "sin", "relu"), ("add", "max"))
    rng = random.Random(0)
    for _ in range(50):
        a, b = space.sample(rng), space.sample(rng)
        child = mutate(space, crossover(a, b, rng), rng)
        assert all(g in choices for g, choices in zip(child, space.genes, strict=True))
        assert sum(x != y for x, y in zip(mutate(space, a, rng), a, strict=True)) == 1


def test_every_stage_runs_where_the_search_says(tmp_path):
    from pathlib import Path

    from actlab.search.stages import stage_config

    config = from_dict({"backend": "ray", "cpus_per_run": 0.5, "max_retries": 1, "workers": 3})
    stage = stage_config(config, ["relu", "expr:x*sigmoid(beta*x)"], 2, 3, Path(tmp_path))
    assert (stage.backend, stage.cpus_per_run, stage.max_retries, stage.workers) == (
        "ray",
        0.5,
        1,
        3,
    )
    assert stage.seeds == (0, 1, 2) and stage.training.epochs == 2
    assert stage.model_options == {"hidden": 128, "depth": 3} and stage.baseline == "relu"
    other = stage_config(config, ["relu"], 1, 1, Path(tmp_path), "mnist1d", "mnist1d_cnn")
    assert other.model_options == {}  # another model takes its own defaults
    with pytest.raises(SearchConfigError, match="of the Ray backend"):
        from_dict({"ray_address": "auto"})
