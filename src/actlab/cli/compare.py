"""`actlab compare`: train a grid of activations and compare them with statistics and a report.

A thin layer over `actlab.experiments.run_experiment`: a preset, a YAML file and flags make
an `ExperimentConfig` (flags override the file, the file overrides the preset); progress goes
to stderr, the summary to stdout.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import click
from click.core import ParameterSource

from actlab.experiments.config import DEFAULT_ACTIVATIONS, ConfigError, from_dict, load_yaml, merge
from actlab.train.config import AUGMENTATIONS, OPTIMIZERS, SELECTIONS, TASKS, Training

_T = Training()

# (flag, config key, click type, help, default shown in --help). Flags given on the command
# line override the config file and the preset; the others leave them alone.
OPTIONS: list[tuple[str, str, Any, str, Any]] = [
    (
        "--preset",
        "preset",
        str,
        "A published protocol that fills the whole recipe (`actlab presets`); other flags override it.",
        None,
    ),
    (
        "--dataset",
        "datasets",
        str,
        "Built-in dataset(s), comma-separated (`actlab.data.dataset_names()`).",
        "mnist1d",
    ),
    (
        "--data-factory",
        "data_factory",
        str,
        "Your data: MODULE:FUNCTION returning (train, test), each a torch Dataset or an (X, y) pair of tensors; imported from the current directory or PYTHONPATH.",
        None,
    ),
    ("--model", "models", str, "Built-in model(s), comma-separated (`actlab models`).", "mlp"),
    (
        "--model-factory",
        "model_factory",
        str,
        "Your model: MODULE:FUNCTION called as fn(act), where act() returns a fresh activation module (fn may also take input_shape=, num_outputs=).",
        None,
    ),
    (
        "--activations",
        "activations",
        str,
        "Activations, comma-separated; parameters as name:k=v (leaky_relu:negative_slope=0.1), several values swept with | (elu:alpha=0.5|1.0); a kernel as a suffix (gelu@fewbit3, relu@lean).",
        ",".join(DEFAULT_ACTIVATIONS),
    ),
    (
        "--baseline",
        "baseline",
        str,
        "Activation the others are tested against (Welch's t-test, Holm-corrected).",
        "relu if in the grid, else the first",
    ),
    ("--seeds", "seeds", str, "Number of seeds (0..N-1), or an explicit comma-separated list.", 3),
    (
        "--task",
        "task",
        click.Choice(TASKS),
        "classification (cross-entropy, accuracy) or regression (MSE, R²).",
        _T.task,
    ),
    ("--epochs", "epochs", int, "Training epochs per run.", _T.epochs),
    ("--batch-size", "batch_size", int, "Mini-batch size.", _T.batch_size),
    ("--optimizer", "optimizer", click.Choice(OPTIMIZERS), "Optimizer.", _T.optimizer),
    ("--lr", "lr", float, "Learning rate (the peak, with a schedule).", _T.lr),
    ("--momentum", "momentum", float, "SGD momentum.", _T.momentum),
    (
        "--weight-decay",
        "weight_decay",
        float,
        "Weight decay (L2 for adam/sgd, decoupled for adamw).",
        _T.weight_decay,
    ),
    (
        "--schedule",
        "schedule",
        str,
        "constant, cosine (to 0 at the end), or step:E:GAMMA (lr × GAMMA every E epochs, e.g. step:80:0.1).",
        _T.schedule,
    ),
    (
        "--warmup-epochs",
        "warmup_epochs",
        int,
        "Epochs of linear lr warmup before the schedule.",
        _T.warmup_epochs,
    ),
    (
        "--label-smoothing",
        "label_smoothing",
        float,
        "Label smoothing of the training loss (classification).",
        _T.label_smoothing,
    ),
    ("--grad-clip", "grad_clip", float, "Clip the gradient's global L2 norm to this value.", "off"),
    (
        "--augment",
        "augment",
        click.Choice(AUGMENTATIONS),
        "Image augmentation of training batches: random crop (zero padding) and/or horizontal flip.",
        _T.augment,
    ),
    ("--crop-padding", "crop_padding", int, "Padding for --augment crop.", _T.crop_padding),
    (
        "--val-fraction",
        "val_fraction",
        float,
        "Share of the training set held out for validation (stratified, seeded); 0 turns validation off.",
        _T.val_fraction,
    ),
    (
        "--val-seed",
        "val_seed",
        int,
        "Seed of the validation split (the same for every run).",
        _T.val_seed,
    ),
    (
        "--select",
        "select",
        click.Choice(SELECTIONS),
        "Test the final model (last) or the epoch with the best validation score (best-val).",
        _T.select,
    ),
    (
        "--tune-lr",
        "tune_lr",
        str,
        "Learning rates to try per activation, comma-separated (e.g. 3e-4,1e-3,3e-3); the best mean validation score wins.",
        None,
    ),
    ("--tune-wd", "tune_wd", str, "Weight decays to try per activation, comma-separated.", None),
    (
        "--tune-seeds",
        "tune_seeds",
        int,
        "Seeds (the first N) that tuning trains each candidate on.",
        1,
    ),
    (
        "--depth",
        "depths",
        str,
        "Hidden layers / blocks of the built-in model; several comma-separated values are a grid axis.",
        "the model's",
    ),
    (
        "--hidden",
        "hidden",
        int,
        "Hidden units per layer of the built-in model.",
        "the model's (mlp: 500)",
    ),
    (
        "--dropout",
        "dropout",
        float,
        "Dropout after each hidden activation of the built-in model.",
        "the model's (0)",
    ),
    (
        "--norm",
        "norm",
        click.Choice(["none", "batch", "layer"]),
        "Normalisation in the built-in mlp.",
        "none",
    ),
    (
        "--model-option",
        "model_options",
        str,
        "Other options of the built-in model as KEY=VALUE, comma-separated (e.g. width=2); see `actlab models`.",
        None,
    ),
    (
        "--init",
        "init",
        click.Choice(["auto", "kaiming", "lecun", "xavier", "default"]),
        "Weight init of built-in models: auto matches the activation.",
        "auto",
    ),
    (
        "--loss-fn",
        "loss_fn",
        str,
        "MODULE:FUNCTION fn(outputs, targets) -> scalar replacing the task's loss.",
        None,
    ),
    ("--device", "device", str, "auto, cpu, cuda or cuda:N.", "auto"),
    (
        "--data-dir",
        "data_dir",
        str,
        "Directory holding dataset files (standard names); default: the cache, $ACTLAB_DATA.",
        None,
    ),
    (
        "--target-accuracy",
        "target_accuracy",
        float,
        "Validation score (a fraction) for 'epochs to target'; default: 95% of the baseline's mean.",
        None,
    ),
    (
        "--workers",
        "workers",
        int,
        "Runs at once, each in its own process (1 = in this process); with --backend ray, "
        "the most runs in flight on the cluster.",
        "2; ray: what the cluster fits",
    ),
    (
        "--threads",
        "threads",
        int,
        "Torch threads per run; default: the free cores divided by the runs at once.",
        "auto",
    ),
    (
        "--num-workers",
        "num_workers",
        int,
        "DataLoader workers for data too large to hold in memory.",
        0,
    ),
]
# Where runs execute; `actlab depth-study` takes the same flags (`add_backend_options`).
BACKEND_OPTIONS: list[tuple[str, str, Any, str, Any]] = [
    (
        "--backend",
        "backend",
        click.Choice(["local", "ray"]),
        "Where runs execute: local (this machine's processes) or ray (each run a Ray task on "
        "a cluster; needs pip install 'actlab[ray]'). Results are the same either way.",
        "local",
    ),
    (
        "--ray-address",
        "ray_address",
        str,
        "Join a running Ray cluster: auto (RAY_ADDRESS, or the cluster started on this "
        "machine), HOST:PORT, or ray://HOST:PORT (Ray Client). Without it, a Ray instance is "
        "started on this machine for the command and shut down after it.",
        "a local instance",
    ),
    (
        "--cpus-per-run",
        "cpus_per_run",
        float,
        "CPUs each run requests from Ray; also its torch threads (unless --threads).",
        1,
    ),
    (
        "--gpus-per-run",
        "gpus_per_run",
        float,
        "GPUs each run requests from Ray (a fraction shares a GPU); a run sees only the GPUs "
        "it requests, so --device cuda on Ray needs it.",
        0,
    ),
    (
        "--max-retries",
        "max_retries",
        int,
        "Times a run is submitted again after its Ray worker or node died; a run that still "
        "fails is stored as failed and the grid goes on.",
        2,
    ),
    (
        "--ray-runtime-env",
        "ray_runtime_env",
        str,
        "Ray runtime environment of the runs as inline YAML/JSON, e.g. '{working_dir: ., "
        "excludes: [runs, data]}'. The modules of your factories are shipped without it.",
        None,
    ),
]
OPTIONS += BACKEND_OPTIONS
FLAGS = [
    ("--nesterov", "nesterov", "Nesterov momentum (sgd)."),
    ("--residual/--no-residual", "residual", "Residual connections in the built-in mlp."),
    (
        "--health",
        "health",
        "Record activation health per epoch (dead units, saturation, gradient norm per layer) into the store, health.csv and the report.",
    ),
    (
        "--allow-large",
        "allow_large",
        "Lift the limits on seeds, depth, width, epochs and grid size.",
    ),
]


def add_options(func, options=None):
    for flag, key, kind, help_text, shown in reversed(OPTIONS if options is None else options):
        func = click.option(
            flag,
            key,
            type=kind,
            default=None,
            help=help_text,
            show_default=None if shown is None else str(shown),
        )(func)
    if options is not None:
        return func
    for flag, key, help_text in reversed(FLAGS):
        func = click.option(flag, key, is_flag=True, default=None, help=help_text)(func)
    return func


def add_backend_options(func):
    """--backend and the Ray flags, for grid commands other than compare."""
    return add_options(func, BACKEND_OPTIONS)


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


def given_on_command_line(ctx: click.Context, flags: dict[str, Any]) -> dict[str, Any]:
    """Only flags the user typed override a --config file or preset; the others keep theirs."""
    explicit = (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)
    return {
        k: v for k, v in flags.items() if v is not None and ctx.get_parameter_source(k) in explicit
    }


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


def dry_run_report(config, as_json: bool) -> None:
    """Plan `config` (read the data, build each model once) and say what would run."""
    from actlab.experiments import ExperimentError
    from actlab.experiments.checks import grid_size, resolve_baseline
    from actlab.experiments.experiment import plan

    try:
        fingerprints = plan(config)
    except (ExperimentError, ConfigError) as error:
        raise click.ClickException(str(error)) from None
    baseline, why = resolve_baseline(config)
    data = {
        "runs": grid_size(config),
        "datasets": list(config.datasets),
        "models": list(config.models),
        "activations": list(config.activations),
        "seeds": len(config.seeds),
        "baseline": baseline,
        "fingerprints": fingerprints,
        "out": config.out,
    }
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(
        f"dry run: {data['runs']} run(s) of {len(config.activations)} activation(s) on "
        f"{', '.join(config.datasets)} with {', '.join(config.models)}, {data['seeds']} seed(s); "
        f"baseline {baseline}"
        + ("" if why in ("given", "default") else f" ({why})")
        + "; data and models checked, nothing trained or written."
    )


def _fmt(value: float, scale: float = 100.0, digits: int = 2) -> str:
    return "–" if math.isnan(value) else f"{scale * value:.{digits}f}"


def summary_table(rows, title: str):
    from rich.table import Table

    from actlab.report.experiment.figures import clip_interval, unit_for

    unit = unit_for(rows[0].metric)
    score = "acc %" if unit.scale == 100 else "R²"
    table = Table(title=title)
    headers = ("rank", "activation", "seeds", f"test {score}", "95% CI", f"val {score}", "lr",
               "epochs→target", "Δ", "p (Holm)", "sig.")  # fmt: skip
    for header in headers:
        table.add_column(header, justify="left" if header == "activation" else "right")
    for r in sorted(rows, key=lambda r: r.rank):
        base = r.activation == r.baseline
        if math.isnan(r.test_acc_ci95_low):
            ci = "–"
        else:
            low, high = clip_interval(r.test_acc_ci95_low, r.test_acc_ci95_high, unit)
            ci = f"{low:.2f}–{high:.2f}"
        std = "" if math.isnan(r.test_acc_std) else f" ± {_fmt(r.test_acc_std, unit.scale)}"
        p = r.p_value_holm
        table.add_row(
            str(r.rank),
            r.activation + (" (baseline)" if base else ""),
            str(r.n_seeds),
            _fmt(r.test_acc_mean, unit.scale) + std,
            ci,
            _fmt(r.val_acc_mean, unit.scale),
            f"{r.lr:g}",
            f"{_fmt(r.epochs_to_target_mean, 1.0, 1)} ({r.n_reached_target}/{r.n_seeds})",
            "–" if base else f"{_fmt(r.diff_vs_baseline, unit.scale):>6}",
            "–" if math.isnan(p) else f"{p:.3g}",
            "–" if base or math.isnan(p) else ("yes" if r.significant else "no"),
        )
    return table


def print_summary(result) -> None:
    from rich.console import Console

    from actlab.experiments.config import setting_key
    from actlab.report.experiment.figures import setting_name

    console = Console(width=None if sys.stdout.isatty() else 160, highlight=False)
    for note in result.notes:
        console.print(f"note: {note}")
    settings = sorted({(r.dataset, r.model, r.depth) for r in result.summary}, key=setting_key)
    for setting in settings:
        rows = [r for r in result.summary if (r.dataset, r.model, r.depth) == setting]
        target = rows[0].target_accuracy
        shown = "–" if math.isnan(target) else f"{_fmt(target, digits=1)}%"
        console.print(summary_table(rows, f"{setting_name(setting)}: test score, target {shown}"))
        for note in sorted({r.note for r in rows if r.note and r.note != "baseline"}):
            console.print(f"note: {note}")
        for r in sorted(rows, key=lambda r: r.rank):
            console.print(f"  runs of {r.activation}: {r.run_ids}", style="dim")
    print_backend(console, result)
    console.print(
        f"{result.n_ran} run(s) trained, {result.n_skipped} already finished, "
        f"{len(result.failed)} failed, in {result.seconds:.1f} s."
    )
    console.print(f"Report: {result.files.get('report', result.out / 'report.html')}")


def print_backend(console, result) -> None:
    """One line on the Ray cluster the runs used (nothing for the local backend)."""
    b = result.backend
    if b.get("backend") == "ray":
        console.print(
            f"Ray {b['ray']} at {b['address']}: {b['nodes']} node(s), {b['cpus']:g} CPU(s), "
            f"{b['gpus']:g} GPU(s); {b['retried']} run(s) retried after a worker died."
        )
