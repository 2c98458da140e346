"""`actlab diagnose`: activation health of a built-in or a user's model, as a table and a figure.

A thin layer over `actlab.diagnose.diagnose`: build the model (`actlab.models.build_model`,
or the user's factory), get inputs (a dataset, or random ones of `--input-shape`), then print
the monitor's per-layer table and warnings and write the gradient-flow PNG and a CSV.
"""

from __future__ import annotations

import csv
import importlib
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

import click
import torch
from rich.console import Console
from rich.table import Table
from torch import nn

from actlab.catalog import UnknownActivationError
from actlab.catalog.parse import parse_activation
from actlab.diagnose.plot import plot_gradient_flow
from actlab.diagnose.run import Diagnosis
from actlab.diagnose.run import diagnose as run_diagnosis


def _console() -> Console:
    # Piped output (files, tests) gets a wide table rather than rich's 80 columns.
    return Console(width=None if sys.stdout.isatty() else 180, highlight=False)


def _shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        shape = ()
    if not shape or any(s < 1 for s in shape):
        raise click.BadParameter(
            f"expected positive integers like 1,28,28; got {text!r}", param_hint="--input-shape"
        )
    return shape


def load_factory(text: str) -> nn.Module:
    """Call ``pkg.module:function`` (importable from the current directory too)."""
    module_name, sep, attr = text.partition(":")
    if not sep or not module_name or not attr:
        raise click.BadParameter(
            f"expected pkg.module:function; got {text!r}", param_hint="--model-factory"
        )
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as err:
        raise click.BadParameter(
            f"cannot load {text!r}: {err}", param_hint="--model-factory"
        ) from None
    model = factory()
    if not isinstance(model, nn.Module):
        raise click.BadParameter(
            f"{text} returned {type(model).__name__}, not an nn.Module",
            param_hint="--model-factory",
        )
    return model


def _dataset(name: str, data_dir: str | None):
    from actlab.data import DatasetError, load

    try:
        return load(name, data_dir=data_dir)
    except DatasetError as err:
        raise click.BadParameter(str(err), param_hint="--dataset") from None


def _cell(value: Any, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "%":
        return f"{100 * value:.0f}%" if value == 0 or value >= 0.01 else f"{100 * value:.2g}%"
    return f"{value:.3g}"


COLUMNS = (
    ("dead_fraction", "dead", "%"),
    ("on_rate", "on", "%"),
    ("inactive", "inactive", "%"),
    ("saturated", "saturated", "%"),
    ("mean_abs_d1", "mean|f′|", "g"),
    ("pre_mean", "pre μ", "g"),
    ("pre_var", "pre σ²", "g"),
    ("out_mean", "out μ", "g"),
    ("out_var", "out σ²", "g"),
    ("grad_norm", "grad norm", "g"),
    ("grad_mean_abs", "mean|grad|", "g"),
)


def health_table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    for header in ("#", "layer", "activation", "units", *(c[1] for c in COLUMNS), "NaN/inf"):
        table.add_column(header, justify="left" if header in ("layer", "activation") else "right")
    for row in rows:
        where = row["path"] + (f" (call {row['call']})" if row["call"] > 1 else "")
        act = row["activation"] or row["module"]
        if row["activation_params"]:
            act += f"({row['activation_params']})"
        bad = any(row[key] for key in ("nonfinite_pre", "nonfinite_out", "nonfinite_grad"))
        table.add_row(
            str(row["layer"]),
            where,
            act,
            _cell(row["units"], "g"),
            *(_cell(row[key], kind) for key, _, kind in COLUMNS),
            "yes" if bad else "-",
        )
    return table


def _plain(value: Any) -> Any:
    """JSON has no NaN/inf: write them as strings."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def write_outputs(result: Diagnosis, out: Path, title: str) -> dict[str, str]:
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    if result.rows:
        files["figure"] = str(plot_gradient_flow(result.rows, out / "gradient_flow.png", title))
        with open(out / "health.csv", "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(result.rows[0]))
            writer.writeheader()
            writer.writerows(result.rows)
        files["table"] = str(out / "health.csv")
    return files


BUILT_IN_ONLY = ("kind", "activation", "depth", "hidden", "init")


def _refuse_built_in_options(ctx: click.Context) -> None:
    """Options that shape a built-in model mean nothing for a factory's model: refuse them
    rather than ignore them."""
    given = [
        next(p for p in ctx.command.params if p.name == name)
        for name in BUILT_IN_ONLY
        if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE
    ]
    if given:
        flags = ", ".join(p.opts[0] for p in given)
        verb = "applies" if len(given) == 1 else "apply"
        raise click.UsageError(
            f"{flags} {verb} to the built-in models (--model), not to --model-factory"
        )


@click.command("diagnose")
@click.option(
    "--model",
    "kind",
    default="mlp",
    show_default=True,
    help="Built-in model kind: mlp or cnn (with --activation, --depth, --hidden, --init; "
    "none of them applies to --model-factory).",
)
@click.option(
    "--model-factory",
    default=None,
    metavar="PKG.MODULE:FUNCTION",
    help="Your own model: a function taking no arguments that returns an nn.Module.",
)
@click.option(
    "--input-shape",
    default=None,
    metavar="C,H,W",
    help="Per-sample input shape for --model-factory (random inputs unless a "
    "--dataset of that shape is given). A built-in model takes its shape from --dataset; "
    "a different --input-shape is an error.",
)
@click.option(
    "--activation",
    default="relu",
    show_default=True,
    help="Built-in model's activation, with parameters as name:k=v.",
)
@click.option(
    "--dataset",
    default=None,
    help="Dataset (default mnist1d for built-in models; none for a factory).",
)
@click.option("--data-dir", default=None, help="Directory holding dataset files.")
@click.option("--depth", default=1, show_default=True, type=int, help="Hidden layers.")
@click.option("--hidden", default=500, show_default=True, type=int, help="Hidden units.")
@click.option(
    "--init",
    default="auto",
    show_default=True,
    help="Weight init: auto, kaiming, lecun, xavier or default.",
)
@click.option(
    "--steps",
    default=0,
    show_default=True,
    type=int,
    help="Adam steps before the diagnostic pass (0: just forward and backward).",
)
@click.option(
    "--batch-size",
    default=128,
    show_default=True,
    type=int,
    help="Mini-batch size of the training steps.",
)
@click.option(
    "--lr",
    default=1e-3,
    show_default=True,
    type=float,
    help="Learning rate (Adam) of the training steps.",
)
@click.option(
    "--samples", default=1024, show_default=True, type=int, help="Inputs in the diagnostic pass."
)
@click.option(
    "--eps",
    default=1e-2,
    show_default=True,
    type=float,
    help="0 < |f'| below this is saturated (f' = 0 is inactive); a unit inactive or saturated on every sample is dead.",
)
@click.option(
    "--seed", default=0, show_default=True, type=int, help="Seed of the weights and batches."
)
@click.option(
    "--out",
    default="runs/diagnose",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for gradient_flow.png and health.csv.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def diagnose(
    kind: str,
    model_factory: str | None,
    input_shape: str | None,
    activation: str,
    dataset: str | None,
    data_dir: str | None,
    depth: int,
    hidden: int,
    init: str,
    steps: int,
    batch_size: int,
    lr: float,
    samples: int,
    eps: float,
    seed: int,
    out: Path,
    as_json: bool,
) -> None:
    """Activation health of a model: dead units, inactive (f' = 0) and saturated
    (0 < |f'| < eps) inputs, gradient flow, NaN/inf.

    \b
    actlab diagnose --model mlp --depth 20 --activation sigmoid --dataset mnist1d
    actlab diagnose --model-factory mypkg.nets:resnet --input-shape 3,32,32 --steps 50

    Functional activations (F.relu inside forward) are invisible to the monitor.
    """
    torch.manual_seed(seed)
    if model_factory:
        _refuse_built_in_options(click.get_current_context())
        model = load_factory(model_factory)
        shape = _shape(input_shape) if input_shape else None
        data = _dataset(dataset, data_dir) if dataset else None
        if data is not None and shape is not None and tuple(data.input_shape) != shape:
            raise click.UsageError(
                f"--input-shape {shape} does not match {data.name}'s "
                f"inputs {tuple(data.input_shape)}"
            )
        if data is None and shape is None:
            raise click.UsageError("--model-factory needs --input-shape or a --dataset")
        if data is not None:
            x, y = data.x_train, data.y_train
        else:
            count = max(samples, batch_size)
            x, y = torch.randn(count, *shape, generator=torch.Generator().manual_seed(seed)), None
        title = f"{model_factory} on {data.name if data is not None else 'random inputs'}"
    else:
        from actlab.models import build_model

        try:
            name, params = parse_activation(activation)
        except (UnknownActivationError, ValueError, TypeError) as err:
            raise click.BadParameter(str(err), param_hint="--activation") from None
        data = _dataset(dataset or "mnist1d", data_dir)
        if input_shape and _shape(input_shape) != tuple(data.input_shape):
            raise click.UsageError(
                f"--input-shape {_shape(input_shape)} does not match {data.name}'s inputs "
                f"{tuple(data.input_shape)}: a built-in model takes its input shape from "
                "--dataset (--input-shape is for --model-factory)"
            )
        try:
            model = build_model(
                kind,
                data.input_shape,
                data.num_classes,
                activation=name,
                activation_params=params,
                hidden=hidden,
                depth=depth,
                init=init,
            )
        except ValueError as err:
            raise click.UsageError(str(err)) from None
        x, y = data.x_train, data.y_train
        title = f"{kind} depth {depth} × {hidden}, {activation}, {data.name}"
    try:
        result = run_diagnosis(
            model,
            x,
            y,
            steps=steps,
            batch_size=batch_size,
            lr=lr,
            samples=samples,
            seed=seed,
            eps=eps,
        )
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    files = write_outputs(result, out, title)
    if as_json:
        click.echo(
            json.dumps(
                _plain({"title": title, **result.to_dict(), "files": files}),
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    console = _console()
    if result.losses:
        console.print(
            f"trained {len(result.losses)} steps: loss {result.losses[0]:.4g} → "
            f"{result.losses[-1]:.4g}"
        )
    console.print(
        health_table(result.rows, f"{title}: activation health on {result.samples:,} samples")
    )
    if not result.rows:
        console.print(result.note)
    for warning in result.warnings:
        console.print(f"[yellow]⚠[/yellow] {warning}", soft_wrap=True)
    if result.rows and not result.warnings:
        console.print("[green]✓[/green] no problems found")
    for path in files.values():
        console.print(f"wrote {path}")
