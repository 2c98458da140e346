"""actlab's command line: thin commands over the library (see `actlab --help`)."""

from __future__ import annotations

import click

from actlab._version import __version__
from actlab.cli.bench import bench
from actlab.cli.catalog import docs, list_, plot, show
from actlab.cli.compare import compare
from actlab.cli.demo import demo
from actlab.cli.depth_study import depth_study
from actlab.cli.diagnose import diagnose
from actlab.cli.models import models
from actlab.cli.playground import playground
from actlab.cli.presets import presets


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="actlab")
def main() -> None:
    """actlab, the activation-function laboratory for PyTorch.

    Browse the verified catalogue (list, show), draw activations and their derivatives
    (plot), generate the catalogue page (docs), compare activations by training on built-in
    or your own model and data (compare; models and presets list what it offers), see how
    deep each activation trains (depth-study), find dead, saturated or vanishing layers in a
    model (diagnose), watch a network learn in the browser (playground), time the kernels
    (bench), or run the demo.
    """


for command in (
    list_,
    show,
    plot,
    docs,
    demo,
    compare,
    depth_study,
    diagnose,
    playground,
    bench,
    models,
    presets,
):
    main.add_command(command)

__all__ = ["main"]
