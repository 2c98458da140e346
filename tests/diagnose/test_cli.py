"""`actlab diagnose` end to end: built-in models on MNIST-1D and a user's model factory."""

from __future__ import annotations

import csv
import json
import textwrap

import pytest
from click.testing import CliRunner

from actlab.cli import main


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["diagnose", *args])
    return result.exit_code, result.output


def test_deep_sigmoid_mlp_on_mnist1d_reports_vanishing_gradients(tmp_path):
    code, out = run(
        "--model",
        "mlp",
        "--depth",
        "20",
        "--activation",
        "sigmoid",
        "--dataset",
        "mnist1d",
        "--hidden",
        "32",
        "--samples",
        "256",
        "--out",
        str(tmp_path),
        "--json",
    )
    assert code == 0, out
    result = json.loads(out)
    rows = result["rows"]
    assert len(rows) == 20 and {r["activation"] for r in rows} == {"sigmoid"}
    assert result["samples"] == 256 and result["losses"] == []
    assert rows[0]["grad_norm"] < 1e-6 * rows[-1]["grad_norm"]
    assert any(w.startswith("vanishing gradients") for w in result["warnings"])
    png = tmp_path / "gradient_flow.png"
    assert result["files"]["figure"] == str(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open(tmp_path / "health.csv") as handle:
        table = list(csv.DictReader(handle))
    assert [int(r["layer"]) for r in table] == list(range(1, 21))


def test_training_steps_and_the_printed_table(tmp_path):
    code, out = run(
        "--depth",
        "2",
        "--hidden",
        "16",
        "--activation",
        "leaky_relu:negative_slope=0.2",
        "--steps",
        "5",
        "--batch-size",
        "32",
        "--samples",
        "64",
        "--out",
        str(tmp_path),
    )
    assert code == 0, out
    assert "trained 5 steps: loss" in out
    assert "activation health on 64 samples" in out
    assert "leaky_relu(negative_slope=0.2)" in out and "mean|grad|" in out
    assert "inactive" in out and "saturated" in out and "saturation" not in out
    assert f"wrote {tmp_path / 'gradient_flow.png'}" in out
    header = (tmp_path / "health.csv").read_text().splitlines()[0].split(",")
    assert {"inactive", "saturated"} <= set(header) and "saturation" not in header


FACTORY = textwrap.dedent("""
    import torch.nn as nn
    import torch.nn.functional as F

    def small():
        return nn.Sequential(nn.Flatten(), nn.Linear(12, 8), nn.ReLU(inplace=True),
                             nn.Linear(8, 3))

    class Functional(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(12, 3)
        def forward(self, x):
            return F.relu(self.fc(x.flatten(1)))

    def functional():
        return Functional()

    def not_a_model():
        return 3
""")


@pytest.fixture
def factory_dir(tmp_path, monkeypatch):
    (tmp_path / "user_models_for_diagnose.py").write_text(FACTORY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_users_model_on_random_inputs(factory_dir):
    code, out = run(
        "--model-factory",
        "user_models_for_diagnose:small",
        "--input-shape",
        "3,2,2",
        "--samples",
        "40",
        "--steps",
        "2",
        "--json",
        "--out",
        "o",
    )
    assert code == 0, out
    result = json.loads(out)
    assert [(r["path"], r["module"], r["units"], r["samples"]) for r in result["rows"]] == [
        ("2", "ReLU", 8, 40)
    ]
    assert len(result["losses"]) == 2
    assert (factory_dir / "o" / "gradient_flow.png").exists()


def test_a_functional_model_says_the_monitor_cannot_see_it(factory_dir):
    code, out = run(
        "--model-factory",
        "user_models_for_diagnose:functional",
        "--input-shape",
        "12",
        "--out",
        "o",
    )
    assert code == 0, out
    assert "no activation modules found in Functional" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--activation", "sigmod"], "Did you mean 'sigmoid'"),
        (["--dataset", "mnist1dd"], "Did you mean 'mnist1d'"),
        (["--model", "mpl"], "Did you mean 'mlp'"),
        (
            ["--model-factory", "user_models_for_diagnose:small"],
            "needs --input-shape or a --dataset",
        ),
        (
            ["--model-factory", "user_models_for_diagnose:small", "--input-shape", "1,2,x"],
            "positive integers",
        ),
        (
            [
                "--model-factory",
                "user_models_for_diagnose:small",
                "--input-shape",
                "3,2,2",
                "--dataset",
                "mnist1d",
            ],
            "does not match mnist1d's inputs (40,)",
        ),
        (
            ["--model-factory", "user_models_for_diagnose:not_a_model", "--input-shape", "3"],
            "returned int, not an nn.Module",
        ),
        (["--model-factory", "user_models_for_diagnose:nope", "--input-shape", "3"], "cannot load"),
        (["--model-factory", "no_colon", "--input-shape", "3"], "pkg.module:function"),
        (["--steps", "-1"], "steps must be an integer >= 0"),
        (  # a built-in model takes its shape from the dataset: a different one is refused
            ["--model", "mlp", "--input-shape", "3,4"],
            "--input-shape (3, 4) does not match mnist1d's inputs (40,)",
        ),
        (
            ["--model-factory", "user_models_for_diagnose:small", "--input-shape", "3,2,2"]
            + ["--activation", "tanh", "--depth", "3"],
            "--activation, --depth apply to the built-in models (--model), not to --model-factory",
        ),
        (
            ["--model-factory", "user_models_for_diagnose:small", "--input-shape", "3,2,2"]
            + ["--model", "cnn"],
            "--model applies to the built-in models",
        ),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(factory_dir, args, message):
    code, out = run(*args, "--out", "o")
    assert code == 2
    assert message in " ".join(out.split())


def test_input_shape_matching_the_dataset_is_accepted_for_a_built_in_model(tmp_path):
    code, out = run(
        "--model", "mlp", "--input-shape", "40", "--hidden", "8", "--samples", "64",
        "--out", str(tmp_path), "--json",
    )  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["samples"] == 64
