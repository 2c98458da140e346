"""State validation and the URL form: every control, its range, and the round trip."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

import actlab
from actlab.playground import controls
from actlab.playground.controls import (
    MAX_LAYERS,
    MAX_QUERY_CHARS,
    MAX_WIDTH,
    NUMBERS,
    LayerActivation,
    PlaygroundState,
    parse_activation,
    parse_query,
    playground_activations,
    schema,
)
from actlab.playground.server import MAX_MESSAGE_CHARS


def test_defaults_round_trip_through_the_url():
    state = PlaygroundState()
    parsed, errors = parse_query(state.to_query())
    assert errors == []
    assert parsed == state


def test_every_setting_is_read_and_written_back():
    query = (
        "dataset=spiral&noise=0.2&points=300&train=0.7&dseed=5&features=x2,x1,sinx1"
        "&layers=8,6,3&act=relu,leaky_relu:negative_slope=0.2,sigmoid"
        "&lr=0.1&batch=25&opt=adam&l2=0.001&loss=cross_entropy&seed=42"
    )
    state, errors = parse_query(query)
    assert errors == []
    assert (state.dataset, state.noise, state.points, state.train_ratio, state.data_seed) == (
        "spiral",
        0.2,
        300,
        0.7,
        5,
    )
    assert state.features == ("x1", "x2", "sinx1")  # canonical order
    assert state.layers == (8, 6, 3)
    assert [a.name for a in state.activations] == ["relu", "leaky_relu", "sigmoid"]
    assert state.activations[1].kwargs == {"negative_slope": 0.2}
    assert (state.lr, state.batch, state.optimizer, state.l2, state.seed) == (
        0.1,
        25,
        "adam",
        0.001,
        42,
    )
    again, errors = parse_query(state.to_query())
    assert errors == [] and again == state


@pytest.mark.parametrize("number", NUMBERS, ids=lambda n: n.key)
def test_numbers_outside_their_range_are_rejected_with_the_range(number):
    too_big = number.high * 2 + 1
    state, errors = parse_query(f"{number.key}={too_big}")
    assert len(errors) == 1
    assert errors[0].startswith(f"{number.key}: must be")
    assert f"[{number.low:g}, {number.high:g}]" in errors[0]
    assert state == PlaygroundState()  # the bad value is not taken


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "abc", "", "1e999"])
def test_non_numbers_are_rejected(text):
    _, errors = parse_query(f"lr={text}")
    assert len(errors) == 1 and "lr: must be a number" in errors[0]


def test_integers_must_be_integers():
    _, errors = parse_query("batch=2.5&seed=1e3")
    assert [e.split(":")[0] for e in errors] == ["batch", "seed"]


def test_bad_values_keep_the_base_and_good_ones_apply():
    base = replace(PlaygroundState(), lr=0.5)
    state, errors = parse_query("lr=-1&dataset=moons&opt=rmsprop", base)
    assert state.lr == 0.5 and state.dataset == "moons" and state.optimizer == "sgd"
    assert len(errors) == 2 and "opt: must be one of sgd, adam" in errors[1]


def test_unknown_settings_and_names_suggest_close_matches():
    _, errors = parse_query("datset=xor&dataset=spirl&features=x1,sinx")
    assert "did you mean 'dataset'" in errors[0]
    assert "did you mean 'spiral'" in errors[1]
    assert "unknown feature 'sinx'" in errors[2]


def test_layer_limits():
    assert parse_query(f"layers={','.join(['2'] * MAX_LAYERS)}")[1] == []
    _, errors = parse_query(f"layers={','.join(['2'] * (MAX_LAYERS + 1))}")
    assert f"at most {MAX_LAYERS} hidden layers" in errors[0]
    _, errors = parse_query(f"layers=4,{MAX_WIDTH + 1}")
    assert f"[1, {MAX_WIDTH}]" in errors[0]
    _, errors = parse_query("layers=4,0")
    assert errors
    state, errors = parse_query("layers=&act=")
    assert errors == [] and state.layers == () and state.activations == ()


def test_one_activation_applies_to_every_layer_and_counts_must_match():
    state, errors = parse_query("layers=3,3,3&act=relu")
    assert errors == [] and [a.name for a in state.activations] == ["relu"] * 3
    state, errors = parse_query("layers=3,3,3&act=relu,tanh")
    assert "2 activations for 3 hidden layers" in errors[0]
    assert len(state.activations) == 3  # still one per layer, so the state is usable
    state, _ = parse_query("layers=3,3,3")  # more layers than the base's two activations
    assert len(state.activations) == 3


def test_activation_parameters_are_checked_against_the_catalogue():
    spec = actlab.get("leaky_relu")
    assert parse_activation("leaky_relu").kwargs == spec.defaults
    with pytest.raises(ValueError, match=r"negative_slope.*\[0, ∞\).*-1"):
        parse_activation("leaky_relu:negative_slope=-1")
    with pytest.raises(ValueError, match="unknown parameter 'negative_slop'.*did you mean"):
        parse_activation("leaky_relu:negative_slop=0.1")
    with pytest.raises(ValueError, match="must be a number"):
        parse_activation("leaky_relu:negative_slope=big")
    with pytest.raises(ValueError, match="expected parameter=value"):
        parse_activation("leaky_relu:0.1")
    with pytest.raises(ValueError, match="unknown activation 'rellu'.*'relu'"):
        parse_activation("rellu")


def test_aliases_resolve_to_the_canonical_name_and_defaults_are_left_out_of_the_url():
    act = parse_activation("logistic")
    assert act == LayerActivation("sigmoid", ())
    state, _ = parse_query("act=lrelu:negative_slope=0.01,lrelu:negative_slope=0.3")
    assert "act=leaky_relu,leaky_relu:negative_slope=0.3&" in state.to_query()


def test_learnable_parameters_give_the_initial_value():
    act = parse_activation("prelu:weight=0.5")
    assert act.kwargs == {"weight": 0.5}


def test_non_elementwise_activations_are_refused(monkeypatch):
    mixing = replace(actlab.get("tanh"), name="mixer", elementwise=False)
    monkeypatch.setattr(controls.actlab, "get", lambda name: mixing)
    with pytest.raises(ValueError, match="mixer is not elementwise"):
        parse_activation("mixer")


def test_over_long_or_non_string_queries_are_refused():
    state, errors = parse_query("a" * (controls.MAX_QUERY_CHARS + 1))
    assert state == PlaygroundState() and "too long" in errors[0]
    _, errors = parse_query(None)  # type: ignore[arg-type]
    assert errors == ["the state must be a query string"]


def test_schema_lists_every_elementwise_activation_and_is_plain_json():
    data = json.loads(json.dumps(schema(), allow_nan=False))
    listed = {a["name"] for a in data["activations"]}
    assert listed == {s.name for s in actlab.specs() if s.elementwise}
    leaky = next(a for a in data["activations"] if a["name"] == "leaky_relu")
    assert leaky["params"][0]["min"] == 0 and leaky["params"][0]["max"] is None
    assert data["defaults"] == PlaygroundState().to_json()
    assert set(data["default_noise"]) == set(data["datasets"])


def _layer(spec, params) -> LayerActivation:
    return LayerActivation(spec.name, tuple(spec.bind(**params).items()))


def _parameter_sets(spec):
    """What the page can reach for an entry: its defaults, the table's test parameters, and
    the largest grids its integer controls allow (vectors then derived, so long)."""
    sets = [{}, *spec.test_params]
    biggest = {p.name: int(p.valid.high) for p in spec.params if p.kind is int and p.name != "dim"}
    try:
        spec.bind(**biggest)
        sets.append(biggest)
    except (TypeError, ValueError):
        pass
    return sets


@pytest.mark.parametrize("spec", playground_activations(), ids=lambda s: s.name)
def test_every_activation_state_reloads_exactly_from_its_url(spec):
    """Property over the catalogue: every parameter set, in every one of the most layers, gives
    a URL within the limits that parses back to the very same state."""
    for params in _parameter_sets(spec):
        act = _layer(spec, params)
        state = replace(
            PlaygroundState(), layers=(MAX_WIDTH,) * MAX_LAYERS, activations=(act,) * MAX_LAYERS
        )
        query = state.to_query()
        assert len(query) <= MAX_QUERY_CHARS, f"{spec.name}{params}: {len(query)} characters"
        assert len(json.dumps({"type": "config", "query": query})) <= MAX_MESSAGE_CHARS
        parsed, errors = parse_query(query)
        assert errors == [], f"{spec.name}{params}: {errors}"
        assert parsed == state, f"{spec.name}{params}: {query}"
        assert parse_query(parsed.to_query()) == (state, [])


def test_text_parameters_are_text():
    state, errors = parse_query("layers=3&act=mixture:bases=relu%2Btanh")
    assert errors == [] and state.activations[0].kwargs["bases"] == "relu+tanh"
    assert "act=mixture:bases=relu%2Btanh&" in state.to_query()
    state, errors = parse_query("layers=3&act=rational:init=silu")
    assert errors == [] and state.activations[0].kwargs["init"] == "silu"
    _, errors = parse_query("layers=3&act=mixture:bases=relu%2Bsoftmax")
    assert "elementwise" in errors[0]


def test_vector_parameters_use_semicolons_and_derived_ones_stay_out_of_the_url():
    state, errors = parse_query("layers=3&act=apl:slopes=0.2;-0.5:offsets=-1;1.5")
    assert errors == []
    assert state.activations[0].kwargs["slopes"] == (0.2, -0.5)
    assert "act=apl:slopes=0.2;-0.5:offsets=-1;1.5&" in state.to_query()
    state, _ = parse_query("layers=3,3&act=spline:grid_size=256")
    assert "act=spline:grid_size=256,spline:grid_size=256&" in state.to_query()
    assert state.to_json()["act"][0]["params"]["coefficients"] is None  # derived: the page omits
    _, errors = parse_query("layers=3&act=apl:slopes=0.2;x")
    assert "slopes" in errors[0] and "numbers" in errors[0]
