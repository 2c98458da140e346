"""Run a whole experiment: check and plan, tune, run, summarise.

`run_experiment(config)` is what `actlab compare` and `actlab.compare` call (through
`actlab.comparison.run_and_report`, which then writes the report):

1. Plan, before anything is created on disk: the device is checked, each dataset is read
   once (its fingerprint keys the runs), each model source is resolved and built once, so a
   missing file, a bad factory or data of the wrong shape stops the experiment with one clear
   error instead of N failed runs and a stray output directory.
2. Take the output directory's lock (one writer), open and check the store.
3. With `tune_lr` / `tune_wd`: train every candidate on the tuning seeds, choose per setting
   and activation on validation data.
4. Run every final run not yet in the store; each is committed as it finishes.
5. Summarise the final runs (`actlab.report.experiment.write_outputs` writes the CSVs,
   figures and `report.html` from the result).

Running it again on the same directory re-runs only what has not finished.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from actlab.experiments.checks import resolve_baseline
from actlab.experiments.config import ExperimentConfig, RunConfig
from actlab.experiments.errors import BackendError
from actlab.experiments.grid import cells, expand, final_count, tuning_runs
from actlab.experiments.lock import DirectoryLockedError, experiment_lock
from actlab.experiments.record import RunRecord
from actlab.experiments.result import ExperimentResult
from actlab.experiments.runner import Runner, runner_for
from actlab.experiments.sources import SourceError
from actlab.experiments.stats import summarise
from actlab.experiments.store import ResultStore, StoreError
from actlab.experiments.tuning import choose, chooser


class ExperimentError(RuntimeError):
    """The experiment cannot start (data missing, a model that cannot be built, a locked or
    damaged output directory); the message says what and how to fix it."""


@dataclass(frozen=True)
class Progress:
    """Sent to the `progress` callback: once at the start (`record` None), then per run.
    `stage` is "tuning" while learning rates are being chosen, else "final"."""

    done: int
    total: int
    skipped: int
    record: RunRecord | None = None
    stage: str = "final"


def default_out(now: datetime | None = None, kind: str = "compare") -> Path:
    return Path("runs") / f"{kind}-{(now or datetime.now()).strftime('%Y%m%d-%H%M%S')}"


def run_experiment(
    config: ExperimentConfig,
    progress: Callable[[Progress], None] | None = None,
    fresh: bool = False,
    runner: Runner | None = None,
) -> ExperimentResult:
    """Run every unfinished run of `config`'s grid, then write the summary, figures and report."""
    clock = time.perf_counter()
    out = Path(config.out) if config.out is not None else default_out()
    config = config.replace(out=str(out))
    fingerprints = plan(config)
    _make_directory(out)
    baseline, why = resolve_baseline(config)
    notes = [] if why in ("given", "default") else [f"baseline: {baseline} ({why})"]
    own_runner = runner is None
    runner = runner or runner_for(config)
    try:
        with experiment_lock(out), ResultStore(out, fresh=fresh) as store:
            notes += store.notes
            store.set_meta("experiment", config.to_dict())
            counter = _Counter(store.finished_hashes(), progress)
            tuning_table = []
            chosen = None
            if config.tuning:
                tune = lambda: tuning_runs(config, fingerprints)
                counter.plan(tune, extra=_after_tuning(config))
                counter.run(store, runner, tune, "tuning")
                hashes = {r.config_hash for r in tune()}
                chosen_map, tuning_table = choose(config, store.records(hashes))
                store.set_meta("tuning", [c.to_dict() for c in tuning_table])
                chosen = chooser(chosen_map)
            final = lambda: expand(config, fingerprints, chosen)
            if not config.tuning:
                counter.plan(final)
            counter.run(store, runner, final, "final")
            final_hashes = [r.config_hash for r in final()]
            records = store.records(final_hashes)
    except (DirectoryLockedError, StoreError, BackendError) as error:
        raise ExperimentError(str(error)) from None
    finally:
        if own_runner and hasattr(runner, "close"):
            runner.close()  # a Ray instance started for this experiment ends with it
    summary = summarise(records, baseline=baseline, target_accuracy=config.target_accuracy)
    result = ExperimentResult(
        config,
        out,
        summary,
        records,
        n_total=counter.total,
        n_ran=counter.ran,
        n_skipped=counter.skipped,
        seconds=0.0,
        baseline=baseline,
        notes=notes,
        tuning=tuning_table,
        plan=getattr(runner, "plan", None),
        backend=dict(getattr(runner, "info", None) or {"backend": "local"}),
    )
    result.seconds = time.perf_counter() - clock
    return result


def _after_tuning(config: ExperimentConfig) -> int:
    """Final runs that tuning does not already train (the tuning seeds at the chosen value)."""
    n_cells = sum(1 for _ in cells(config))
    return final_count(config) - n_cells * config.tune_seeds


class _Counter:
    """Counts and reports progress over the stages; skips runs the store already has."""

    def __init__(self, finished: set[str], progress: Callable[[Progress], None] | None) -> None:
        self.finished, self.progress = finished, progress
        self.counted: set[str] = set()
        self.total = self.done = self.skipped = self.ran = 0

    def plan(self, runs: Callable[[], Iterable[RunConfig]], extra: int = 0) -> None:
        """Expect the runs of `runs()` plus `extra` more (a later stage not yet expanded)."""
        self.total = len({r.config_hash for r in runs()}) + extra

    def run(self, store: ResultStore, runner: Runner, runs, stage: str) -> None:
        hashes = {r.config_hash for r in runs()}
        already = (hashes & self.finished) - self.counted
        self.counted |= already
        self.skipped += len(already)
        self.done += len(already)
        if self.progress:
            self.progress(Progress(self.done, self.total, self.skipped, None, stage))
        count = sum(1 for _ in _unfinished(runs(), self.finished))
        for record in runner.run(_unfinished(runs(), self.finished), count=count):
            store.save(record)  # committed now: a crash later cannot lose this run
            self.counted.add(record.config_hash)
            if record.status == "finished":
                self.finished.add(record.config_hash)
            self.done += 1
            self.ran += 1
            if self.progress:
                self.progress(Progress(self.done, self.total, self.skipped, record, stage))


def _unfinished(runs: Iterable[RunConfig], finished: set[str]) -> Iterator[RunConfig]:
    seen: set[str] = set()
    for run in runs:
        h = run.config_hash
        if h not in finished and h not in seen:
            seen.add(h)
            yield run


def _make_directory(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".actlab-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        reason = error.strerror or str(error)
        raise ExperimentError(
            f"cannot use {out} as the output directory ({reason}); choose another --out"
        ) from None


def plan(config: ExperimentConfig) -> dict[str, str]:
    """Check the device, read each dataset once, resolve and build each model once; return
    the fingerprints (data content; factory code or module weights) that key the runs."""
    from torch import nn

    from actlab.experiments.execute import (
        build_run_model,
        forget_loaded_data,
        load_splits,
        resolve_callable,
    )
    from actlab.experiments.grid import run_config
    from actlab.experiments.sources import (
        code_fingerprint,
        get_object,
        is_builtin,
        is_object,
        model_fingerprint,
    )
    from actlab.expr import is_expression
    from actlab.train import resolve_device
    from actlab.train.augment import check_shape

    try:
        if config.backend == "local":  # on Ray, the workers' devices count, not the driver's
            resolve_device(config.device)
    except (RuntimeError, ValueError) as error:
        raise ExperimentError(str(error)) from error
    forget_loaded_data()  # files may have changed since the last experiment in this process
    fingerprints: dict[str, str] = {}
    for source in [*config.models, config.loss_fn, *config.metrics.values()]:
        if source is None or is_builtin(source) or source in fingerprints:
            continue
        try:
            target = (
                get_object(source) if is_object(source) else resolve_callable(source, "factory")
            )
        except SourceError as error:
            raise ExperimentError(str(error)) from None
        fingerprints[source] = (
            model_fingerprint(target) if isinstance(target, nn.Module) else code_fingerprint(target)
        )
    seen: set[tuple] = set()
    for cell in cells(config):
        probe = run_config(config, cell, config.seeds[0], config.training, fingerprints)
        # Expressions are elementwise and built by the grammar's checks already: one model
        # build per setting checks them all (a search plans thousands).
        shape = "expr:" if is_expression(cell.choice.name) else cell.choice.label
        key = (cell.dataset, cell.model, str(sorted(cell.options.items())), shape)
        if key in seen:
            continue
        seen.add(key)
        try:
            splits = load_splits(probe)
        except Exception as error:
            raise ExperimentError(f"dataset {cell.dataset!r}: {error}") from error
        fingerprints.setdefault(cell.dataset, splits.fingerprint)

        try:
            check_shape(config.training.augment, splits.input_shape)
            build_run_model(probe, splits)
        except SourceError as error:
            raise ExperimentError(str(error)) from None
        except Exception as error:
            raise ExperimentError(
                f"cannot build model {cell.model!r} with {cell.choice.label} on "
                f"{cell.dataset}: {error}"
            ) from error
    return fingerprints
