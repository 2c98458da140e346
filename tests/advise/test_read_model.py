"""`--model-factory`: the setting read from real models' module trees and traced graphs."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner
from torch import nn

from actlab.advise.read_model import model_from_factory, read_model
from actlab.cli import main
from actlab.models import build_model


def test_a_deep_residual_mlp_from_the_zoo():
    model = build_model(
        "mlp", (40,), 10, "gelu", {}, depth=12, hidden=32, residual=True, norm="layer"
    )
    r = read_model(model)
    assert r.fields == {
        "arch": "mlp",
        "depth": 13,
        "norm": "layer",
        "residual": True,
        "data": "tabular",
    }
    assert r.activations == {"gelu": 13}


def test_a_plain_mlp_has_no_shortcut():
    model = nn.Sequential(
        nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 2)
    )
    r = read_model(model)
    assert r.fields["arch"] == "mlp" and r.fields["depth"] == 2 and r.fields["residual"] is False
    assert r.activations == {"tanh": 2} and r.fields["norm"] == "none"


def test_resnet20_reads_as_a_resnet_with_batchnorm():
    r = read_model(build_model("resnet20", (3, 32, 32), 10, "relu", {}))
    assert r.fields["arch"] == "resnet" and r.fields["norm"] == "batch" and r.fields["residual"]
    assert r.fields["data"] == "image" and r.fields["depth"] >= 19


def test_the_zoo_transformer_and_torchs_encoder_layer():
    r = read_model(build_model("transformer", (40,), 10, "swiglu", {}, depth=3))
    assert (
        r.fields["arch"] == "transformer" and r.fields["depth"] == 3 and r.fields["norm"] == "layer"
    )
    assert r.activations == {"swiglu": 3}
    layer = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32, batch_first=True), 2)
    r = read_model(layer)
    assert r.fields["arch"] == "transformer" and r.fields["depth"] == 2
    assert "activation functions are code" in " ".join(r.notes)  # F.relu inside: said, not hidden


def test_recurrent_and_conv1d_models():
    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(100, 8)
            self.rnn = nn.LSTM(8, 16, num_layers=2, batch_first=True)
            self.head = nn.Linear(16, 3)

        def forward(self, x):
            return self.head(self.rnn(self.embed(x))[0][:, -1])

    r = read_model(Tagger())
    assert r.fields["arch"] == "rnn" and r.fields["depth"] == 2 and r.fields["data"] == "text"
    conv = nn.Sequential(
        nn.Conv1d(1, 8, 3), nn.ReLU(), nn.Conv1d(8, 8, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(2)
    )
    r = read_model(conv)
    assert r.fields["arch"] == "cnn" and r.fields["depth"] == 2 and r.fields["data"] == "sequence"


@pytest.fixture
def factories(tmp_path, monkeypatch):
    (tmp_path / "advmods.py").write_text(
        "from torch import nn\n"
        "def build(act):\n"
        "    return nn.Sequential(*[m for _ in range(11) for m in (nn.LazyLinear(32), act())], nn.LazyLinear(2))\n"
        "def net():\n"
        "    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))\n"
        "def broken():\n"
        "    raise RuntimeError('no weights here')\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    yield
    sys.modules.pop("advmods", None)


def test_factories_of_both_kinds(factories):
    model, factory = model_from_factory("advmods:build")
    assert factory is not None and read_model(model).fields["depth"] == 11
    model, factory = model_from_factory("advmods:net")
    assert factory is None and read_model(model).fields["norm"] == "batch"


def test_the_cli_reads_a_model_and_flags_override_it(factories):
    result = CliRunner().invoke(main, ["advise", "--model-factory", "advmods:build", "--json"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.output)
    assert data["setting"]["depth"] == 11 and data["model"]["activations"] == {"relu": 11}
    top3 = [r["activation"] for r in data["recommendations"][:3]]
    assert "sigmoid" not in top3 and "tanh" not in top3  # deep, no norm: read, then advised
    assert "--model-factory advmods:build" in data["compare_command"]
    result = CliRunner().invoke(
        main, ["advise", "--model-factory", "advmods:build", "--norm", "batch", "--json"]
    )
    assert json.loads(result.output)["setting"]["norm"] == "batch"
    result = CliRunner().invoke(main, ["advise", "--model-factory", "advmods:broken"])
    assert result.exit_code == 2 and "raised RuntimeError: no weights here" in result.output
    result = CliRunner().invoke(main, ["advise", "--model-factory", "advmods:nope"])
    assert result.exit_code == 2 and "has no 'nope'" in result.output


def test_reading_needs_no_forward_pass():
    model = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2))  # uninitialised
    assert read_model(model).fields["depth"] == 1
