"""Stages of a search: each one experiment of `actlab.experiments` over the same store.

A stage trains a list of activations (candidates as ``expr:...`` labels, and the baseline)
with one budget; `run_experiment` plans it, skips the runs the store already holds (so a
search killed at any moment resumes where it stopped) and commits every run as it finishes.
`fitness` reads the validation score of each run's last epoch from the records — the test
score of these runs is never looked at by the search.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from actlab.experiments import ExperimentConfig, ExperimentResult, Progress, from_dict
from actlab.experiments.experiment import run_experiment
from actlab.experiments.record import RunRecord
from actlab.experiments.runner import Runner
from actlab.search.config import SearchConfig


@dataclass
class StageInfo:
    """What one stage did: its name and budget, how many runs it trained or found finished."""

    name: str
    dataset: str
    model: str
    epochs: int
    seeds: int
    activations: int
    ran: int = 0
    skipped: int = 0
    failed: int = 0
    seconds: float = 0.0
    train_seconds: float = 0.0  # the runs' own time, summed (ran only)
    first_seed: int = 0  # seeds first_seed .. first_seed + seeds - 1
    busy_seconds: float = 0.0  # wall time in which any of the stage's runs trained (store times)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def stage_config(
    config: SearchConfig,
    labels: Sequence[str],
    epochs: int,
    seeds: int,
    out: Path,
    dataset: str | None = None,
    model: str | None = None,
    first_seed: int = 0,
) -> ExperimentConfig:
    """The experiment of one stage: `labels` × `seeds` seeds (first_seed, first_seed + 1, ...)
    of `epochs`."""
    model = model or config.model
    values: dict[str, Any] = {
        "datasets": [dataset or config.dataset],
        "models": [model],
        "activations": list(labels),
        "seeds": list(range(first_seed, first_seed + seeds)) if first_seed else seeds,
        "training": config.training.replace(epochs=epochs).to_dict(),
        "baseline": config.baseline if config.baseline in labels else None,
        "out": str(out),
    }
    if model == config.model:
        values["model_options"] = dict(config.model_options)
    values.update({k: v for k, v in config.backend_keys().items() if v is not None})
    return from_dict(values, source="search stage")


def fitness_of(record: RunRecord, metric: str) -> float:
    """The validation score of a run's last epoch (higher is better; -inf if it failed or is
    NaN): val accuracy, or minus the val loss."""
    if record.status != "finished" or not record.epochs:
        return -math.inf
    last = record.epochs[-1]
    value = last["val_acc"] if metric == "val_acc" else -last["val_loss"]
    return -math.inf if value is None or math.isnan(value) else float(value)


def fitness(records: Sequence[RunRecord], metric: str) -> dict[str, list[float]]:
    """Per activation label, the fitness of each of its runs (in seed order)."""
    out: dict[str, list[float]] = {}
    for record in sorted(records, key=lambda r: (r.config.label, r.config.seed)):
        out.setdefault(record.config.label, []).append(fitness_of(record, metric))
    return out


def mean(values: Sequence[float]) -> float:
    return (
        -math.inf if not values or any(math.isinf(v) for v in values) else sum(values) / len(values)
    )


class Reporter:
    """Progress lines on stderr: one when a stage starts, then every `every` seconds, with the
    runs done, skipped and the rate; works in a terminal and in a nohup log alike."""

    def __init__(self, every: float = 30.0, quiet: bool = False) -> None:
        self.every, self.quiet = every, quiet
        self.name, self.started, self.last = "", 0.0, 0.0

    def start(self, name: str) -> Callable[[Progress], None]:
        self.name, self.started = name, time.perf_counter()
        self.last = self.started
        return self.update

    def update(self, event: Progress) -> None:
        now = time.perf_counter()
        first = event.record is None
        if self.quiet or (not first and now - self.last < self.every and event.done < event.total):
            return
        self.last = now
        ran = event.done - event.skipped
        rate = ran / (now - self.started) * 3600 if now > self.started and ran else 0.0
        print(
            f"[{time.strftime('%H:%M:%S')}] {self.name}: {event.done}/{event.total} runs "
            f"({event.skipped} already in the store), {rate:,.0f} runs/hour",
            file=sys.stderr,
            flush=True,
        )


def run_stage(
    config: SearchConfig,
    info: StageInfo,
    labels: Sequence[str],
    out: Path,
    runner: Runner,
    reporter: Reporter,
    fresh: bool = False,
) -> ExperimentResult:
    """Run one stage (every unfinished run of it) and fill in `info`'s counts and times."""
    from datetime import datetime, timezone

    clock = time.perf_counter()
    began = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    stage = stage_config(
        config, labels, info.epochs, info.seeds, out, info.dataset, info.model, info.first_seed
    )
    result = run_experiment(stage, progress=reporter.start(info.name), fresh=fresh, runner=runner)
    info.ran, info.skipped = result.n_ran, result.n_skipped
    info.failed = len(result.failed)
    info.train_seconds = sum(r.seconds for r in result.records if r.started >= began)
    info.busy_seconds = busy_seconds(result.records)
    info.seconds = time.perf_counter() - clock
    return result


def busy_seconds(records: Sequence[RunRecord]) -> float:
    """Wall time in which at least one of `records` was training: the length of the union of
    their [started, finished] intervals, as the store recorded them. Unlike a process's own
    clock it counts the runs a killed earlier process finished, and not a pause between the
    two processes; it leaves out the planning before the first run and the gaps between runs
    when no run was going."""
    from datetime import datetime

    spans = sorted(
        (datetime.fromisoformat(r.started), datetime.fromisoformat(r.finished))
        for r in records
        if r.started and r.finished
    )
    total, end = 0.0, None
    for start, stop in spans:
        if end is None or start > end:
            total += (stop - start).total_seconds()
            end = stop
        elif stop > end:
            total += (stop - end).total_seconds()
            end = stop
    return total
