"""actlab's command line: thin commands over the library (see `actlab --help`).

Commands load lazily: `actlab --help` and `actlab --version` import no command module (and
so neither torch nor the catalogue); `actlab NAME` imports only NAME's module.
"""

from __future__ import annotations

import importlib

import click

from actlab._version import __version__

# name -> (module, attribute, one line for `actlab --help`). Every command module is listed
# here once; a test checks each line against the command's own help.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "list": ("actlab.cli.listing", "list_", "The catalogue table: formula, range, properties, year."),
    "show": ("actlab.cli.catalog", "show", "One activation: formula, parameters, facts, values, paper."),
    "plot": ("actlab.cli.catalog", "plot", "Draw activations and their derivatives to a PNG."),
    "docs": ("actlab.cli.catalog", "docs", "Write the catalogue page and its plots."),
    "models": ("actlab.cli.models", "models", "The model zoo: inputs, options, parameter counts, sources."),
    "presets": ("actlab.cli.presets", "presets", "The published protocols `compare --preset` fills in."),
    "compare": ("actlab.cli.compare", "compare", "Train activations on your or built-in models and data; compare them."),
    "depth-study": ("actlab.cli.depth_study", "depth_study", "Accuracy and gradient flow against depth, per activation."),
    "search": ("actlab.cli.search", "search", "Discover new activation functions by search, as the Swish paper did."),
    "diagnose": ("actlab.cli.diagnose", "diagnose", "Dead, saturated and vanishing layers of a model, and why."),
    "advise": ("actlab.cli.advise", "advise", "Which activation to use: a shortlist with reasons, sources and measurements."),
    "playground": ("actlab.cli.playground", "playground", "Watch a network learn in the browser."),
    "bench": ("actlab.cli.bench", "bench", "Time the kernels against PyTorch and a memory copy."),
    "demo": ("actlab.cli.demo", "demo", "What `make demo` runs: the catalogue, a gallery, a comparison."),
}  # fmt: skip


class LazyGroup(click.Group):
    """A click group whose commands are imported when they are run or asked for help."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, short) for name, (_, _, short) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="actlab")
def main() -> None:
    """actlab, the activation-function laboratory for PyTorch.

    Browse the verified catalogue (list, show), draw activations and their derivatives
    (plot), generate the catalogue page (docs), compare activations by training on built-in
    or your own model and data (compare; models and presets list what it offers), see how
    deep each activation trains (depth-study), discover new activations by search (search),
    find dead, saturated or vanishing layers in a model (diagnose), get a recommended
    activation with its reasons (advise), watch a network learn in the browser (playground),
    time the kernels (bench), or run the demo. `actlab COMMAND --help` explains each option.
    """


__all__ = ["COMMANDS", "main"]
