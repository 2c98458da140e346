"""`ExperimentResult`: what an experiment returns — config, store records, summary, files."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actlab.experiments.config import ExperimentConfig
from actlab.experiments.record import RunRecord
from actlab.experiments.stats import SummaryRow
from actlab.experiments.tuning import Candidate


@dataclass
class ExperimentResult:
    """A finished experiment.

    `records` are the final runs (tuning-only runs are in the store, and their validation
    means in `tuning`); `summary` one row per setting and activation; `files` every output
    written (store, CSVs, figures, report); `notes` what the user should know (a baseline
    chosen for them, an upgraded store, a recovered run); `plan` the (concurrent runs,
    threads per run) the runner used; `backend` where the runs ran (``{"backend": "local"}``,
    or Ray's version, address, node count, resources, request per run and retries).
    """

    config: ExperimentConfig
    out: Path
    summary: list[SummaryRow]
    records: list[RunRecord]
    n_total: int
    n_ran: int
    n_skipped: int
    seconds: float
    baseline: str = "relu"
    files: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    tuning: list[Candidate] = field(default_factory=list)
    plan: tuple[int, int] | None = None
    backend: dict[str, Any] = field(default_factory=lambda: {"backend": "local"})

    @property
    def failed(self) -> list[RunRecord]:
        return [r for r in self.records if r.status == "failed"]

    def summary_json(self) -> dict[str, Any]:
        """The summary as JSON-ready data (NaN becomes null)."""
        return {
            "out": str(self.out),
            "baseline": self.baseline,
            "runs": {
                "total": self.n_total,
                "ran": self.n_ran,
                "skipped": self.n_skipped,
                "failed": len(self.failed),
                "ids": {
                    f"{r.config.label} seed {r.config.seed}": r.config_hash for r in self.records
                },
            },
            "backend": dict(self.backend),
            "notes": list(self.notes),
            "tuning": [json_safe(c.to_dict()) for c in self.tuning],
            "summary": [json_safe(row.to_dict()) for row in self.summary],
        }


def json_safe(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in data.items()}
