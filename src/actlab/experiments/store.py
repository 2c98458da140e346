"""The results store: one SQLite file (`results.sqlite`) per experiment directory.

`runs` holds one row per run (keyed by the run's config hash), `epochs` one row per run ×
epoch and `health` (runs with `health` on) one row per run × epoch × activation layer; a store
made before the `health` or `activation_params` table existed gains it, empty, when opened.
`activation_params` holds, for runs whose activation has learnable parameters, one row per
learnable activation layer: spec name, fixed params and the trained values (JSON). A run with its epochs
health and learned-parameter rows is written in one transaction when the run finishes, so a process killed at
any moment leaves every finished run intact and no half-written one. WAL journaling keeps
those commits cheap; `synchronous=FULL` makes each one durable once `commit` returns.
Only the experiment's main process writes; workers hand their records back to it.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actlab.experiments.config import RunConfig
from actlab.experiments.learned import LearnedActivation

FILENAME = "results.sqlite"
EPOCH_FIELDS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "seconds")
HEALTH_FIELDS = (
    "epoch",
    "layer",
    "layer_name",
    "activation",
    "dead_fraction",
    "saturation",
    "grad_norm",
    "mean_abs_d1",
    "out_mean",
    "out_var",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    config_hash    TEXT PRIMARY KEY,
    config_json    TEXT NOT NULL,
    dataset        TEXT NOT NULL,
    model          TEXT NOT NULL,
    depth          INTEGER NOT NULL,
    activation     TEXT NOT NULL,
    seed           INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('finished', 'failed')),
    started        TEXT NOT NULL,
    finished       TEXT NOT NULL,
    seconds        REAL NOT NULL,
    actlab_version TEXT NOT NULL,
    torch_version  TEXT NOT NULL,
    python_version TEXT NOT NULL,
    machine_json   TEXT NOT NULL,
    error          TEXT
);
CREATE TABLE IF NOT EXISTS epochs (
    config_hash TEXT NOT NULL REFERENCES runs (config_hash) ON DELETE CASCADE,
    epoch       INTEGER NOT NULL,
    train_loss  REAL NOT NULL,
    train_acc   REAL NOT NULL,
    test_loss   REAL NOT NULL,
    test_acc    REAL NOT NULL,
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
    saturation    REAL,
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


@dataclass(frozen=True)
class RunRecord:
    """A finished (or failed) run: its config, per-epoch metrics, timing and environment.

    `epochs` holds dicts with the keys of `EPOCH_FIELDS`; epochs count from 1. `health` holds
    dicts with the keys of `HEALTH_FIELDS` (layers count from 1 in forward order; NaN where a
    statistic was not measured), empty unless the run recorded health. `learned` holds the
    trained learnable activations (`actlab.experiments.learned.capture`), empty for fixed ones.
    """

    config: RunConfig
    status: str
    started: str
    finished: str
    seconds: float
    versions: dict[str, str]
    machine: dict[str, Any]
    epochs: tuple[dict[str, float], ...] = ()
    error: str | None = None
    config_hash: str = field(default="")
    health: tuple[dict[str, Any], ...] = ()
    learned: tuple[LearnedActivation, ...] = ()

    def __post_init__(self) -> None:
        if not self.config_hash:
            object.__setattr__(self, "config_hash", self.config.config_hash)

    @property
    def final(self) -> dict[str, float] | None:
        """The last epoch's metrics (None for a run that failed before any epoch)."""
        return self.epochs[-1] if self.epochs else None


class ResultStore:
    """Open (creating if needed) `<directory>/results.sqlite`; `fresh=True` deletes it first."""

    def __init__(self, directory: str | Path, fresh: bool = False) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / FILENAME
        if fresh:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------
    def save(self, record: RunRecord) -> None:
        """Write one run and its epochs atomically, replacing an earlier failed attempt."""
        row = (
            record.config_hash,
            json.dumps(record.config.to_dict(), sort_keys=True),
            record.config.dataset,
            record.config.model,
            record.config.depth,
            record.config.label,
            record.config.seed,
            record.status,
            record.started,
            record.finished,
            record.seconds,
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
        with self._transaction():
            # The cascade removes an earlier attempt's epochs, health and learned rows too.
            self._db.execute("DELETE FROM runs WHERE config_hash = ?", (record.config_hash,))
            self._db.execute(f"INSERT INTO runs VALUES ({', '.join('?' * len(row))})", row)
            self._db.executemany("INSERT INTO epochs VALUES (?, ?, ?, ?, ?, ?, ?)", epochs)
            marks = ", ".join("?" * (len(HEALTH_FIELDS) + 1))
            self._db.executemany(
                f"INSERT INTO health (config_hash, {', '.join(HEALTH_FIELDS)}) VALUES ({marks})",
                health,
            )
            self._db.executemany("INSERT INTO activation_params VALUES (?, ?, ?, ?, ?, ?)", learned)

    def set_meta(self, key: str, value: Any) -> None:
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                (key, json.dumps(value, sort_keys=True)),
            )

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    # -- reading ----------------------------------------------------------------------------
    def meta(self, key: str) -> Any:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def finished_hashes(self) -> set[str]:
        rows = self._db.execute("SELECT config_hash FROM runs WHERE status = 'finished'")
        return {r[0] for r in rows}

    def records(self, hashes: Iterable[str] | None = None) -> list[RunRecord]:
        """Stored runs (all, or those whose hash is in `hashes`), in the order they finished."""
        rows = self._db.execute(
            "SELECT config_hash, config_json, status, started, finished, seconds, actlab_version,"
            " torch_version, python_version, machine_json, error FROM runs ORDER BY finished, rowid"
        ).fetchall()
        wanted = set(hashes) if hashes is not None else None
        epochs: dict[str, list[dict[str, float]]] = {}
        for row in self._db.execute(
            f"SELECT config_hash, {', '.join(EPOCH_FIELDS)} FROM epochs ORDER BY config_hash, epoch"
        ):
            epochs.setdefault(row[0], []).append(dict(zip(EPOCH_FIELDS, row[1:], strict=True)))
        health: dict[str, list[dict[str, Any]]] = {}
        for row in self._db.execute(
            f"SELECT config_hash, {', '.join(HEALTH_FIELDS)} FROM health"
            " ORDER BY config_hash, epoch, layer"
        ):
            # SQLite stores NaN as NULL; give back the NaN that was written.
            values = [math.nan if v is None else v for v in row[1:]]
            health.setdefault(row[0], []).append(dict(zip(HEALTH_FIELDS, values, strict=True)))
        learned = self._learned()
        records = []
        for h, cfg, status, started, finished, seconds, va, vt, vp, machine, error in rows:
            if wanted is not None and h not in wanted:
                continue
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
