"""Everything an experiment writes next to its store: tidy CSVs, JSON, figures, report.html.

- `summary.csv` / `summary.json`: one row per setting and activation (`SummaryRow`);
- `epochs.csv`: one row per run × epoch (train and validation metrics, lr);
- `runs.csv`: one row per run: test metrics at the end, the selected epoch, lr, data
  fingerprint, time;
- `health.csv` (runs with health): one row per run × epoch × activation layer;
- `tuning.csv` (with lr/wd tuning): one row per setting × activation × candidate;
- PNG figures and the self-contained `report.html`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actlab.experiments.record import EPOCH_FIELDS, HEALTH_FIELDS, RunRecord
from actlab.experiments.run_config import setting_key
from actlab.experiments.stats import SummaryRow

if TYPE_CHECKING:
    from actlab.experiments.result import ExperimentResult

SUMMARY_CSV = "summary.csv"
SUMMARY_JSON = "summary.json"
EPOCHS_CSV = "epochs.csv"
RUNS_CSV = "runs.csv"
HEALTH_CSV = "health.csv"
TUNING_CSV = "tuning.csv"
REPORT_HTML = "report.html"
LEAD_COLUMNS = ("run", "dataset", "model", "depth", "activation", "seed")


def write_outputs(
    result: ExperimentResult, title: str = "actlab: activation comparison"
) -> dict[str, Path]:
    from actlab.report.experiment.figures import write_figures
    from actlab.report.experiment.health_figures import write_depth_figures, write_health_figures
    from actlab.report.experiment.html import write_report
    from actlab.report.experiment.learned_figures import write_learned_figures

    out = result.out
    files = {
        "results": out / "results.sqlite",
        "summary_csv": write_summary_csv(result.summary, out / SUMMARY_CSV),
        "epochs_csv": write_epochs_csv(result.records, out / EPOCHS_CSV),
        "runs_csv": write_runs_csv(result.records, out / RUNS_CSV),
    }
    (out / SUMMARY_JSON).write_text(json.dumps(result.summary_json(), indent=2) + "\n")
    files["summary_json"] = out / SUMMARY_JSON
    if any(r.health for r in result.records):
        files["health_csv"] = write_health_csv(result.records, out / HEALTH_CSV)
    if result.tuning:
        files["tuning_csv"] = write_rows([c.to_dict() for c in result.tuning], out / TUNING_CSV)
    figures = write_figures(result.records, result.summary, out, result.tuning)
    figures += write_health_figures(result.records, result.summary, out)
    figures += write_learned_figures(result.records, result.summary, out)
    overview = write_depth_figures(result.records, result.summary, out)
    files.update({f"figure:{fig.path.name}": fig.path for fig in [*overview, *figures]})
    files["report"] = write_report(result, figures, out / REPORT_HTML, overview, title)
    return files


def write_rows(rows: Sequence[dict[str, Any]], path: Path) -> Path:
    """A CSV of dict rows, the first row's keys as the header."""
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(v) for k, v in row.items()})
    return path


def write_summary_csv(rows: Sequence[SummaryRow], path: Path) -> Path:
    names = list(SummaryRow.__dataclass_fields__)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(v) for k, v in row.to_dict().items()})
    return path


def _ordered(records: Sequence[RunRecord]) -> list[RunRecord]:
    return sorted(
        records, key=lambda r: (setting_key(r.config.setting), r.config.label, r.config.seed)
    )


def _lead(r: RunRecord) -> list[Any]:
    c = r.config
    return [r.config_hash, c.dataset, c.model, "" if c.depth is None else c.depth, c.label, c.seed]


def write_epochs_csv(records: Sequence[RunRecord], path: Path) -> Path:
    """Tidy: one row per finished run × epoch; `run` is the run's config hash."""
    return _write_tidy(
        records, path, [*LEAD_COLUMNS, *EPOCH_FIELDS], EPOCH_FIELDS, lambda r: r.epochs
    )


def write_health_csv(records: Sequence[RunRecord], path: Path) -> Path:
    """Tidy: one row per run × epoch × activation layer; `activation` is the run's label and
    `layer_activation` the watched layer's own activation."""
    fields = ["layer_activation" if k == "activation" else k for k in HEALTH_FIELDS]
    return _write_tidy(records, path, [*LEAD_COLUMNS, *fields], HEALTH_FIELDS, lambda r: r.health)


RUN_COLUMNS = (
    "status", "metric", "test_loss", "test_acc", "selected_epoch", "epochs", "lr",
    "weight_decay", "data_fingerprint", "seconds", "threads",
)  # fmt: skip


def write_runs_csv(records: Sequence[RunRecord], path: Path) -> Path:
    """Tidy: one row per run with its test metrics, recipe, data fingerprint and time."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*LEAD_COLUMNS, *RUN_COLUMNS])
        for r in _ordered(records):
            t = r.config.training
            values = [
                r.status,
                r.metric,
                r.test_loss,
                r.test_acc,
                r.selected_epoch,
                len(r.epochs),
                t.lr,
                t.weight_decay,
                r.config.data_fingerprint,
                r.seconds,
                r.machine.get("torch_threads"),
            ]
            writer.writerow([*_lead(r), *(_csv_value(v) for v in values)])
    return path


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
        for r in _ordered(records):
            for item in rows_of(r):
                writer.writerow([*_lead(r), *(_csv_value(item[k]) for k in fields)])
    return path


def _csv_value(value: Any) -> Any:
    # repr keeps every digit of a float; NaN stays "nan".
    return repr(value) if isinstance(value, float) else value
