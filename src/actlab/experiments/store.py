"""The results store: one SQLite file (`results.sqlite`) per experiment directory.

`runs` holds one row per run (keyed by the run's config hash) with its test metrics, the
data it saw (fingerprint, sizes, files with their SHA-256) and where it ran; `epochs` one row
per run × epoch (train and validation metrics, lr); `health` (runs with `health` on) one row
per run × epoch × activation layer; `activation_params` the trained values of learnable
activations. A run and all its rows are written in one transaction when it finishes, so a
process killed at any moment leaves every finished run intact and no half-written one. WAL
journaling keeps those commits cheap; `synchronous=FULL` makes each one durable once
`commit` returns. Only the experiment's main process writes; workers hand records back.

Nothing is lost: a store is checked (`PRAGMA quick_check`) before any training, with an
error naming the file, the problem and the fix; a finished run that cannot be committed is
appended to `results.recovery.jsonl` beside the store (and imported from there the next time
the store opens). A store written by an older actlab keeps its rows in tables named `*_v1`.

Store version 3 splits the health table's `saturation` (share of pre-activations with
|f'(z)| < eps) into `inactive` (f'(z) = 0) and `saturated` (0 < |f'(z)| < eps). A version-2
store is migrated in place when it opens: its runs stay finished (a resumed experiment does not
redo them); their one combined share cannot be split, so it is kept in the column
`below_eps_v2` and their `inactive` and `saturated` are empty (NaN).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from actlab.experiments.config import RunConfig
from actlab.experiments.learned import LearnedActivation
from actlab.experiments.record import EPOCH_FIELDS, HEALTH_FIELDS, RunRecord, nan_for_none

FILENAME = "results.sqlite"
RECOVERY = "results.recovery.jsonl"
STORE_VERSION = 3
_TABLES = ("runs", "epochs", "health", "activation_params", "meta")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    config_hash    TEXT PRIMARY KEY,
    config_json    TEXT NOT NULL,
    dataset        TEXT NOT NULL,
    model          TEXT NOT NULL,
    depth          INTEGER,
    activation     TEXT NOT NULL,
    seed           INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('finished', 'failed')),
    started        TEXT NOT NULL,
    finished       TEXT NOT NULL,
    seconds        REAL NOT NULL,
    test_loss      REAL,
    test_acc       REAL,
    selected_epoch INTEGER,
    metric         TEXT,
    metrics_json   TEXT NOT NULL DEFAULT '{}',
    data_json      TEXT NOT NULL DEFAULT '{}',
    actlab_version TEXT NOT NULL,
    torch_version  TEXT NOT NULL,
    python_version TEXT NOT NULL,
    machine_json   TEXT NOT NULL,
    error          TEXT
);
CREATE TABLE IF NOT EXISTS epochs (
    config_hash TEXT NOT NULL REFERENCES runs (config_hash) ON DELETE CASCADE,
    epoch       INTEGER NOT NULL,
    train_loss  REAL,
    train_acc   REAL,
    val_loss    REAL,
    val_acc     REAL,
    lr          REAL,
    seconds     REAL NOT NULL,
    PRIMARY KEY (config_hash, epoch)
);
CREATE TABLE IF NOT EXISTS health (
    config_hash   TEXT NOT NULL REFERENCES runs (config_hash) ON DELETE CASCADE,
    epoch         INTEGER NOT NULL,
    layer         INTEGER NOT NULL,
    layer_name    TEXT NOT NULL,
    activation    TEXT NOT NULL,
    dead_fraction REAL,
    inactive      REAL,
    saturated     REAL,
    grad_norm     REAL,
    mean_abs_d1   REAL,
    out_mean      REAL,
    out_var       REAL,
    PRIMARY KEY (config_hash, epoch, layer)
);
CREATE TABLE IF NOT EXISTS activation_params (
    config_hash  TEXT NOT NULL REFERENCES runs (config_hash) ON DELETE CASCADE,
    layer        INTEGER NOT NULL,
    layer_path   TEXT NOT NULL,
    name         TEXT NOT NULL,
    fixed_json   TEXT NOT NULL,
    learned_json TEXT NOT NULL,
    PRIMARY KEY (config_hash, layer)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_RUN_COLUMNS = (
    "config_hash, config_json, status, started, finished, seconds, test_loss, test_acc,"
    " selected_epoch, metric, metrics_json, data_json, actlab_version, torch_version,"
    " python_version, machine_json, error"
)


class StoreError(RuntimeError):
    """The store cannot be opened or used; the message names the file, the problem, the fix."""


class ResultStore:
    """Open (creating if needed) `<directory>/results.sqlite`; `fresh=True` deletes it first.

    Raises StoreError, naming the file, for a store that is not a healthy SQLite database.
    """

    def __init__(self, directory: str | Path, fresh: bool = False) -> None:
        self.directory = Path(directory)
        self.path = self.directory / FILENAME
        self.recovery_path = self.directory / RECOVERY
        self.notes: list[str] = []
        if fresh:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
        if self.path.is_dir():
            raise StoreError(
                f"{self.path} is a directory, not a results store; remove it or choose another --out"
            )
        existed = self.path.exists()
        if existed and self.path.stat().st_size == 0:
            self.notes.append(f"{self.path} was empty (0 bytes): starting a new store there")
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._check()
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._upgrade()
            self._split_saturation()
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version = {STORE_VERSION}")
        except sqlite3.Error as error:
            raise StoreError(self._broken(str(error))) from None
        self._import_recovered()

    def _broken(self, problem: str) -> str:
        return (
            f"the results store {self.path} is damaged ({problem}); start over with --fresh, "
            "or choose another --out (the file is left as it is)"
        )

    def _check(self) -> None:
        rows = self._db.execute("PRAGMA quick_check").fetchall()
        if [r[0] for r in rows] != ["ok"]:
            problem = "; ".join(str(r[0]) for r in rows[:3])
            raise StoreError(self._broken(f"integrity check failed: {problem}"))

    def _tables(self) -> set[str]:
        rows = self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {r[0] for r in rows}

    def _upgrade(self) -> None:
        """Keep a version-1 store's rows in `*_v1` tables; new runs go to fresh tables."""
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        tables = self._tables()
        if version >= STORE_VERSION or "runs" not in tables:
            return
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(runs)")}
        if "test_acc" in columns:
            return
        with _Transaction(self._db):
            for name in _TABLES:
                if name in tables:
                    self._db.execute(f"ALTER TABLE {name} RENAME TO {name}_v1")
        self.notes.append(
            f"{self.path} was written by an older actlab (store version 1); its runs are kept "
            "in the tables runs_v1, epochs_v1, ... and are not reused (runs now train on a "
            "validation split, so their results differ)"
        )

    def _split_saturation(self) -> None:
        """Version 2 -> 3: the health table's combined `saturation` becomes `below_eps_v2`,
        and the columns `inactive` and `saturated` are added (empty for the old rows)."""
        if "health" not in self._tables():
            return
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(health)")}
        if "saturation" not in columns or "inactive" in columns:
            return
        with _Transaction(self._db):
            self._db.execute("ALTER TABLE health RENAME COLUMN saturation TO below_eps_v2")
            self._db.execute("ALTER TABLE health ADD COLUMN inactive REAL")
            self._db.execute("ALTER TABLE health ADD COLUMN saturated REAL")
        self.notes.append(
            f"{self.path} was written by an older actlab (store version 2): its health rows' "
            "'saturation' (|f'| < eps, zero and small derivatives together) is kept as column "
            "below_eps_v2; those runs show no inactive/saturated split (new runs do)"
        )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------
    def save(self, record: RunRecord) -> None:
        """Write one run and its rows atomically, replacing an earlier failed attempt.

        If the commit fails, the record goes to the recovery file and StoreError says where.
        """
        try:
            self._save(record)
        except sqlite3.Error as error:
            with self.recovery_path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record.to_json(), sort_keys=True) + "\n")
            raise StoreError(
                f"run {record.config_hash} ({record.config.label}, seed {record.config.seed}) "
                f"could not be written to {self.path} ({error}); it is kept in "
                f"{self.recovery_path} and will be imported when the store is healthy again"
            ) from None

    def _save(self, record: RunRecord) -> None:
        c = record.config
        row = (
            record.config_hash,
            json.dumps(c.to_dict(), sort_keys=True),
            c.dataset,
            c.model,
            c.depth,
            c.label,
            c.seed,
            record.status,
            record.started,
            record.finished,
            record.seconds,
            record.test_loss,
            record.test_acc,
            record.selected_epoch,
            record.metric,
            json.dumps(record.metrics, sort_keys=True),
            json.dumps(record.data, sort_keys=True),
            record.versions.get("actlab", ""),
            record.versions.get("torch", ""),
            record.versions.get("python", ""),
            json.dumps(record.machine, sort_keys=True),
            record.error,
        )
        epochs = [(record.config_hash, *(e[k] for k in EPOCH_FIELDS)) for e in record.epochs]
        health = [(record.config_hash, *(h[k] for k in HEALTH_FIELDS)) for h in record.health]
        learned = [
            (
                record.config_hash,
                a.layer,
                a.path,
                a.name,
                json.dumps(a.fixed, sort_keys=True),
                json.dumps(a.learned, sort_keys=True),
            )
            for a in record.learned
        ]
        columns = "config_hash, config_json, dataset, model, depth, activation, seed, status," + (
            " started, finished, seconds, test_loss, test_acc, selected_epoch, metric,"
            " metrics_json, data_json, actlab_version, torch_version, python_version,"
            " machine_json, error"
        )
        with _Transaction(self._db):
            # The cascade removes an earlier attempt's epochs, health and learned rows too.
            self._db.execute("DELETE FROM runs WHERE config_hash = ?", (record.config_hash,))
            marks = ", ".join("?" * len(row))
            self._db.execute(f"INSERT INTO runs ({columns}) VALUES ({marks})", row)
            marks = ", ".join("?" * (len(EPOCH_FIELDS) + 1))
            self._db.executemany(
                f"INSERT INTO epochs (config_hash, {', '.join(EPOCH_FIELDS)}) VALUES ({marks})",
                epochs,
            )
            marks = ", ".join("?" * (len(HEALTH_FIELDS) + 1))
            self._db.executemany(
                f"INSERT INTO health (config_hash, {', '.join(HEALTH_FIELDS)}) VALUES ({marks})",
                health,
            )
            self._db.executemany("INSERT INTO activation_params VALUES (?, ?, ?, ?, ?, ?)", learned)

    def _import_recovered(self) -> None:
        if not self.recovery_path.exists():
            return
        lines = self.recovery_path.read_text(encoding="utf-8").splitlines()
        records = [RunRecord.from_json(json.loads(line)) for line in lines if line.strip()]
        for record in records:
            self._save(record)
        self.recovery_path.unlink()
        self.notes.append(
            f"imported {len(records)} run(s) from {self.recovery_path.name} into the store"
        )

    def set_meta(self, key: str, value: Any) -> None:
        with _Transaction(self._db):
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                (key, json.dumps(value, sort_keys=True)),
            )

    # -- reading ----------------------------------------------------------------------------
    def meta(self, key: str) -> Any:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def finished_hashes(self) -> set[str]:
        rows = self._db.execute("SELECT config_hash FROM runs WHERE status = 'finished'")
        return {r[0] for r in rows}

    def records(self, hashes: Iterable[str] | None = None) -> list[RunRecord]:
        """Stored runs (all, or those whose hash is in `hashes`), in the order they finished."""
        wanted = set(hashes) if hashes is not None else None
        rows = [
            r
            for r in self._db.execute(f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY finished, rowid")
            if wanted is None or r[0] in wanted
        ]
        keep = {r[0] for r in rows}
        epochs: dict[str, list[dict[str, float]]] = {}
        for row in self._db.execute(
            f"SELECT config_hash, {', '.join(EPOCH_FIELDS)} FROM epochs ORDER BY config_hash, epoch"
        ):
            if row[0] in keep:
                values = [nan_for_none(v) for v in row[1:]]  # SQLite stores NaN as NULL
                epochs.setdefault(row[0], []).append(dict(zip(EPOCH_FIELDS, values, strict=True)))
        health: dict[str, list[dict[str, Any]]] = {}
        for row in self._db.execute(
            f"SELECT config_hash, {', '.join(HEALTH_FIELDS)} FROM health"
            " ORDER BY config_hash, epoch, layer"
        ):
            if row[0] in keep:
                values = [nan_for_none(v) for v in row[1:]]
                health.setdefault(row[0], []).append(dict(zip(HEALTH_FIELDS, values, strict=True)))
        learned = self._learned()
        records = []
        for (h, cfg, status, started, finished, seconds, test_loss, test_acc, selected, metric,
             metrics, data, va, vt, vp, machine, error) in rows:  # fmt: skip
            records.append(
                RunRecord(
                    config=RunConfig.from_dict(json.loads(cfg)),
                    status=status,
                    started=started,
                    finished=finished,
                    seconds=seconds,
                    versions={"actlab": va, "torch": vt, "python": vp},
                    machine=json.loads(machine),
                    epochs=tuple(epochs.get(h, [])),
                    error=error,
                    config_hash=h,
                    health=tuple(health.get(h, [])),
                    learned=tuple(learned.get(h, [])),
                    test_loss=nan_for_none(test_loss),
                    test_acc=nan_for_none(test_acc),
                    selected_epoch=selected,
                    metric=metric or "accuracy",
                    metrics=json.loads(metrics),
                    data=json.loads(data),
                )
            )
        return records

    def _learned(self) -> dict[str, list[LearnedActivation]]:
        out: dict[str, list[LearnedActivation]] = {}
        for h, layer, path, name, fixed, learned in self._db.execute(
            "SELECT config_hash, layer, layer_path, name, fixed_json, learned_json"
            " FROM activation_params ORDER BY config_hash, layer"
        ):
            row = LearnedActivation(layer, path, name, json.loads(fixed), json.loads(learned))
            out.setdefault(h, []).append(row)
        return out

    def find_run(self, prefix: str) -> RunRecord:
        """The run whose config hash starts with `prefix` (LookupError if none or several)."""
        hashes = sorted(r[0] for r in self._db.execute("SELECT config_hash FROM runs"))
        matches = [h for h in hashes if prefix and h.startswith(prefix)]
        if len(matches) == 1:
            return self.records(matches)[0]
        if matches:
            raise LookupError(
                f"run id {prefix!r} is ambiguous in {self.path}: it starts "
                f"{len(matches)} runs ({', '.join(m[:12] for m in matches[:5])}, ...)"
            )
        listing = ", ".join(h[:12] for h in hashes[:8]) + (" ..." if len(hashes) > 8 else "")
        raise LookupError(
            f"no run {prefix!r} in {self.path}; "
            + (f"its {len(hashes)} runs include: {listing}" if hashes else "it holds no runs")
        )


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT (ROLLBACK on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
