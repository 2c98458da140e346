"""`--verify`: the budget arithmetic, and a real tournament on a small model and data that
finishes within its budget, with health recorded and the shortlist re-ranked."""

from __future__ import annotations

import json
import sys

import pytest
import torch
from click.testing import CliRunner
from torch import nn

from actlab.advise.verify import parse_budget, plan_epochs, verify
from actlab.cli import main


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("10m", 600), ("90s", 90), ("1h", 3600), ("1m30s", 90), ("45", 45), (30, 30), ("2.5m", 150)],
)
def test_budgets(text, seconds):
    assert parse_budget(text) == seconds


@pytest.mark.parametrize("text", ["ten minutes", "", "3", "-5m", True, "5x"])
def test_bad_budgets_are_named(text):
    with pytest.raises(ValueError, match="budget must be"):
        parse_budget(text)


def test_plan_fits_the_time_left():
    # 60 s left, 0.5 s per epoch, 1 s per run outside its epochs, 3 activations, 2 seeds side
    # by side: each activation may take 20 s, so (20 - 1) / 0.5 = 38 epochs, capped at 20.
    assert plan_epochs(60, 0.5, 1.0, 3, 2, 2) == (20, 2, [])
    assert plan_epochs(60, 0.5, 1.0, 3, 2, 2, max_epochs=50) == (38, 2, [])
    # 4 seeds on 2 workers: two waves per activation, 10 s each: 18 epochs.
    assert plan_epochs(60, 0.5, 1.0, 3, 4, 2, max_epochs=50) == (18, 4, [])
    # Too little for 2 epochs of 2 seeds on one worker: one seed, with a note saying so.
    epochs, seeds, notes = plan_epochs(6, 0.5, 0.2, 3, 2, 1)
    assert (epochs, seeds) == (3, 1) and "one seed" in notes[0]
    assert plan_epochs(-1, 0.5, 0.2, 3, 2, 1)[0] == 1  # never below one epoch


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(240, 2, generator=g)
    y = (x[:, 0] * x[:, 1] > 0).long()
    return (x[:200], y[:200]), (x[200:], y[200:])


def test_verify_finishes_within_its_budget_on_a_small_model(tmp_path):
    def build(act):
        return nn.Sequential(nn.Linear(2, 16), act(), nn.Linear(16, 16), act(), nn.Linear(16, 2))

    budget = 40.0
    v = verify(["gelu", "tanh", "relu"], build, _data(), budget, seeds=2, out=tmp_path, workers=1)
    assert v.seconds <= budget  # the tournament's own clock: the budget is its contract
    assert [r["rank"] for r in v.rows] == list(range(1, len(v.rows) + 1))
    assert v.rows == sorted(v.rows, key=lambda r: -r["test_score"])
    assert {r["activation"] for r in v.rows} | set(v.not_verified) == {"gelu", "tanh", "relu"}
    for r in v.rows:
        assert 0 <= r["max_dead_fraction"] <= 1 and r["grad_first_over_last"] > 0  # Monitor health
        assert r["seeds"] == v.seeds
    assert (tmp_path / "report.html").is_file() and (tmp_path / "results.sqlite").is_file()


@pytest.fixture
def mods(tmp_path, monkeypatch):
    (tmp_path / "vmods.py").write_text(
        "import torch\nfrom torch import nn\n"
        "def net():\n"
        "    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))\n"
        "def data():\n"
        "    g = torch.Generator().manual_seed(1)\n"
        "    x = torch.randn(200, 2, generator=g)\n"
        "    y = (x[:, 0] > 0).long()\n"
        "    return (x[:160], y[:160]), (x[160:], y[160:])\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    yield tmp_path
    sys.modules.pop("vmods", None)


def test_the_cli_verifies_a_model_instance_by_swapping_its_activations(mods):
    args = ["advise", "--model-factory", "vmods:net", "--verify", "--budget", "40s",
            "--data-factory", "vmods:data", "--seeds", "1", "--out", str(mods / "v"), "--json"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    v = data["verify"]
    assert v["seconds"] <= v["budget_seconds"] == 40
    verified = {r["activation"] for r in v["ranking"]} | set(v["not_verified"])
    shortlist = {r["activation"] for r in data["recommendations"][:3]}
    assert shortlist | {"tanh"} == verified  # the top 3 and the model's own activation
    assert "--data-factory vmods:data" in data["compare_command"]
    bad = CliRunner().invoke(main, ["advise", "--model-factory", "vmods:net", "--verify"])
    assert bad.exit_code == 2 and "--verify needs your data" in bad.output
