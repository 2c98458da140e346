"""The SQLite store: round trip, replacing failed runs, --fresh, and the table layout."""

from __future__ import annotations

import sqlite3

from actlab.experiments.store import FILENAME, ResultStore
from tests.experiments._records import record, two_activation_records


def test_round_trip_keeps_every_field(tmp_path):
    records = two_activation_records()
    with ResultStore(tmp_path) as store:
        for r in records:
            store.save(r)
    with ResultStore(tmp_path) as store:
        back = store.records()
    assert len(back) == len(records)
    by_hash = {r.config_hash: r for r in back}
    for original in records:
        loaded = by_hash[original.config_hash]
        assert loaded.config == original.config
        assert loaded.epochs == original.epochs
        assert (loaded.status, loaded.started, loaded.finished) == (
            original.status,
            original.started,
            original.finished,
        )
        assert loaded.versions == original.versions and loaded.machine == original.machine


def test_tables_hold_runs_and_epochs(tmp_path):
    with ResultStore(tmp_path) as store:
        for r in two_activation_records():
            store.save(r)
    db = sqlite3.connect(tmp_path / FILENAME)
    runs = db.execute(
        "SELECT config_hash, activation, seed, status, torch_version FROM runs"
    ).fetchall()
    assert len(runs) == 9 and {r[3] for r in runs} == {"finished"}
    assert db.execute("SELECT COUNT(*) FROM epochs").fetchone()[0] == 9 * 3
    dupes = db.execute(
        "SELECT COUNT(*) FROM (SELECT config_hash FROM runs GROUP BY config_hash "
        "HAVING COUNT(*) > 1)"
    ).fetchone()[0]
    assert dupes == 0


def test_failed_run_is_replaced_by_its_retry(tmp_path):
    retry = record("relu", 0, [0.5, 0.6, 0.7])
    failed = record("relu", 0, [0.5, 0.6, 0.7], status="failed")
    assert failed.config_hash == retry.config_hash
    with ResultStore(tmp_path) as store:
        store.save(failed)
        assert store.finished_hashes() == set()
        store.save(retry)
        assert store.finished_hashes() == {retry.config_hash}
        [back] = store.records()
    assert back.status == "finished" and len(back.epochs) == 3


def test_records_can_be_selected_by_hash(tmp_path):
    records = two_activation_records()
    with ResultStore(tmp_path) as store:
        for r in records:
            store.save(r)
        picked = store.records([records[0].config_hash, records[4].config_hash])
    assert {r.config_hash for r in picked} == {records[0].config_hash, records[4].config_hash}


def test_fresh_starts_over(tmp_path):
    with ResultStore(tmp_path) as store:
        store.save(record("relu", 0, [0.5]))
        store.set_meta("experiment", {"epochs": 1})
    with ResultStore(tmp_path) as store:
        assert len(store.records()) == 1 and store.meta("experiment") == {"epochs": 1}
    with ResultStore(tmp_path, fresh=True) as store:
        assert store.records() == [] and store.meta("experiment") is None
