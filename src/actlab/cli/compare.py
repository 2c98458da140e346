"""`actlab compare`: train a grid of activations and compare them with statistics and a report.

A thin layer over `actlab.experiments.run_experiment`: flags (and an optional YAML file) make
an `ExperimentConfig`; progress goes to stderr, the summary to stdout.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import click
from click.core import ParameterSource
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from actlab.experiments import (
    ConfigError,
    ExperimentConfig,
    ExperimentError,
    ExperimentResult,
    from_dict,
    load_yaml,
    merge,
    run_experiment,
)
from actlab.experiments import Progress as RunProgress
from actlab.experiments.stats import SummaryRow
from actlab.report.experiment_figures import setting_name

_D = ExperimentConfig.__dataclass_fields__


# (flag, config key, click type, help); defaults come from ExperimentConfig.
_OPTIONS: list[tuple[str, str, Any, str]] = [
    (
        "--dataset",
        "datasets",
        str,
        "Dataset(s), comma-separated (see `actlab.data.dataset_names()`).",
    ),
    ("--model", "models", str, "Model kind(s), comma-separated: mlp or cnn."),
    (
        "--activations",
        "activations",
        str,
        "Activations, comma-separated; parameters as name:k=v (leaky_relu:negative_slope=0.1), "
        "several values swept with | (elu:alpha=0.5|1.0); a kernel implementation as a suffix "
        "(gelu@fewbit3, relu@lean; see actlab.kernels.available).",
    ),
    ("--baseline", "baseline", str, "Activation the others are tested against (Welch's t-test)."),
    ("--seeds", "seeds", str, "Number of seeds (0..N-1), or an explicit comma-separated list."),
    ("--epochs", "epochs", int, "Training epochs per run."),
    ("--hidden", "hidden", int, "Hidden units per layer."),
    ("--depth", "depths", str, "Hidden layers; several comma-separated values are a grid axis."),
    ("--lr", "lr", float, "Learning rate (Adam)."),
    ("--batch-size", "batch_size", int, "Mini-batch size."),
    ("--device", "device", str, "auto, cpu or cuda."),
    (
        "--data-dir",
        "data_dir",
        str,
        "Directory holding dataset files (standard names); default: the cache, $ACTLAB_DATA.",
    ),
    (
        "--target-accuracy",
        "target_accuracy",
        float,
        "Accuracy (a fraction) for 'epochs to target'; default: 95% of the baseline's mean final.",
    ),
    ("--workers", "workers", int, "Parallel worker processes (1 = run in this process)."),
]


def _add_options(func):
    for flag, key, kind, help_text in reversed(_OPTIONS):
        default = _D[key].default
        if key == "seeds":
            default = len(default)
        elif isinstance(default, tuple):
            default = ",".join(map(str, default))
        func = click.option(
            flag, key, type=kind, default=default, help=help_text, show_default=default is not None
        )(func)
    return func


def results_dir_options(kind: str):
    """--out DIR (default runs/<kind>-<timestamp>, re-used to resume) and --fresh."""

    def add(func):
        func = click.option(
            "--fresh", is_flag=True, help="Delete earlier results in --out and start over."
        )(func)
        return click.option(
            "--out",
            "out",
            type=click.Path(file_okay=False),
            default=None,
            show_default=f"runs/{kind}-<timestamp>",
            help="Directory for results.sqlite, CSVs, figures and report.html. Re-using a "
            "directory resumes: finished runs are skipped.",
        )(func)

    return add


def _given_on_command_line(ctx: click.Context, flags: dict[str, Any]) -> dict[str, Any]:
    """Only flags the user typed override a --config file; the others keep its values."""
    explicit = (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)
    return {k: v for k, v in flags.items() if ctx.get_parameter_source(k) in explicit}


@click.command("compare")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="YAML file with experiment settings; flags given on the command line override it.",
)
@_add_options
@results_dir_options("compare")
@click.option(
    "--health",
    "health",
    is_flag=True,
    default=False,
    help="Record activation health per epoch (dead units, saturation, gradient norm per "
    "layer) into the store, health.csv and the report's figures.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the summary as JSON on stdout instead of a table.",
)
@click.pass_context
def compare(
    ctx: click.Context,
    config_file: str | None,
    out: str | None,
    fresh: bool,
    as_json: bool,
    **flags: Any,
) -> None:
    """Train every activation on the same data and model over several seeds, then compare them.

    Reports mean final test accuracy with 95% confidence intervals, epochs to a target
    accuracy and Welch's t-test against the baseline, and writes summary.csv, epochs.csv, PNG
    figures and a self-contained report.html (with --health also health.csv and gradient-norm
    and dead-unit figures). With no options: 8 activations × 3 seeds on
    MNIST-1D with the 500-unit MLP.
    """
    try:
        given = _given_on_command_line(ctx, flags)
        if out is not None:
            given["out"] = out
        values = merge(load_yaml(config_file) if config_file else {}, given)
        config = from_dict(values, source=config_file or "options")
    except ConfigError as error:
        raise click.UsageError(str(error)) from None
    try:
        result = run_with_progress(config, fresh)
    except (ExperimentError, ConfigError) as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(result.summary_json(), indent=2, allow_nan=False))
    else:
        _print_summary(result)
    if result.failed:
        first = result.failed[0]
        raise click.ClickException(
            f"{len(result.failed)} run(s) failed; the first ({first.config.label}, seed "
            f"{first.config.seed}): {(first.error or '').splitlines()[0]}"
        )


def run_with_progress(config: ExperimentConfig, fresh: bool) -> ExperimentResult:
    """run_experiment with a rich progress bar on stderr (hidden when not a terminal)."""
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
    with Progress(*columns, console=err, transient=False, disable=not err.is_terminal) as bar:
        task = bar.add_task("compare", total=None)

        def update(event: RunProgress) -> None:
            text = "compare"
            if event.record is not None:
                status = "" if event.record.status == "finished" else f" [red]{event.record.status}"
                text = f"{event.record.config.label} seed {event.record.config.seed}{status}"
            elif event.skipped:
                text = f"resuming: {event.skipped} finished run(s) skipped"
            bar.update(task, total=event.total, completed=event.done, description=text)

        return run_experiment(config, progress=update, fresh=fresh)


def _fmt(value: float, scale: float = 100.0, digits: int = 2) -> str:
    return "–" if math.isnan(value) else f"{scale * value:.{digits}f}"


def summary_table(rows: list[SummaryRow], title: str) -> Table:
    table = Table(title=title)
    for header in (
        "rank",
        "activation",
        "seeds",
        "test acc %",
        "95% CI",
        "test loss",
        "epochs→target",
        "Δ pp",
        "p (Welch)",
        "sig.",
    ):
        table.add_column(header, justify="left" if header == "activation" else "right")
    for r in sorted(rows, key=lambda r: r.rank):
        base = r.activation == r.baseline
        ci = (
            "–"
            if math.isnan(r.test_acc_ci95_low)
            else (f"{_fmt(r.test_acc_ci95_low)}–{_fmt(r.test_acc_ci95_high)}")
        )
        std = "" if math.isnan(r.test_acc_std) else f" ± {_fmt(r.test_acc_std)}"
        p = r.p_value_vs_baseline
        table.add_row(
            str(r.rank),
            r.activation + (" (baseline)" if base else ""),
            str(r.n_seeds),
            _fmt(r.test_acc_mean) + std,
            ci,
            _fmt(r.test_loss_mean, 1.0, 4),
            f"{_fmt(r.epochs_to_target_mean, 1.0, 1)} ({r.n_reached_target}/{r.n_seeds})",
            "–" if base else f"{_fmt(r.diff_vs_baseline):>6}",
            "–" if math.isnan(p) else f"{p:.3g}",
            "–" if base or math.isnan(p) else ("yes" if r.significant else "no"),
        )
    return table


def _print_summary(result: ExperimentResult) -> None:
    console = Console(width=None if sys.stdout.isatty() else 160, highlight=False)
    settings = sorted({(r.dataset, r.model, r.depth) for r in result.summary})
    for setting in settings:
        rows = [r for r in result.summary if (r.dataset, r.model, r.depth) == setting]
        title = (
            f"{setting_name(setting)}: final test accuracy, target "
            f"{_fmt(rows[0].target_accuracy, digits=1)}%"
        )
        console.print(summary_table(rows, title))
        notes = sorted({r.note for r in rows if r.note and r.note != "baseline"})
        for note in notes:
            console.print(f"note: {note}")
    console.print(
        f"{result.n_ran} run(s) trained, {result.n_skipped} already finished, "
        f"{len(result.failed)} failed, in {result.seconds:.1f} s."
    )
    console.print(f"Report: {result.files.get('report', result.out / 'report.html')}")
