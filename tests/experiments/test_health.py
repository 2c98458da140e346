"""Activation health recorded per epoch into the experiment store (`health` on)."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import math
import sqlite3

from click.testing import CliRunner

from actlab.cli.compare import compare
from actlab.experiments import ResultStore, expand, from_dict, run_experiment
from actlab.experiments.record import HEALTH_FIELDS
from actlab.experiments.run_config import RUN_SCHEMA
from actlab.experiments.runner import execute_run
from actlab.experiments.store import FILENAME
from tests.experiments.runners import CountingRunner

from ._records import record

TINY = {
    "dataset": "digits",
    "activations": "relu,sigmoid",
    "seeds": 1,
    "epochs": 2,
    "depth": 2,
    "hidden": 16,
    "workers": 1,
}


def _health_rows(out) -> list[tuple]:
    db = sqlite3.connect(out / FILENAME)
    try:
        return db.execute("SELECT * FROM health ORDER BY config_hash, epoch, layer").fetchall()
    finally:
        db.close()


def test_compare_health_stores_rows_per_run_epoch_layer_and_resume_keeps_them(tmp_path):
    out = tmp_path / "cmp"
    args = ["--dataset", "digits", "--activations", "relu,sigmoid", "--seeds", "1"]
    args += ["--epochs", "2", "--depth", "2", "--hidden", "16", "--workers", "1"]
    result = CliRunner().invoke(compare, [*args, "--health", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output

    rows = _health_rows(out)
    # 2 runs × 2 epochs × 2 activation layers, keyed by the runs' hashes.
    assert len(rows) == 8
    assert len({row[0] for row in rows}) == 2
    assert sorted({(row[1], row[2]) for row in rows}) == [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert {row[4] for row in rows} == {"relu", "sigmoid"}
    for row in rows:
        stats = dict(zip(HEALTH_FIELDS, row[1:], strict=True))
        assert 0.0 <= stats["dead_fraction"] <= 1.0 and 0.0 <= stats["inactive"] <= 1.0
        assert 0.0 <= stats["saturated"] <= 1.0
        assert math.isfinite(stats["grad_norm"]) and stats["grad_norm"] > 0
        assert stats["out_var"] >= 0
        if stats["activation"] == "sigmoid":  # sigmoid' <= 1/4 and outputs lie in (0, 1)
            assert 0 < stats["mean_abs_d1"] <= 0.25 and 0 < stats["out_mean"] < 1

    health_csv = list(csv.DictReader((out / "health.csv").open()))
    assert len(health_csv) == 8 and {r["activation"] for r in health_csv} == {"relu", "sigmoid"}
    report = (out / "report.html").read_text()
    assert "Gradient norm by layer — digits · mlp · depth 2" in report
    assert "Dead units by epoch — digits · mlp · depth 2" in report
    assert (out / "gradient_norm_digits_mlp_d2.png").is_file()
    assert (out / "dead_fraction_digits_mlp_d2.png").is_file()
    assert "Inactive and saturated inputs by epoch — digits · mlp · depth 2" in report
    assert (out / "flat_inputs_digits_mlp_d2.png").is_file()

    runner = CountingRunner()
    again = run_experiment(from_dict({**TINY, "health": True, "out": str(out)}), runner=runner)
    assert runner.given == [] and again.n_skipped == 2
    assert _health_rows(out) == rows  # not re-recorded, not duplicated
    assert all(len(r.health) == 4 for r in again.records)


def test_health_only_observes_and_is_its_own_run():
    config = next(iter(expand(from_dict({**TINY, "activations": "relu", "epochs": 1}))))
    plain = dataclasses.replace(config, health=False)
    watched = dataclasses.replace(config, health=True)
    a, b = execute_run(plain), execute_run(watched)
    assert a.health == () and len(b.health) == 2
    drop = lambda epochs: [{k: v for k, v in e.items() if k != "seconds"} for e in epochs]
    assert drop(a.epochs) == drop(b.epochs)  # same weights, same metrics
    assert a.test_acc == b.test_acc and a.test_loss == b.test_loss
    assert plain.config_hash != watched.config_hash
    # The hash covers every field but where the data was read from and how it is labelled.
    unhashed = ("data_dir", "label", "num_workers")
    content = {k: v for k, v in plain.to_dict().items() if k not in unhashed}
    content["schema"] = RUN_SCHEMA
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    assert plain.config_hash == hashlib.sha256(text.encode()).hexdigest()[:16]


def test_store_without_health_table_gains_it_and_round_trips_nan(tmp_path):
    with ResultStore(tmp_path):
        pass
    db = sqlite3.connect(tmp_path / FILENAME)
    db.execute("DROP TABLE health")  # a store from before health existed
    db.commit()
    db.close()
    row = dict(
        epoch=1,
        layer=1,
        layer_name="2",
        activation="relu",
        dead_fraction=0.25,
        inactive=0.25,
        saturated=0.0,
        grad_norm=math.nan,  # no backward pass seen
        mean_abs_d1=0.75,
        out_mean=0.5,
        out_var=1.5,
    )
    saved = dataclasses.replace(record("relu", 0, [0.5]), health=(row,))
    with ResultStore(tmp_path) as store:
        store.save(saved)
        store.save(saved)  # a second save replaces, it does not add
        (loaded,) = store.records()
    assert len(loaded.health) == 1 and math.isnan(loaded.health[0]["grad_norm"])
    assert {k: v for k, v in loaded.health[0].items() if k != "grad_norm"} == {
        k: v for k, v in row.items() if k != "grad_norm"
    }


# The health table as store version 2 wrote it: one combined `saturation` column.
V2_HEALTH = """
CREATE TABLE health (
    config_hash   TEXT NOT NULL REFERENCES runs (config_hash) ON DELETE CASCADE,
    epoch         INTEGER NOT NULL,
    layer         INTEGER NOT NULL,
    layer_name    TEXT NOT NULL,
    activation    TEXT NOT NULL,
    dead_fraction REAL,
    saturation    REAL,
    grad_norm     REAL,
    mean_abs_d1   REAL,
    out_mean      REAL,
    out_var       REAL,
    PRIMARY KEY (config_hash, epoch, layer)
);
"""


def _as_version_2(path) -> None:
    db = sqlite3.connect(path)
    db.executescript(
        "ALTER TABLE health RENAME TO health_v3;"
        + V2_HEALTH
        + "INSERT INTO health SELECT config_hash, epoch, layer, layer_name, activation,"
        " dead_fraction, inactive + saturated, grad_norm, mean_abs_d1, out_mean, out_var"
        " FROM health_v3; DROP TABLE health_v3; PRAGMA user_version = 2;"
    )
    db.commit()
    db.close()


def test_a_version_2_store_opens_migrated_and_resumes(tmp_path):
    out = tmp_path / "exp"
    first = {**TINY, "activations": "relu", "epochs": 1, "health": True, "out": str(out)}
    run_experiment(from_dict(first))
    (before,) = ResultStore(out).records()
    _as_version_2(out / FILENAME)
    combined = [row[0] for row in sqlite3.connect(out / FILENAME).execute(
        "SELECT saturation FROM health ORDER BY epoch, layer")]  # fmt: skip

    with ResultStore(out) as store:
        assert any("store version 2" in n and "below_eps_v2" in n for n in store.notes)
        (old,) = store.records()
    assert old.config_hash == before.config_hash and old.epochs == before.epochs
    assert all(math.isnan(h["inactive"]) and math.isnan(h["saturated"]) for h in old.health)
    assert [h["dead_fraction"] for h in old.health] == [h["dead_fraction"] for h in before.health]
    db = sqlite3.connect(out / FILENAME)
    kept = [r[0] for r in db.execute("SELECT below_eps_v2 FROM health ORDER BY epoch, layer")]
    assert kept == combined and all(v > 0 for v in kept)  # ReLU: its inactive half
    assert db.execute("PRAGMA user_version").fetchone()[0] == 3
    db.close()

    # resume: the old run is not redone; a new one is added with the split columns
    runner = CountingRunner()
    again = run_experiment(from_dict({**first, "activations": "relu,sigmoid"}), runner=runner)
    assert again.n_skipped == 1 and len(runner.given) == 1
    with ResultStore(out) as store:
        assert store.notes == []  # migrated once
        new = [r for r in store.records() if r.config.label == "sigmoid"]
    assert len(new) == 1 and all(h["inactive"] == 0 for h in new[0].health)
    assert all(0 <= h["saturated"] <= 1 for h in new[0].health)
