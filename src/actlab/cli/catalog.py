"""Catalogue commands: show, plot, docs (and `list` in cli/listing.py, which needs no torch).
Each is a thin layer over a library function."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from actlab.catalog import ActivationSpec, UnknownActivationError, get
from actlab.catalog.parse import parse_activation
from actlab.cli.output import console, to_json
from actlab.kernels import describe_impls
from actlab.report.catalogue.activation_plots import autograd_curves, plot_activations
from actlab.report.catalogue.catalogue_text import (
    fmt,
    multi_input_example,
    num,
    plain_formula,
    point_values,
    spec_record,
)
from actlab.report.catalogue.docs import write_catalogue


def resolve(text: str, hint: str = "NAME") -> tuple[ActivationSpec, dict[str, Any]]:
    """`parse_activation` with its errors turned into usage errors (exit code 2, no traceback)."""
    try:
        name, overrides = parse_activation(text)
    except (UnknownActivationError, ValueError, TypeError) as err:
        raise click.BadParameter(str(err), param_hint=hint) from None
    spec = get(name)
    return spec, spec.bind(**overrides)


def _show_values(out: Console, spec: ActivationSpec, params: dict[str, Any]) -> None:
    if not spec.elementwise:
        ex = multi_input_example(spec, params)
        out.print("\n[bold]Example[/] (it mixes its inputs, so no curve):")
        for key in ("input", "output", "reference"):
            out.print(f"  {key:<9} [{', '.join(fmt(v) for v in ex[key])}]")
        return
    table = Table(title="values (float64): torch form and autograd vs the NumPy reference")
    for header in ("x", "f(x) torch", "f(x) reference", "f′(x) autograd", "f′(x) reference"):
        table.add_column(header, justify="right")
    for row in point_values(spec, params):
        table.add_row(*(fmt(row[k]) for k in ("x", "f", "f_ref", "d1", "d1_ref")))
    out.print(table)


@click.command()
@click.argument("name")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the entry as JSON (parameter defaults as numbers), with the values.",
)
def show(name: str, as_json: bool) -> None:
    """Show one activation: f and f′, parameters, properties, values, paper.

    NAME is a name or alias; it may carry parameters, e.g. hardtanh:min_val=0,max_val=6: the
    range, limits, kinks, properties and values are then those of f with these parameters.
    NAME may also be an expression, "expr:x*sigmoid(beta*x)" (parameters after a semicolon:
    "expr:x*sigmoid(beta*x);beta=2"): its properties are then measured numerically.
    """
    if name.startswith("expr:"):
        _show_expression(name, as_json)
        return
    spec, params = resolve(name)
    record = spec_record(spec, params)
    record["params_used"] = {k: num(v) for k, v in params.items()}
    if spec.elementwise:
        record["values"] = [
            {k: num(v) for k, v in row.items()} for row in point_values(spec, params)
        ]
    else:
        record["example"] = multi_input_example(spec, params)
    if as_json:
        click.echo(to_json(record))
        return
    out = console()
    out.print(f"[bold cyan]{spec.name}[/]  ({spec.family})  {escape(spec.summary)}")
    if spec.aliases:
        out.print(f"aliases: {', '.join(spec.aliases)}")
    out.print(f"\n  f(x)  = {escape(plain_formula(spec.formula))}")
    d1_label = "f′(x) =" if spec.elementwise else "derivative:"
    out.print(f"  {d1_label} {escape(plain_formula(spec.formula_d1))}")
    out.print(escape(f"  LaTeX: {spec.formula}   |   {spec.formula_d1}"), style="dim")
    if spec.params:
        table = Table(title="parameters")
        for header in ("name", "default", "used", "valid", "learnable", "meaning"):
            table.add_column(header, overflow="fold")
        for p in spec.params:
            table.add_row(
                p.name,
                repr(p.default),
                repr(params[p.name]),
                p.describe_valid(),
                "yes" if p.learnable else "-",
                p.doc,
            )
        out.print(table)
    props = record["properties"]
    if props is not None:
        yes = {True: "yes", False: "no"}
        out.print(
            escape(
                f"\nrange {record['range']['text']}; monotonic: {yes[props['monotonic']]}; "
                f"smoothness {props['smoothness_text']}; bounded below/above: "
                f"{yes[props['bounded_below']]}/{yes[props['bounded_above']]}; zero-centred: "
                f"{yes[props['zero_centred']]}; self-normalising: {yes[props['self_normalising']]}"
            )
        )
    elif record["range"] is not None:
        out.print(escape(f"\nrange {record['range']['text']}"))
    if record["limits"] is not None:
        low, high = (float(v) for v in record["limits"])
        out.print(f"limits: f(-∞) = {fmt(low)}, f(+∞) = {fmt(high)}")
    kinks = [float(k) for k in record["kinks"]]
    if kinks:
        # Autograd at the kinks with the parameters in use: the convention a network gets.
        _, d1 = autograd_curves(spec, params, np.array(kinks, dtype=np.float64))
        out.print(
            "kinks: "
            + ", ".join(f"f′({fmt(k)}) = {fmt(v)}" for k, v in zip(kinks, d1.tolist(), strict=True))
            + " (autograd's value there, the documented convention)"
        )
    _show_values(out, spec, params)
    out.print(f"\nPyTorch: {spec.native or 'composite (no native kernel)'}")
    out.print(escape(f"ONNX: {spec.onnx or 'exports (torch.onnx.export, every impl)'}"))
    for impl, text in describe_impls(spec.name).items():
        out.print(f"impl={impl!r}: {text}")
    if spec.paper:
        out.print(escape(f"paper: {spec.paper}"))
    if spec.checked:
        out.print(escape(f"checked: {spec.checked}"))
    if spec.caveat:
        out.print(escape(f"† {spec.caveat}"))
    if spec.notes:
        out.print(escape(f"notes: {spec.notes}"))


def _show_expression(text: str, as_json: bool) -> None:
    from actlab.catalog.parse import parse_value
    from actlab.expr import ExpressionError
    from actlab.expr.describe import describe

    body, _, settings = text.partition(";")
    values = {}
    for item in (p for p in settings.split(",") if p.strip()):
        key, eq, raw = item.partition("=")
        if not eq:
            raise click.BadParameter(f"expected k=v after ';', got {item!r}", param_hint="NAME")
        values[key.strip()] = parse_value(raw)
    try:
        record = describe(body, values)
    except (ExpressionError, TypeError, ValueError) as err:
        raise click.BadParameter(str(err), param_hint="NAME") from None
    if as_json:
        click.echo(to_json(record))
        return
    out, facts, yes = console(), record["facts"], {True: "yes", False: "no"}
    out.print(f"[bold cyan]{escape(record['name'])}[/]  (expression; properties measured)")
    out.print(escape(f"\n  f(x)  = {plain_formula(record['formula'])}"))
    out.print(escape(f"  f′(x) = {plain_formula(record['formula_d1'])}"))
    out.print(escape(f"  LaTeX: {record['formula']}   |   {record['formula_d1']}"), style="dim")
    if record["params"]:
        shown = ", ".join(f"{k} = {fmt(v)}" for k, v in record["params"].items())
        out.print(f"parameters: {shown} (learnable; initial values)")
    out.print(
        escape(
            f"\nrange {facts['range']}; monotonic: {yes[facts['monotonic']]}; smoothness "
            f"{facts['smoothness']}; bounded below/above: {yes[facts['low'] != '-inf']}/"
            f"{yes[facts['high'] != 'inf']}; zero-centred: {yes[facts['zero_centred']]}"
        )
    )
    limits = [
        ("none" if v is None else fmt(float(v))) for v in (facts["limit_low"], facts["limit_high"])
    ]
    out.print(f"limits: f(-∞) = {limits[0]}, f(+∞) = {limits[1]}")
    table = Table(title="values (float64): torch and autograd vs NumPy and a central difference")
    for header in ("x", "f(x) torch", "f(x) NumPy", "f′(x) autograd", "f′(x) central diff."):
        table.add_column(header, justify="right")
    for row in record["values"]:
        table.add_row(*(fmt(row[k]) for k in ("x", "f", "f_ref", "d1", "d1_central")))
    out.print(table)
    out.print(
        "safe forms: exp clamped at 30, sinh/cosh at ±30, log(u) = ln(|u| + 1e-6), a/b with |b| "
        "kept ≥ 1e-6, sqrt(u) = √max(u, 0); derivative by autograd",
        style="dim",
    )


@click.command()
@click.argument("names", nargs=-1, metavar="NAME [NAME ...]")
@click.option("-d", "--derivative", is_flag=True, help="Add a panel with f′ (autograd).")
@click.option("-s", "--second", is_flag=True, help="Add a panel with f″ (double autograd).")
@click.option(
    "--xlim",
    type=(float, float),
    default=None,
    metavar="LO HI",
    help="The x-range to draw  [default: -5 5; -4 4 with --from-run].",
)
@click.option(
    "--from-run",
    "run_id",
    metavar="RUN_ID",
    help="Draw the learned activations of a stored run (its config hash; a unique prefix "
    "will do) instead of NAMEs.",
)
@click.option(
    "--store",
    type=click.Path(path_type=Path),
    help="With --from-run: the results.sqlite, or the experiment folder, holding the run.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --from-run: the experiment folder (same as --store DIR).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The image file to write (PNG; .svg and .pdf also work)  [default: NAME-NAME.png, or "
    "learned-RUN_ID.png, in the current directory].",
)
def plot(
    names: tuple[str, ...],
    derivative: bool,
    second: bool,
    xlim: tuple[float, float] | None,
    run_id: str | None,
    store: Path | None,
    out_dir: Path | None,
    output: Path | None,
) -> None:
    """Plot activations (f, and f′/f″ if asked) into one figure.

    NAME may carry parameters: leaky_relu:negative_slope=0.2 or elu:alpha=0.5. Curves that
    grow fast are clipped at the panel edge so the others stay readable. Multi-input entries
    (softmax, GLU, ...) have no curve and are refused.

    \b
    Example:
      actlab plot relu leaky_relu:negative_slope=0.2 tanh -d -s --xlim -4 4 -o act.png
      actlab plot --from-run 3fa2c1 --out runs/learnable -o learned.png
    """
    if output is None:
        stem = f"learned-{run_id}" if run_id else "-".join(n.split(":")[0] for n in names[:4])
        output = Path(f"{stem or 'plot'}.png")
    if run_id is not None:
        if names:
            raise click.UsageError("give NAMEs or --from-run, not both")
        _writable(output)
        _plot_run(run_id, store or out_dir, xlim, output)
        return
    if not names:
        raise click.UsageError("give at least one NAME (or --from-run RUN_ID)")
    pairs = [resolve(n) for n in names]
    _writable(output)
    try:
        xlim = xlim or (-5.0, 5.0)
        plot_activations(pairs, derivative=derivative, second=second, xlim=xlim, path=output)
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    click.echo(f"wrote {output.resolve()}")


def _writable(output: Path) -> None:
    """A clear error, before any drawing, when `output` cannot be written (probed by opening it
    for appending; a probe file that did not exist before is removed again)."""
    existed = output.exists()
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("ab"):
            pass
        if not existed:
            output.unlink()
    except OSError as error:
        raise click.BadParameter(
            f"cannot write {output}: {error.strerror or error}; choose another file",
            param_hint="-o/--output",
        ) from None


def _plot_run(run_id: str, where: Path | None, xlim, output: Path) -> None:
    """`plot --from-run`: find the run in the store and draw its learned activations."""
    from actlab.experiments.store import FILENAME, ResultStore
    from actlab.report.experiment.learned_figures import GRID, plot_run

    if where is None:
        raise click.UsageError("--from-run needs --store FILE.sqlite or --out EXPERIMENT_DIR")
    directory = where.parent if where.suffix == ".sqlite" else where
    if not (directory / FILENAME).is_file():
        raise click.BadParameter(f"no {FILENAME} in {directory}", param_hint="--store/--out")
    with ResultStore(directory) as results:
        try:
            record = results.find_run(run_id)
        except LookupError as err:
            raise click.BadParameter(str(err), param_hint="--from-run") from None
    try:
        plot_run(record, output, xlim=xlim or GRID)
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    click.echo(f"wrote {output}")


@click.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs"),
    show_default=True,
    help="Folder for catalogue.md; the plots go to OUT/img/NAME.png.",
)
@click.option("--no-images", is_flag=True, help="Write only the Markdown page, not the PNGs.")
def docs(out_dir: Path, no_images: bool) -> None:
    """Generate the catalogue page (catalogue.md and one PNG per activation)."""
    page = write_catalogue(out_dir, images=not no_images)
    click.echo(f"wrote {page}" + ("" if no_images else f" and plots in {out_dir / 'img'}"))
