"""The options every experiment command shares: the training recipe, the grid, the backend,
the output folder. One table: each row is a flag and the config key it sets (flags given on the
command line override a config file and a preset; the others leave them alone)."""

from __future__ import annotations

from typing import Any

import click
from click.core import ParameterSource

from actlab.experiments.config import DEFAULT_ACTIVATIONS
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
        "Record activation health per epoch (dead units, inactive and saturated shares, gradient norm per layer) into the store, health.csv and the report.",
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
