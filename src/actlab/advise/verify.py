"""`--verify`: a short tournament of the shortlist on the user's own model and data, within a
time budget, through the compare API with the Monitor's health recorded, re-ranked by what
it measured.

The budget is kept by construction: one calibration run (the first activation, one seed,
one epoch) measures the seconds per epoch; the epochs per run are then chosen so that the
whole tournament fits in the time left (with a reserve for start-up and the report); and
activations are trained one at a time into the same resumable store, each only when the
time its runs are expected to take is still left. What did not fit is reported as not
verified, never silently dropped.
"""

from __future__ import annotations

import math
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESERVE = 0.15  # share of the budget kept for start-up, planning and the summary
MAX_EPOCHS = 20


def parse_budget(text: str | float | int) -> float:
    """Seconds from ``"10m"``, ``"90s"``, ``"1h"``, ``"1m30s"`` or a number of seconds."""
    if isinstance(text, bool):
        raise ValueError(f"budget must be a duration such as 10m or 90s, got {text!r}")
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        parts = re.fullmatch(
            r"\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s?)?\s*",
            str(text),
        )
        if not parts or not any(parts.groups()):
            raise ValueError(
                f"budget must be a duration such as 10m, 90s, 1h or 1m30s; got {text!r}"
            )
        h, m, s = (float(g) if g else 0.0 for g in parts.groups())
        seconds = 3600 * h + 60 * m + s
    if not math.isfinite(seconds) or seconds < 5:
        raise ValueError(f"budget must be at least 5 seconds, got {text!r}")
    return seconds


@dataclass
class Verification:
    """What the tournament measured: one row per activation, best first."""

    rows: list[dict[str, Any]]
    budget: float
    seconds: float
    epochs: int
    seeds: int
    not_verified: list[str] = field(default_factory=list)
    out: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "budget_seconds": self.budget,
            "seconds": round(self.seconds, 1),
            "epochs": self.epochs,
            "seeds": self.seeds,
            "ranking": self.rows,
            "not_verified": self.not_verified,
            "out": self.out,
            "notes": self.notes,
        }


def plan_epochs(
    left: float,
    per_epoch: float,
    per_run: float,
    activations: int,
    seeds: int,
    runs_at_once: int,
    max_epochs: int = MAX_EPOCHS,
) -> tuple[int, int, list[str]]:
    """(epochs, seeds, notes): the most epochs (at most `max_epochs`) such that `activations`
    × `seeds` runs, `runs_at_once` at a time, fit in `left` seconds; one seed when two
    epochs of several seeds do not fit; at least one epoch."""
    notes: list[str] = []

    def fit(n: int) -> int:
        waves = activations * math.ceil(n / runs_at_once)
        return int((left / waves - per_run) / per_epoch) if left > 0 else 0

    epochs = fit(seeds)
    if epochs < 2 and seeds > 1:
        seeds = 1
        notes.append("the budget fits one seed per activation: no interval can be given")
        epochs = fit(1)
    return min(max(epochs, 1), max_epochs), seeds, notes


def _costs(records) -> tuple[float, float]:
    """(seconds per epoch, seconds of a run outside its epochs) from calibration runs."""
    r = max(records, key=lambda r: r.seconds)
    epochs = [e["seconds"] for e in r.epochs] or [r.seconds]
    per_epoch = max(max(epochs), 1e-3)
    return per_epoch, max(r.seconds - sum(epochs), 0.0)


def _health(records) -> dict[str, float | None]:
    """Worst dead fraction and saturated share (flat tails) over layers at the last epoch, and
    the ratio of the first to the last layer's gradient norm (≪ 1: vanishing), averaged over
    seeds."""
    dead, sat, ratio = [], [], []
    for r in records:
        if not r.health:
            continue
        final = max(h["epoch"] for h in r.health)
        layers = sorted((h for h in r.health if h["epoch"] == final), key=lambda h: h["layer"])
        dead.append(max(h["dead_fraction"] for h in layers))
        sat.append(max(h["saturated"] for h in layers))
        first, last = layers[0]["grad_norm"], layers[-1]["grad_norm"]
        if last and last > 0 and not math.isnan(first):
            ratio.append(first / last)
    mean = lambda v: None if not v else float(sum(v) / len(v))
    return {
        "max_dead_fraction": mean(dead),
        "max_saturated": mean(sat),
        "grad_first_over_last": mean(ratio),
    }


def verify(
    shortlist: list[str],
    model: Any,
    data: Any,
    budget: float,
    *,
    seeds: int = 2,
    out: str | Path | None = None,
    task: str = "classification",
    max_epochs: int = MAX_EPOCHS,
    workers: int | None = None,
) -> Verification:
    """Train `shortlist` on `model` and `data` (anything `actlab.compare` takes) within
    `budget` seconds and rank them by mean test score."""
    from actlab.comparison import _source, run_and_report
    from actlab.experiments import from_dict, run_experiment
    from actlab.experiments.stats import mean_ci

    clock = time.perf_counter()
    shortlist = list(dict.fromkeys(shortlist))
    out = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="actlab-verify-"))
    common: dict[str, Any] = {
        "models": [_source(model, "model", "model")],
        "datasets": [_source(data, "data", "data")],
        "task": task,
        "select": "best-val",
        "health": True,
    }
    if workers is not None:
        common["workers"] = workers
    config = lambda acts, n, e, where: from_dict(
        {
            **common,
            "activations": acts,
            "seeds": n,
            "epochs": e,
            "baseline": acts[0],
            "out": str(where),
        },
        source="verify",
    )
    calibration = run_experiment(config(shortlist[:1], 1, 2, out / "calibration"))
    per_epoch, per_run = _costs(calibration.records)
    left = budget * (1 - RESERVE) - (time.perf_counter() - clock)
    runs_at_once = max(1, min(2, workers or 2))
    epochs, seeds, notes = plan_epochs(
        left, per_epoch, per_run, len(shortlist), seeds, runs_at_once, max_epochs
    )
    waves = math.ceil(seeds / runs_at_once)  # the seeds of one activation run side by side
    done: list[str] = []
    not_verified: list[str] = []
    for activation in shortlist:
        expected = (per_run + per_epoch * epochs) * waves
        if time.perf_counter() - clock + expected > budget * (1 - RESERVE / 2):
            not_verified.append(activation)
            continue
        done.append(activation)
        run_experiment(config(done, seeds, epochs, out))  # resumes: trains the new one only
    result = run_and_report(config(done, seeds, epochs, out), progress=False) if done else None
    rows = []
    if result is not None:
        by_label: dict[str, list] = {}
        for r in result.records:
            if r.status == "finished":
                by_label.setdefault(r.config.label, []).append(r)
        for row in result.summary:
            ci = mean_ci([r.test_acc for r in by_label.get(row.activation, [])])
            rows.append(
                {
                    "activation": row.activation,
                    "test_score": row.test_acc_mean,
                    "ci95": [
                        None if math.isnan(ci.low) else ci.low,
                        None if math.isnan(ci.high) else ci.high,
                    ],
                    "metric": row.metric,
                    "lr": row.lr,
                    "seeds": row.n_seeds,
                    **_health(by_label.get(row.activation, [])),
                }
            )
        rows.sort(key=lambda r: -r["test_score"])
        for rank, r in enumerate(rows, start=1):
            r["rank"] = rank
    if not_verified:
        notes.append(f"not verified within the budget: {', '.join(not_verified)}")
    return Verification(
        rows, budget, time.perf_counter() - clock, epochs, seeds, not_verified, str(out), notes
    )
