"""`actlab depth-study`: how deep can each activation go? Accuracy and gradient flow vs depth.

A thin layer over `actlab.experiments.run_experiment`: a grid over depths with health
recording on, written to the same store, CSVs and HTML report as `actlab compare`, whose
report then holds accuracy vs depth and gradient norm by layer for each depth.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from actlab.cli.experiment_options import add_backend_options, results_dir_options
from actlab.cli.summary import dry_run_report, print_backend
from actlab.comparison import run_and_report
from actlab.experiments import ConfigError, ExperimentError, ExperimentResult, from_dict
from actlab.experiments.grammar import split_list
from actlab.experiments.health import depth_rows

DEFAULTS = {
    "activations": "sigmoid,tanh,relu,selu,gelu",
    "depths": "2,5,10,20,30",
    "dataset": "mnist1d",
    "epochs": 3,
    "seeds": 1,
    "hidden": 128,
}


@click.command("depth-study")
@click.option(
    "--activations",
    default=DEFAULTS["activations"],
    show_default=True,
    help="Activations, comma-separated (parameters as name:k=v).",
)
@click.option(
    "--depths",
    default=DEFAULTS["depths"],
    show_default=True,
    help="Numbers of hidden layers, comma-separated.",
)
@click.option("--dataset", default=DEFAULTS["dataset"], show_default=True, help="Dataset.")
@click.option(
    "--epochs",
    type=int,
    default=DEFAULTS["epochs"],
    show_default=True,
    help="Training epochs per run.",
)
@click.option(
    "--seeds",
    default=str(DEFAULTS["seeds"]),
    show_default=True,
    help="Number of seeds (0..N-1), or an explicit comma-separated list.",
)
@click.option(
    "--hidden",
    type=int,
    default=DEFAULTS["hidden"],
    show_default=True,
    help="Hidden units per layer.",
)
@click.option("--lr", type=float, default=1e-3, show_default=True, help="Learning rate (Adam).")
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda.")
@click.option("--data-dir", default=None, help="Directory holding dataset files.")
@click.option(
    "--workers",
    type=int,
    default=None,
    show_default="2; ray: what the cluster fits",
    help="Runs at once, each in its own process (1 = run in this process); with --backend "
    "ray, the most runs in flight on the cluster.",
)
@add_backend_options
@results_dir_options("depth-study")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one row per activation × depth as JSON on stdout instead of a table.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check everything (options, data, device) and say what would run, then stop "
    "without training or writing anything.",
)
def depth_study(
    activations: str,
    depths: str,
    dataset: str,
    epochs: int,
    seeds: str,
    hidden: int,
    lr: float,
    device: str,
    data_dir: str | None,
    workers: int | None,
    out: str | None,
    fresh: bool,
    as_json: bool,
    dry_run: bool,
    **backend: Any,
) -> None:
    """Train an MLP per activation and depth with activation health recorded, then show
    accuracy vs depth and gradient norm by layer: sigmoid and tanh gradients vanish towards
    the input, ReLU loses units, SELU stays normalised.

    The defaults (5 activations × 5 depths, 128 units, 3 epochs, 1 seed on MNIST-1D) take a
    few minutes on 2 CPU cores. The table's 'grad first/last' is the final-epoch gradient
    norm at the first activation layer divided by that at the last (≪ 1: vanishing).
    """
    names = split_list(activations)
    if out is None:
        out = str(Path("runs") / f"depth-study-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
    values = {
        "datasets": dataset,
        "models": "mlp",
        "activations": names,
        "depths": depths,
        "epochs": epochs,
        "seeds": seeds,
        "hidden": hidden,
        "lr": lr,
        "device": device,
        "data_dir": data_dir,
        "workers": workers,
        **{k: v for k, v in backend.items() if v is not None},
        "out": out,
        "health": True,
        # The baseline only chooses the reference of the per-depth t-tests.
        "baseline": "relu" if "relu" in names else (names[0] if names else "relu"),
    }
    try:
        config = from_dict(values, source="options")
    except ConfigError as error:
        raise click.UsageError(str(error)) from None
    if dry_run:
        dry_run_report(config, as_json)
        return
    try:
        result = run_and_report(config, fresh, label="depth-study")
    except (ExperimentError, ConfigError) as error:
        raise click.ClickException(str(error)) from None
    rows = depth_rows(result.records)
    if as_json:
        data = {
            "out": str(result.out),
            "runs": {
                "total": result.n_total,
                "ran": result.n_ran,
                "skipped": result.n_skipped,
                "failed": len(result.failed),
            },
            "rows": [{k: _json_value(v) for k, v in row.items()} for row in rows],
        }
        click.echo(json.dumps(data, indent=2, allow_nan=False))
    else:
        _print(result, rows)
    if result.failed:
        first = result.failed[0]
        raise click.ClickException(
            f"{len(result.failed)} run(s) failed; the first ({first.config.label}, depth "
            f"{first.config.depth}): {(first.error or '').splitlines()[0]}"
        )


def _json_value(value):
    return None if isinstance(value, float) and math.isnan(value) else value


def _sci(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.2e}"


def _print(result: ExperimentResult, rows: list[dict]) -> None:
    console = Console(width=None if sys.stdout.isatty() else 140, highlight=False)
    table = Table(title="Depth study: final epoch")
    for header in (
        "activation",
        "depth",
        "test acc %",
        "grad first",
        "grad last",
        "grad first/last",
        "dead %",
    ):
        table.add_column(header, justify="left" if header == "activation" else "right")
    for row in rows:
        dead = row["dead_fraction"]
        table.add_row(
            row["activation"],
            str(row["depth"]),
            f"{100 * row['test_acc']:.2f}",
            _sci(row["grad_norm_first"]),
            _sci(row["grad_norm_last"]),
            _sci(row["grad_ratio_first_last"]),
            "–" if math.isnan(dead) else f"{100 * dead:.1f}",
        )
    console.print(table)
    print_backend(console, result)
    console.print(
        f"{result.n_ran} run(s) trained, {result.n_skipped} already finished, "
        f"{len(result.failed)} failed, in {result.seconds:.1f} s."
    )
    console.print(f"Report: {result.files.get('report', result.out / 'report.html')}")
