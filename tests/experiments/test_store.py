"""The SQLite store: round trip, replacing failed runs, --fresh, and the table layout."""

from __future__ import annotations

import sqlite3

import pytest

from actlab.experiments.store import FILENAME, RECOVERY, ResultStore, StoreError
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


def test_test_metrics_and_data_round_trip(tmp_path):
    original = record("relu", 0, [0.5, 0.7])
    original = type(original)(**{**original.__dict__, "metrics": {"test": {"f1": 0.5}},
                                 "data": {"fingerprint": "abc", "sizes": {"train": 9}}})  # fmt: skip
    with ResultStore(tmp_path) as store:
        store.save(original)
        [back] = store.records()
    assert (back.test_acc, back.test_loss, back.selected_epoch) == (0.7, pytest.approx(0.3), 2)
    assert back.metrics == {"test": {"f1": 0.5}} and back.data["fingerprint"] == "abc"


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (
            lambda p: p.write_bytes(b"this is not a database, just text" * 100),
            "file is not a database",
        ),
        (lambda p: p.write_bytes(p.read_bytes()[:1500]), "damaged"),
        (lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000), "damaged"),
    ],
    ids=["garbage", "truncated", "bad-header"],
)
def test_a_damaged_store_is_named_with_the_fix(tmp_path, damage, problem):
    with ResultStore(tmp_path) as store:
        for r in two_activation_records():
            store.save(r)
    for suffix in ("-wal", "-shm"):
        (tmp_path / (FILENAME + suffix)).unlink(missing_ok=True)
    damage(tmp_path / FILENAME)
    with pytest.raises(StoreError) as info:
        ResultStore(tmp_path)
    message = str(info.value)
    assert str(tmp_path / FILENAME) in message and "--fresh" in message and "--out" in message
    assert problem in message


def test_a_corrupt_page_in_a_table_fails_the_integrity_check(tmp_path):
    with ResultStore(tmp_path) as store:
        for i in range(40):
            store.save(record("relu", i, [0.5] * 40))
    db = sqlite3.connect(tmp_path / FILENAME)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'epochs'").fetchone()[0]
    db.close()
    path = tmp_path / FILENAME
    data = bytearray(path.read_bytes())
    start = (root - 1) * page_size
    data[start + 8 : start + 200] = b"\xab" * 192  # scribble over the epochs table's root page
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="integrity check failed|damaged"):
        ResultStore(tmp_path)


def test_a_directory_in_place_of_the_store_is_named(tmp_path):
    (tmp_path / FILENAME).mkdir()
    with pytest.raises(StoreError, match="is a directory, not a results store"):
        ResultStore(tmp_path)


def test_an_empty_store_file_is_started_anew_and_said(tmp_path):
    (tmp_path / FILENAME).write_bytes(b"")
    with ResultStore(tmp_path) as store:
        assert any("was empty (0 bytes)" in n for n in store.notes)
        store.save(record("relu", 0, [0.5]))


def test_a_run_that_cannot_be_committed_goes_to_the_recovery_file(tmp_path):
    kept = record("relu", 1, [0.4, 0.6])
    with ResultStore(tmp_path) as store:
        other = sqlite3.connect(tmp_path / FILENAME)
        other.execute("DROP TABLE epochs")  # the store is damaged under the writer
        other.close()
        with pytest.raises(StoreError, match="results.recovery.jsonl"):
            store.save(kept)
    assert (tmp_path / RECOVERY).exists()
    with ResultStore(tmp_path) as store:
        [back] = store.records()
        assert any("imported 1 run" in n for n in store.notes)
    assert back.config_hash == kept.config_hash and back.epochs == kept.epochs
    assert not (tmp_path / RECOVERY).exists()


def test_a_version_1_store_keeps_its_rows_aside(tmp_path):
    db = sqlite3.connect(tmp_path / FILENAME)
    db.executescript(
        "CREATE TABLE runs (config_hash TEXT PRIMARY KEY, config_json TEXT);"
        "CREATE TABLE epochs (config_hash TEXT, epoch INTEGER, test_acc REAL);"
        "INSERT INTO runs VALUES ('abc', '{}'); INSERT INTO epochs VALUES ('abc', 1, 0.5);"
    )
    db.commit()
    db.close()
    with ResultStore(tmp_path) as store:
        assert any("older actlab" in n and "runs_v1" in n for n in store.notes)
        store.save(record("relu", 0, [0.5]))
        assert len(store.records()) == 1
    db = sqlite3.connect(tmp_path / FILENAME)
    assert db.execute("SELECT COUNT(*) FROM runs_v1").fetchone()[0] == 1
    assert db.execute("SELECT COUNT(*) FROM epochs_v1").fetchone()[0] == 1
