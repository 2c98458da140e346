"""A progress bar for experiments on stderr (rich), shown only when stderr is a terminal."""

from __future__ import annotations

from actlab.experiments.config import ExperimentConfig
from actlab.experiments.experiment import Progress, run_experiment
from actlab.experiments.result import ExperimentResult


def run_with_progress(
    config: ExperimentConfig, fresh: bool = False, label: str = "compare"
) -> ExperimentResult:
    """`run_experiment` with a rich progress bar: runs done of total, elapsed, eta."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as Bar

    err = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )
    with Bar(*columns, console=err, transient=False, disable=not err.is_terminal) as bar:
        task = bar.add_task(label, total=None)

        def update(event: Progress) -> None:
            text = label
            if event.record is not None:
                c = event.record.config
                status = "" if event.record.status == "finished" else f" [red]{event.record.status}"
                stage = "tuning: " if event.stage == "tuning" else ""
                lr = f" lr {c.training.lr:g}" if event.stage == "tuning" else ""
                text = f"{stage}{c.label}{lr} seed {c.seed}{status}"
            elif event.skipped:
                text = f"resuming: {event.skipped} finished run(s) skipped"
            bar.update(task, total=event.total, completed=event.done, description=text)

        return run_experiment(config, progress=update, fresh=fresh)
