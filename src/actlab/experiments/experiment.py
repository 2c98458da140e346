"""Run a whole experiment: expand the grid, skip finished runs, run the rest, write the outputs.

`run_experiment(config)` is what `actlab compare` calls. The output directory receives
`results.sqlite` (the store), `summary.csv`, `summary.json`, `epochs.csv` (and `health.csv`
when runs recorded health), PNG figures (learned activation shapes too, when an activation
has learnable parameters) and `report.html`. Running it again on the same directory re-runs
only what has not finished.
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from actlab.experiments.config import ExperimentConfig, RunConfig
from actlab.experiments.grid import expand
from actlab.experiments.runner import Runner, load_dataset, model_kwargs, runner_for
from actlab.experiments.stats import SummaryRow, summarise
from actlab.experiments.store import EPOCH_FIELDS, HEALTH_FIELDS, ResultStore, RunRecord

SUMMARY_CSV = "summary.csv"
SUMMARY_JSON = "summary.json"
EPOCHS_CSV = "epochs.csv"
HEALTH_CSV = "health.csv"
REPORT_HTML = "report.html"


class ExperimentError(RuntimeError):
    """The experiment cannot start (data missing, a model that cannot be built)."""


@dataclass(frozen=True)
class Progress:
    """Sent to the `progress` callback: once at the start (`record` None), then per run."""

    done: int
    total: int
    skipped: int
    record: RunRecord | None = None


@dataclass
class ExperimentResult:
    config: ExperimentConfig
    out: Path
    summary: list[SummaryRow]
    records: list[RunRecord]
    n_total: int
    n_ran: int
    n_skipped: int
    seconds: float
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def failed(self) -> list[RunRecord]:
        return [r for r in self.records if r.status == "failed"]

    def summary_json(self) -> dict[str, Any]:
        """The summary as JSON-ready data (NaN becomes null)."""
        return {
            "out": str(self.out),
            "baseline": _baseline_label(self.config),
            "runs": {
                "total": self.n_total,
                "ran": self.n_ran,
                "skipped": self.n_skipped,
                "failed": len(self.failed),
            },
            "summary": [_json_safe(row.to_dict()) for row in self.summary],
        }


def default_out(now: datetime | None = None) -> Path:
    return Path("runs") / f"compare-{(now or datetime.now()).strftime('%Y%m%d-%H%M%S')}"


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
    runs = expand(config)
    with ResultStore(out, fresh=fresh) as store:
        store.set_meta("experiment", config.to_dict())
        finished = store.finished_hashes()
        todo = [run for run in runs if run.config_hash not in finished]
        skipped = len(runs) - len(todo)
        if todo:
            preflight(todo)
        if progress:
            progress(Progress(skipped, len(runs), skipped))
        done = skipped
        for record in (runner or runner_for(config.workers)).run(todo):
            store.save(record)  # committed now: a crash later cannot lose this run
            done += 1
            if progress:
                progress(Progress(done, len(runs), skipped, record))
        records = store.records(run.config_hash for run in runs)
    summary = summarise(
        records, baseline=_baseline_label(config), target_accuracy=config.target_accuracy
    )
    result = ExperimentResult(config, out, summary, records, len(runs), len(todo), skipped, 0.0)
    result.files = write_outputs(result)
    result.seconds = time.perf_counter() - clock
    return result


def _baseline_label(config: ExperimentConfig) -> str:
    from actlab.experiments.config import canonical_label

    return canonical_label(config.baseline, "baseline")


def preflight(runs: Sequence[RunConfig]) -> None:
    """Load each dataset and build each distinct model once, so that missing files or a model
    that cannot be built stop the experiment with one clear error instead of N failed runs.
    Loading here also fills the dataset cache before worker processes read it."""
    from actlab.models import build_model
    from actlab.train import resolve_device

    for device in sorted({run.device for run in runs}):
        try:
            resolve_device(device)
        except (RuntimeError, ValueError) as error:
            raise ExperimentError(str(error)) from error
    seen: set[tuple] = set()
    for run in runs:
        key = (run.dataset, run.data_dir, str(run.dataset_options), run.model, run.label, run.depth)
        if key in seen:
            continue
        seen.add(key)
        try:
            dataset = load_dataset(run)
        except Exception as error:
            raise ExperimentError(f"dataset {run.dataset!r}: {error}") from error
        try:
            build_model(**model_kwargs(run, dataset))
        except Exception as error:
            raise ExperimentError(
                f"cannot build model {run.model!r} with {run.label} on {run.dataset}: {error}"
            ) from error


# -- outputs --------------------------------------------------------------------------------


def write_outputs(result: ExperimentResult) -> dict[str, Path]:
    from actlab.report.experiment_figures import write_figures
    from actlab.report.health_figures import write_depth_figures, write_health_figures
    from actlab.report.html import write_report
    from actlab.report.learned_figures import write_learned_figures

    out = result.out
    files = {
        "results": out / "results.sqlite",
        "summary_csv": write_summary_csv(result.summary, out / SUMMARY_CSV),
        "epochs_csv": write_epochs_csv(result.records, out / EPOCHS_CSV),
    }
    (out / SUMMARY_JSON).write_text(json.dumps(result.summary_json(), indent=2) + "\n")
    files["summary_json"] = out / SUMMARY_JSON
    if any(r.health for r in result.records):
        files["health_csv"] = write_health_csv(result.records, out / HEALTH_CSV)
    figures = write_figures(result.records, result.summary, out)
    figures += write_health_figures(result.records, result.summary, out)
    figures += write_learned_figures(result.records, result.summary, out)
    overview = write_depth_figures(result.records, result.summary, out)
    files.update({f"figure:{fig.path.name}": fig.path for fig in [*overview, *figures]})
    files["report"] = write_report(result, figures, out / REPORT_HTML, overview=overview)
    return files


def write_summary_csv(rows: Sequence[SummaryRow], path: Path) -> Path:
    names = list(SummaryRow.__dataclass_fields__)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(v) for k, v in row.to_dict().items()})
    return path


EPOCH_COLUMNS = ("run", "dataset", "model", "depth", "hidden", "activation", "seed", *EPOCH_FIELDS)


def write_epochs_csv(records: Sequence[RunRecord], path: Path) -> Path:
    """Tidy: one row per finished run × epoch; `run` is the run's config hash."""
    return _write_tidy(records, path, EPOCH_COLUMNS, EPOCH_FIELDS, lambda r: r.epochs)


HEALTH_COLUMNS = ("run", "dataset", "model", "depth", "hidden", "activation", "seed")


def write_health_csv(records: Sequence[RunRecord], path: Path) -> Path:
    """Tidy: one row per run × epoch × activation layer; `activation` is the run's label and
    `layer_activation` the watched layer's own activation."""
    fields = ["layer_activation" if k == "activation" else k for k in HEALTH_FIELDS]
    header = [*HEALTH_COLUMNS, *fields]
    return _write_tidy(records, path, header, HEALTH_FIELDS, lambda r: r.health)


def _write_tidy(
    records: Sequence[RunRecord],
    path: Path,
    header: Sequence[str],
    fields: Sequence[str],
    rows_of: Callable[[RunRecord], Sequence[dict[str, Any]]],
) -> Path:
    """One CSV row per item of `rows_of(run)`, led by the run's identifying columns."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for r in sorted(records, key=lambda r: (r.config.setting, r.config.label, r.config.seed)):
            c = r.config
            lead = [r.config_hash, c.dataset, c.model, c.depth, c.hidden, c.label, c.seed]
            for item in rows_of(r):
                writer.writerow([*lead, *(_csv_value(item[k]) for k in fields)])
    return path


def _csv_value(value: Any) -> Any:
    # repr keeps every digit of a float (str would too in Python 3, but be explicit); NaN stays "nan".
    return repr(value) if isinstance(value, float) else value


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in data.items()}
