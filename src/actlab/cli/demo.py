"""`actlab demo`: the catalogue at a glance, until the experiment comparison takes this over."""

from __future__ import annotations

from pathlib import Path

import click

from actlab.cli.catalog import catalogue_table, console
from actlab.report.activation_plots import gallery
from actlab.report.catalogue_text import catalogue_records


@click.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs/demo"),
    show_default=True,
    help="Folder for the demo's outputs (gallery.png).",
)
def demo(out_dir: Path) -> None:
    """Print the catalogue and draw every activation with its derivative (gallery.png)."""
    out = console()
    out.print(catalogue_table(catalogue_records()))
    path = out_dir / "gallery.png"
    fig = gallery(path)
    shown = sum(ax.get_visible() for ax in fig.axes)
    out.print(
        f"\nGallery of {shown} elementwise activations (f and f′ by autograd) "
        f"written to [bold]{path}[/]"
    )
