"""`actlab demo` (what `make demo` runs): the catalogue at a glance, then the main job.

Prints the catalogue table, draws every activation with its derivative, and runs
`actlab compare` with its defaults (8 activations x 3 seeds on MNIST-1D), which ends by
saying where the HTML report is.
"""

from __future__ import annotations

from pathlib import Path

import click

from actlab.cli.compare import compare
from actlab.cli.listing import catalogue_table
from actlab.cli.output import console
from actlab.listing import records as catalogue_records
from actlab.report.catalogue.activation_plots import gallery


@click.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs/demo"),
    show_default=True,
    help="Folder for the demo's outputs: gallery.png and compare/ (the experiment and report). "
    "Running the demo again resumes the experiment there.",
)
@click.option(
    "--no-compare",
    is_flag=True,
    help="Only the catalogue and the gallery; skip the training comparison.",
)
@click.pass_context
def demo(ctx: click.Context, out_dir: Path, no_compare: bool) -> None:
    """Print the catalogue, draw every activation (gallery.png), then run `actlab compare`."""
    out = console()
    out.print(catalogue_table(catalogue_records()))
    path = out_dir / "gallery.png"
    fig = gallery(path)
    shown = sum(ax.get_visible() for ax in fig.axes)
    out.print(
        f"\nGallery of {shown} elementwise activations (f and f′ by autograd) "
        f"written to [bold]{path}[/]"
    )
    if not no_compare:
        out.print("\nTraining comparison (actlab compare, defaults) ...")
        ctx.invoke(compare, out=str(out_dir / "compare"))
