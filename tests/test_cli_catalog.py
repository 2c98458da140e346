"""The catalogue CLI (list, show, plot, docs, demo) and the NAME:k=v parser, via CliRunner."""

from __future__ import annotations

import json

import click
import numpy as np
import pytest
from click.testing import CliRunner

import actlab
from actlab.catalog import FAMILIES, UnknownActivationError
from actlab.catalog.parse import parse_activation, parse_value
from actlab.cli import main
from actlab.report.catalogue.catalogue_text import num
from actlab.report.catalogue.docs import catalogue_markdown

SPECS = actlab.specs()
MULTI = [s.name for s in SPECS if not s.elementwise]
SHOW_X = [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def assert_usage_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output


# -- parse_activation --------------------------------------------------------------------
def test_parse_value_types():
    assert parse_value("2") == 2 and isinstance(parse_value("2"), int)
    assert parse_value("0.2") == 0.2 and parse_value("1e-3") == 1e-3
    assert parse_value("-inf") == -np.inf
    assert parse_value("True") is True and parse_value("false") is False
    assert parse_value("tanh") == "tanh" and parse_value("'2'") == "2"


def test_parse_activation_resolves_alias_and_converts_through_bind():
    assert parse_activation("lrelu:negative_slope=1") == ("leaky_relu", {"negative_slope": 1.0})
    assert parse_activation("relu") == ("relu", {})
    assert parse_activation("rrelu:lower=0.1, upper=0.2") == ("rrelu", {"lower": 0.1, "upper": 0.2})


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("reluu", UnknownActivationError, "relu"),
        (":a=1", ValueError, "no activation name"),
        ("relu:", ValueError, "nothing after"),
        ("leaky_relu:negative_slope", ValueError, "expected k=v"),
        ("leaky_relu:negative_slope=0.1,negative_slope=0.2", ValueError, "twice"),
        ("leaky_relu:negative_slope=-0.5", ValueError, r"\[0, ∞\)"),
        ("leaky_relu:negative_slop=0.5", TypeError, "negative_slope"),
        ("rrelu:lower=0.5,upper=0.1", ValueError, "must not exceed"),
    ],
)
def test_parse_activation_errors(text, error, match):
    with pytest.raises(error, match=match):
        parse_activation(text)


# -- list -------------------------------------------------------------------------------
def test_list_table_shows_every_entry():
    result = run("list")
    assert result.exit_code == 0, result.output
    for spec in SPECS:
        assert spec.name in result.output
    assert f"{len(SPECS)} activations" in result.output


def test_list_json_has_every_entry_with_numeric_defaults():
    result = run("list", "--json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert [r["name"] for r in records] == actlab.names()
    for record, spec in zip(records, SPECS, strict=True):
        assert record["aliases"] == list(spec.aliases) and record["family"] == spec.family
        assert record["formula"] == spec.formula and record["formula_d1"] == spec.formula_d1
        assert record["native"] == spec.native and record["paper"] == spec.paper
        for p_rec, p in zip(record["params"], spec.params, strict=True):
            assert p_rec["name"] == p.name and p_rec["learnable"] == p.learnable
            if p.kind in (int, float) and not p.vector and np.isfinite(p.default):
                assert isinstance(p_rec["default"], (int, float)) and p_rec["default"] == p.default
        if spec.properties is not None:
            props = record["properties"]
            assert props["monotonic"] == spec.properties.monotonic
            assert props["smoothness"] == spec.properties.smoothness
            assert props["bounded_above"] == spec.output_range.bounded_above
            assert props["bounded_below"] == spec.output_range.bounded_below
            assert record["range"]["text"] == str(spec.output_range)


@pytest.mark.parametrize("family", sorted({s.family for s in SPECS}))
def test_list_family_filter(family):
    records = json.loads(run("list", "--family", family, "--json").output)
    assert [r["name"] for r in records] == actlab.names(family)


def test_list_unknown_family_lists_valid_ones():
    assert_usage_error(run("list", "--family", "relu_like"), *FAMILIES)


# -- show -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [s.name for s in SPECS if s.elementwise])
def test_show_json_values_match_reference(name):
    result = run("show", name, "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    spec = actlab.get(name)
    x = np.array(SHOW_X)
    assert [row["x"] for row in record["values"]] == SHOW_X
    away = np.array([min((abs(v - k) for k in spec.facts_for().kinks), default=1.0) > 0 for v in x])
    f = np.array([row["f"] for row in record["values"]])
    d1 = np.array([row["d1"] for row in record["values"]])
    np.testing.assert_allclose(f, spec.reference(x), rtol=1e-10, atol=1e-12)
    # An entry whose native backward is documented as inexact (xfail "derivative") still
    # has to agree to float32 precision.
    rtol = 1e-6 if "derivative" in spec.xfail else 1e-9
    np.testing.assert_allclose(d1[away], spec.reference_d1(x)[away], rtol=rtol, atol=1e-12)
    # bind() fills derived defaults (fitted rational coefficients); JSON has lists, not tuples
    assert record["params_used"] == json.loads(json.dumps(spec.bind()))


def test_show_text_for_relu():
    result = run("show", "relu")
    assert result.exit_code == 0, result.output
    for needle in (
        "max(0, x)",
        "f′(x) = 1 if x > 0; 0 if x ≤ 0",
        "[0, ∞)",
        "f′(0) = 0",
        "torch.nn.functional.relu",
        "Nair & Hinton",
        "f′(x) autograd",
    ):
        assert needle in result.output


def test_show_uses_given_parameters():
    record = json.loads(run("show", "lrelu:negative_slope=0.2", "--json").output)
    assert record["name"] == "leaky_relu" and record["params_used"] == {"negative_slope": 0.2}
    at_minus_one = next(row for row in record["values"] if row["x"] == -1.0)
    assert at_minus_one["f"] == pytest.approx(-0.2) and at_minus_one["d1"] == pytest.approx(0.2)
    text = run("show", "lrelu:negative_slope=0.2").output
    assert "f′(0) = 0.2" in text


def test_show_facts_follow_the_parameters():
    text = run("show", "hardtanh:min_val=0,max_val=6").output
    assert "range [0, 6]; monotonic: yes" in text and "zero-centred: no" in text
    assert "limits: f(-∞) = 0, f(+∞) = 6" in text and "f′(0) = 0, f′(6) = 0" in text
    assert "range [-1, 1]" in run("show", "hardtanh").output
    record = json.loads(run("show", "hardtanh:min_val=0,max_val=6", "--json").output)
    assert record["range"]["text"] == "[0, 6]" and record["kinks"] == [0.0, 6.0]
    assert record["limits"] == [0.0, 6.0] and record["properties"]["zero_centred"] is False
    slope0 = json.loads(run("show", "leaky_relu:negative_slope=0", "--json").output)
    assert slope0["properties"]["zero_centred"] is False and slope0["range"]["text"] == "[0, ∞)"
    relu_like = json.loads(run("show", "elu:alpha=0", "--json").output)
    assert relu_like["range"] == json.loads(run("show", "relu", "--json").output)["range"]
    assert "[min_val, max_val]" in text  # summaries print as text, not as rich markup


@pytest.mark.parametrize("name", [s.name for s in SPECS if s.elementwise and s.test_params])
def test_show_json_states_the_facts_of_the_parameters_given(name):
    spec = actlab.get(name)
    params = {k: v for k, v in spec.test_params[0].items() if not isinstance(v, tuple)}
    text = ",".join(f"{k}={v}" for k, v in params.items())
    result = run("show", f"{name}:{text}" if text else name, "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    facts = spec.facts_for(spec.bind(**params))
    assert record["range"]["text"] == str(facts.output_range)
    assert record["kinks"] == [num(k) for k in facts.kinks]
    assert record["properties"]["monotonic"] == facts.properties.monotonic


def test_show_unknown_name_exits_2_with_close_matches():
    assert_usage_error(run("show", "lealy_relu"), "unknown activation 'lealy_relu'", "'leaky_relu'")


def test_show_bad_parameter_names_the_range():
    assert_usage_error(run("show", "leaky_relu:negative_slope=-1"), "[0, ∞)")


@pytest.mark.parametrize("name", MULTI)
def test_show_multi_input_gives_an_example(name):
    record = json.loads(run("show", name, "--json").output)
    np.testing.assert_allclose(
        record["example"]["output"], record["example"]["reference"], rtol=1e-10, atol=1e-12
    )
    assert "Example" in run("show", name).output


# -- plot -------------------------------------------------------------------------------
def test_plot_writes_png_with_three_panels(tmp_path):
    out = tmp_path / "sub" / "plot.png"
    result = run(
        "plot",
        "relu",
        "leaky_relu:negative_slope=0.2",
        "tanh",
        "--derivative",
        "--second",
        "--xlim",
        "-3",
        "3",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 2.5 * height  # three panels side by side
    assert str(out) in result.output


def test_plot_errors():
    assert_usage_error(run("plot", "tanhh", "-o", "x.png"), "'tanh'")
    assert_usage_error(run("plot", "relu", "--xlim", "1", "-1", "-o", "x.png"), "lo < hi")


def test_plot_without_output_writes_a_default_file_and_says_where(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("plot", "relu", "elu:alpha=0.5")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "relu-elu.png").stat().st_size > 1000
    assert str(tmp_path / "relu-elu.png") in result.output


def test_plot_to_an_unwritable_path_is_one_clear_line(tmp_path):
    (tmp_path / "file").write_text("x")
    for target in ("/proc/x.png", str(tmp_path / "file" / "x.png")):
        result = run("plot", "relu", "-o", target)
        assert result.exit_code == 2 and "cannot write" in result.output, result.output
        assert "Traceback" not in result.output


@pytest.mark.parametrize("name", MULTI)
def test_plot_refuses_multi_input(name, tmp_path):
    assert_usage_error(run("plot", name, "-o", str(tmp_path / "m.png")), "not elementwise")


# -- docs and demo ------------------------------------------------------------------------
def test_docs_command_writes_the_generated_page(tmp_path):
    result = run("docs", "--out", str(tmp_path), "--no-images")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "catalogue.md").read_text(encoding="utf-8") == catalogue_markdown()
    assert not (tmp_path / "img").exists()


def test_demo_prints_the_table_and_writes_the_gallery(tmp_path):
    result = run("demo", "--out", str(tmp_path), "--no-compare")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "gallery.png").read_bytes()[:4] == b"\x89PNG"
    assert str(tmp_path / "gallery.png") in result.output
    assert all(s.name in result.output for s in SPECS)


@pytest.mark.parametrize("command", ["list", "show", "plot", "docs", "demo"])
def test_every_option_has_help(command):
    cmd = main.get_command(click.Context(main), command)
    for param in cmd.params:
        if isinstance(param, click.Option):
            assert param.help, f"{command} {param.opts} has no help"
    result = run(command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output
