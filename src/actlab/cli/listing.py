"""`actlab list`: the catalogue table, read from `actlab.listing` (no torch import)."""

from __future__ import annotations

from typing import Any

import click

from actlab import listing
from actlab.cli.output import console, to_json


def _mark(flag: bool) -> str:
    return "yes" if flag else "-"


def catalogue_table(records: list[dict[str, Any]]):
    """The rich table `actlab list` prints: one row per record of `actlab.listing.records()`."""
    from rich.table import Table

    table = Table(title=f"actlab catalogue: {len(records)} activations", show_lines=False)
    for header, style in (
        ("name", "bold cyan"),
        ("family", ""),
        ("f(x)", ""),
        ("range", ""),
        ("monotonic", ""),
        ("smooth", ""),
        ("bounded ↓/↑", ""),
        ("zero-centred", ""),
        ("self-norm.", ""),
    ):
        table.add_column(header, style=style or None, overflow="fold")
    for r in records:
        p = r["properties"]
        if p is None:  # multi-input entries make no scalar claims
            claims = ["n/a"] * 5
        else:
            bounds = f"{_mark(p['bounded_below'])}/{_mark(p['bounded_above'])}"
            claims = [
                _mark(p["monotonic"]),
                p["smoothness_text"],
                bounds,
                _mark(p["zero_centred"]),
                _mark(p["self_normalising"]),
            ]
        rng = r["range"]["text"] if r["range"] else "n/a"
        mark = " †" if r.get("caveat") else ""
        table.add_row(r["name"] + mark, r["family"], r["formula_text"], rng, *claims)
    caveats = [f"† {r['name']}: {r['caveat']}" for r in records if r.get("caveat")]
    if caveats:
        table.caption = "\n".join(caveats)
        table.caption_justify = "left"
    return table


@click.command("list")
@click.option(
    "--family",
    type=click.Choice(listing.families()),
    help="Only this family (relu-like, smooth-gated, ...).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON list of records (name, aliases, family, formulas, range, "
    "properties, params with default/valid/learnable, paper, native) instead.",
)
def list_(family: str | None, as_json: bool) -> None:
    """List the catalogue: formula, range and properties of every activation."""
    records = listing.records(family)
    if as_json:
        click.echo(to_json(records))
        return
    console().print(catalogue_table(records))
