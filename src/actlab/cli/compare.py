"""`actlab compare`: train a grid of activations and compare them with statistics and a report.

A thin layer over `actlab.comparison.run_and_report`: a preset, a YAML file and flags make an
`ExperimentConfig` (flags override the file, the file overrides the preset); progress goes to
stderr, the summary to stdout. The options are cli/experiment_options.py's table; the
printing is cli/summary.py's.
"""

from __future__ import annotations

import json
from typing import Any

import click

from actlab.cli.experiment_options import (
    add_backend_options,
    add_options,
    given_on_command_line,
    results_dir_options,
)
from actlab.cli.summary import dry_run_report, print_backend, print_summary, summary_table
from actlab.experiments.config import ConfigError, from_dict, load_yaml, merge

__all__ = [
    "add_backend_options",
    "compare",
    "dry_run_report",
    "print_backend",
    "print_summary",
    "results_dir_options",
    "summary_table",
]


@click.command("compare")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="YAML file with experiment settings (README: 'The config file'); flags given on the "
    "command line override it.",
)
@add_options
@results_dir_options("compare")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the summary as JSON on stdout instead of a table.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check everything (options, data, models, device) and say what would run, then stop "
    "without training or writing anything.",
)
@click.pass_context
def compare(
    ctx: click.Context,
    config_file: str | None,
    out: str | None,
    fresh: bool,
    as_json: bool,
    dry_run: bool,
    **flags: Any,
) -> None:
    """Train every activation on the same data and model over several seeds, then compare them.

    A fair protocol: a validation split carved from the training set, the learning rate
    chosen per activation on validation data (--tune-lr), the test set scored once per run
    at the end. Reports the mean test score with 95% confidence intervals, epochs to a
    target, Welch's t-test against the baseline with Holm's correction, and writes
    summary.csv, runs.csv, epochs.csv, PNG figures and a self-contained report.html.

    Bring your own model and data with --model-factory / --data-factory (MODULE:FUNCTION,
    imported from the current directory). With no options: 8 activations × 3 seeds on
    MNIST-1D with the 500-unit MLP.
    """
    from actlab.comparison import run_and_report
    from actlab.experiments import ExperimentError

    try:
        given = given_on_command_line(ctx, flags)
        if out is not None:
            given["out"] = out
        values = merge(load_yaml(config_file) if config_file else {}, given)
        config = from_dict(values, source=config_file or "options")
    except ConfigError as error:
        raise click.UsageError(str(error)) from None
    if dry_run:
        dry_run_report(config, as_json)
        return
    try:
        result = run_and_report(config, fresh)
    except (ExperimentError, ConfigError) as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(result.summary_json(), indent=2, allow_nan=False))
    else:
        print_summary(result)
    if result.failed:
        first = result.failed[0]
        raise click.ClickException(
            f"{len(result.failed)} run(s) failed; the first ({first.config.label}, seed "
            f"{first.config.seed}): {(first.error or '').splitlines()[0]}"
        )
