"""`actlab models`: the table and --json, through click's CliRunner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from actlab.cli import main
from actlab.models import build_model, model_names, model_options


def run(*args: str):
    result = CliRunner().invoke(main, ["models", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_json_records_match_the_zoo_and_count_parameters():
    records = json.loads(run("--json"))
    assert [r["name"] for r in records] == model_names()
    for r in records:
        assert r["options"] == model_options(r["name"])
        assert set(r["option_docs"]) == set(r["options"])
        model = build_model(r["name"], tuple(r["reference_input"]["shape"]), r["num_classes"],
                            r["usual_activation"])  # fmt: skip
        assert r["parameters"] == sum(p.numel() for p in model.parameters())
    by_name = {r["name"]: r for r in records}
    assert by_name["resnet20"]["parameters"] == 269_722
    assert by_name["resnet20"]["reference_input"] == {
        "shape": [3, 32, 32],
        "name": "CIFAR-10 (3, 32, 32)",
    }
    assert by_name["transformer"]["reference_input"]["shape"] == [40]
    assert by_name["transformer"]["usual_activation"] == "gelu"


def test_table_lists_every_model_with_its_reference_input():
    out = run()
    for name in model_names():
        assert name in out
    assert "269,722" in out and "MNIST-1D (40,)" in out and "CIFAR-10 (3, 32, 32)" in out
    assert "shortcut='A'" in out and "He, Zhang, Ren & Sun" in out


def test_help_explains_the_reference_inputs_and_json():
    out = run("--help")
    assert "MNIST-1D (40,)" in out and "CIFAR-10 (3, 32, 32)" in out and "--json" in out
    assert "models" in CliRunner().invoke(main, ["--help"]).output


def test_readme_models_table_matches_the_cli_counts():
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    counts = {r["name"]: r["parameters"] for r in json.loads(run("--json"))}
    cells = [line.split("|") for line in readme.splitlines() if line.startswith("| `")]
    rows = {c[1].strip().strip("`"): c[4].strip() for c in cells if c[1].strip("` ") in counts}
    for name, parameters in counts.items():
        assert rows[name].startswith(f"{parameters:,}"), (name, rows[name])
