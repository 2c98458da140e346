"""`actlab search` end to end on a tiny space and budget: ranking and JSON, choices on
validation data only, the report, export as catalogue-ready text, strategies, resume after
kill -9 (a real process), and the command line."""

from __future__ import annotations

import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from actlab.cli import main
from actlab.search import from_dict, run_search
from actlab.search.export import export
from actlab.search.stages import fitness

TINY = {
    "unary": "x,neg,sigmoid,relu,sin",
    "binary": "mul,max",
    "dataset": "moons",
    "model_options": {"hidden": 8, "depth": 1},
    "rungs": "1:1,2:2",
    "eta": 3,
    "finalists": 2,
    "final_epochs": 2,
    "final_seeds": 2,
    "transfer": "xor:mlp",
    "workers": 1,
}


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    out = tmp_path_factory.mktemp("search")
    return run_search(from_dict({**TINY, "out": str(out)}), quiet=True)


def test_ranking_json_shape_best_first(searched):
    data = json.loads((searched.out / "ranking.json").read_text())
    assert data == json.loads(json.dumps(searched.to_json(), allow_nan=False))
    assert data["n_candidates"] == len(searched.candidates) == searched.filtering["distinct"]
    rows = data["ranking"]
    assert len(rows) == data["n_candidates"] and [r["rank"] for r in rows] == list(
        range(1, len(rows) + 1)
    )
    assert all(r["expression"].startswith("expr:") and "fitness" in r for r in rows)
    finalists = [r for r in rows if r["final"]]
    assert len(finalists) == 2 and rows[:2] == finalists  # finalists first
    assert all(set(r["transfer"]) == {"xor/mlp"} for r in finalists)
    # the rest: higher rung first, then better fitness
    rest = rows[2:]
    keys = [(-r["rung"], -(r["fitness"] if r["fitness"] is not None else -math.inf)) for r in rest]
    assert keys == sorted(keys)
    # every row carries its measured shape class; the shares count the top 10 and 20
    from actlab.search.families import SHAPE_CLASSES, shape_class

    by_label = {c.label: c for c in searched.candidates}
    assert all(r["shape_class"] == shape_class(by_label[r["expression"]].values) for r in rows)
    assert all(r["shape_class"] in SHAPE_CLASSES for r in rows)
    for top in (10, 20):
        counts = data["shape_classes"][f"top {top}"]
        assert sum(counts.values()) == min(top, len(rows))
        assert counts == {c: n for c in SHAPE_CLASSES
                          if (n := sum(r["shape_class"] == c for r in rows[:top]))}  # fmt: skip


def test_choices_use_validation_scores_only(searched):
    # the promoted candidates are the best by validation fitness at rung 0, whatever their
    # test scores (recomputed here from the store's records)
    from actlab.experiments.store import ResultStore

    with ResultStore(searched.out / "runs") as store:
        records = store.records()
    rung0 = [r for r in records if r.config.training.epochs == 1]
    scores = fitness(rung0, "val_acc")
    candidates = [c.label for c in searched.candidates]
    promoted = sorted(candidates, key=lambda label: (-np.mean(scores[label]), label))
    keep = len(searched.scores[1]) - 1  # the baseline trains at every rung
    assert set(promoted[:keep]) == set(searched.scores[1]) - {"relu"}


def test_report_and_files_exist(searched):
    for name in ("report", "ranking_csv", "candidates_csv", "top_shapes", "final"):
        assert searched.files[name].is_file(), name
    html = searched.files["report"].read_text()
    assert "<h2>Ranking</h2>" in html and "data:image/png;base64," in html


def test_export_prints_entries_the_catalogue_accepts(searched):
    from actlab.catalog import INF, REALS, SMOOTH, ActivationSpec, Interval, Param, Properties

    text = export(searched.out, top=2)
    made: list = []
    import math as math_module

    import scipy.special

    namespace = {"math": math_module, "numpy": np, "np": np, "scipy": scipy, "torch": torch,
                 "register": made.append, "INF": INF, "REALS": REALS, "SMOOTH": SMOOTH,
                 "ActivationSpec": ActivationSpec, "Interval": Interval, "Param": Param,
                 "Properties": Properties}  # fmt: skip
    exec(compile(text, "export", "exec"), namespace)  # noqa: S102
    assert len(made) == 2
    x = np.linspace(-4, 4, 81) + 0.0137  # off the kinks
    for spec in made:
        params = {p.name: p.default for p in spec.params}
        t = torch.tensor(x, requires_grad=True)
        y = spec.fn(t, **params)
        (d1,) = torch.autograd.grad(y.sum(), t)
        np.testing.assert_allclose(
            y.detach().numpy(), spec.ref(x, **params), rtol=1e-10, atol=1e-12
        )
        np.testing.assert_allclose(d1.numpy(), spec.ref_d1(x, **params), rtol=1e-7, atol=1e-9)
    with pytest.raises(ValueError, match="no ranking.json"):
        export(searched.out / "missing")


def test_a_rerun_skips_every_run_and_ranks_the_same(searched):
    again = run_search(searched.config, quiet=True)
    assert sum(s.ran for s in again.stages) == 0
    assert [r["expression"] for r in again.ranking] == [r["expression"] for r in searched.ranking]


def test_command_line_json_dry_run_list_ops_and_export(searched):
    runner = CliRunner()
    flags = ["--unary", TINY["unary"], "--binary", TINY["binary"], "--dataset", "moons",
             "--hidden", "8", "--depth", "1", "--rungs", "1:1,2:2", "--eta", "3",
             "--finalists", "2", "--final-epochs", "2", "--final-seeds", "2",
             "--transfer", "xor:mlp", "--workers", "1"]  # fmt: skip
    result = runner.invoke(main, ["search", *flags, "--out", str(searched.out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[result.output.index("{") :])
    assert data["n_candidates"] == len(searched.candidates)
    assert data["ranking"][0]["expression"] == searched.ranking[0]["expression"]
    dry = runner.invoke(main, ["search", *flags, "--dry-run"])
    assert dry.exit_code == 0 and "nothing trained or written" in dry.output
    ops = runner.invoke(main, ["search", "--list-ops", "--json"])
    assert {"name": "sigmoid_mul", "kind": "binary", "paper": "σ(x₁)·x₂",
            "expression": "sigmoid(x1)*x2"} in json.loads(ops.output)  # fmt: skip
    text = runner.invoke(main, ["search", "export", str(searched.out), "--top", "1"]).output
    assert text.count("register(") == 1 and "ActivationSpec(" in text
    bad = runner.invoke(main, ["search", "--unary", "x,sigmod"])
    assert bad.exit_code == 2 and "did you mean sigmoid" in bad.output


def test_random_and_evolution_propose_distinct_candidates_repeatably(tmp_path):
    base = {**TINY, "rungs": "1:1", "finalists": 0, "transfer": "none", "max_candidates": 10}
    evolved = run_search(from_dict({**base, "strategy": "evolution", "population": 4,
                                    "tournament": 2, "generation": 3, "out": str(tmp_path / "e")}),
                         quiet=True)  # fmt: skip
    labels = [c.label for c in evolved.candidates]
    assert len(labels) == len(set(labels)) == 10
    assert [s.name for s in evolved.stages][:2] == ["rung 0, generation 0", "rung 0, generation 1"]
    again = run_search(evolved.config, quiet=True)
    assert [c.label for c in again.candidates] == labels and sum(s.ran for s in again.stages) == 0
    sampled = run_search(
        from_dict({**base, "strategy": "random", "out": str(tmp_path / "r")}), quiet=True
    )
    assert len({c.label for c in sampled.candidates}) == 10


def test_kill_9_loses_no_finished_run_and_the_rerun_resumes(tmp_path):
    out = tmp_path / "killed"
    flags = ["search", "--unary", "x,neg,abs,square,sigmoid,tanh,relu,sin", "--binary",
             "add,mul,sub,max", "--dataset", "moons", "--hidden", "8", "--depth", "1",
             "--rungs", "2:1", "--finalists", "0", "--transfer", "none", "--workers", "1",
             "--out", str(out)]  # fmt: skip
    code = "import sys; from actlab.cli import main; main(sys.argv[1:])"
    process = subprocess.Popen([sys.executable, "-c", code, *flags], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    store = out / "runs" / "results.sqlite"
    deadline = time.monotonic() + 120
    finished = 0
    while time.monotonic() < deadline and process.poll() is None:
        if store.exists():
            try:
                with sqlite3.connect(store) as db:
                    finished = db.execute("SELECT count(*) FROM runs").fetchone()[0]
            except sqlite3.Error:
                finished = 0
            if finished >= 5:
                break
        time.sleep(0.05)
    assert process.poll() is None, "the search finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    with sqlite3.connect(store) as db:
        kept = {h: started for h, started in db.execute("SELECT config_hash, started FROM runs")}
    assert len(kept) >= 5
    config = from_dict({"unary": "x,neg,abs,square,sigmoid,tanh,relu,sin", "binary": "add,mul,sub,max",
                        "dataset": "moons", "model_options": {"hidden": 8, "depth": 1}, "rungs": "2:1",
                        "finalists": 0, "transfer": "none", "workers": 1, "out": str(out)})  # fmt: skip
    result = run_search(config, quiet=True)
    (stage,) = result.stages
    assert stage.skipped == len(kept) and stage.ran == stage.activations - len(kept)
    with sqlite3.connect(store) as db:
        after = dict(db.execute("SELECT config_hash, started FROM runs"))
    assert {h: after[h] for h in kept} == kept  # the finished runs were not trained again
    assert len(after) == stage.activations


def test_the_final_stage_judges_on_seeds_no_rung_used(searched):
    # the last rung (2 epochs, seeds 0 and 1) has the final stage's budget: reusing its runs,
    # whose validation scores chose the finalists, would bias the comparison with the baseline
    final = [s for s in searched.stages if s.name == "final"][0]
    assert final.skipped == 0 and final.ran == 3 * 2
    assert {r.config.seed for r in searched.final_records} == {2, 3}
    assert all(r.config.training.epochs == 2 for r in searched.final_records)


def test_throughput_comes_from_the_stores_run_times(searched):
    from datetime import datetime

    from actlab.search.stages import busy_seconds

    t = searched.throughput()
    assert 0 < t["rung0_seconds"] <= t["search_seconds"]
    # the reported seconds are rounded to 0.1: the unrounded ones lie within ±0.05 of them
    n, seconds = len(searched.candidates), t["rung0_seconds"]
    slowest = n / (seconds + 0.05) * 3600
    fastest = n / max(seconds - 0.05, 1e-9) * 3600
    assert slowest * (1 - 1e-9) <= t["per_hour_rung0"] <= fastest * (1 + 1e-9)
    records = searched.final_records
    spans = [
        (datetime.fromisoformat(r.started), datetime.fromisoformat(r.finished)) for r in records
    ]
    # one worker: the runs do not overlap, so the union is the sum of their lengths
    assert busy_seconds(records) == pytest.approx(sum((b - a).total_seconds() for a, b in spans))
    assert busy_seconds(records + records) == pytest.approx(busy_seconds(records))


def test_a_rung_that_adds_seeds_does_not_count_the_shared_runs_twice(tmp_path):
    """Rungs 1:1 then 1:2: the second gets seed 0's runs back from the store, and their time
    belongs to the first rung; the second counts only the seed-1 runs it trained."""
    from actlab.experiments.store import ResultStore
    from actlab.search.stages import busy_seconds

    config = {**TINY, "unary": "x,sigmoid,relu", "binary": "mul", "rungs": "1:1,1:2",
              "finalists": 1, "transfer": "none", "out": str(tmp_path)}  # fmt: skip
    result = run_search(from_dict(config), quiet=True)
    first, second = result.stages[0], result.stages[1]
    assert second.skipped == second.activations  # seed 0 of every promoted label, reused
    with ResultStore(tmp_path / "runs") as store:
        records = store.records()
    rung1 = {r.config.label for r in records if r.config.seed == 1}
    seed1 = [r for r in records if r.config.seed == 1 and r.config.label in rung1
             and r.config.training.epochs == 1]  # fmt: skip
    assert second.busy_seconds == pytest.approx(busy_seconds(seed1))
    rung0 = [r for r in records if r.config.seed == 0 and r.config.training.epochs == 1]
    assert first.busy_seconds == pytest.approx(busy_seconds(rung0))
    t = result.throughput()
    assert t["search_seconds"] == pytest.approx(
        sum(s.busy_seconds for s in result.stages), abs=0.051
    )
