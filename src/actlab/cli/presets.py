"""`actlab presets`: the published training protocols `actlab compare --preset` fills in."""

from __future__ import annotations

import click

from actlab.cli.output import console, to_json


@click.command("presets")
@click.option("--json", "as_json", is_flag=True, help="Print the presets as JSON on stdout.")
def presets(as_json: bool) -> None:
    """List the presets of `actlab compare --preset NAME`: each fills the whole training
    recipe (dataset, model, optimizer, lr, batch, schedule, augmentation, budget) of a
    published protocol, with its source; flags given with it override any of its keys."""
    from rich.table import Table

    from actlab.experiments.presets import PRESETS, preset_values

    records = [
        {
            "name": p.name,
            "summary": p.summary,
            "source": p.source,
            "values": preset_values(p.name),
            "note": p.note,
        }
        for p in PRESETS.values()
    ]
    if as_json:
        click.echo(to_json(records))
        return
    table = Table(title=f"actlab compare --preset NAME: {len(records)} published protocols")
    for header in ("preset", "recipe", "source"):
        table.add_column(header, style="bold cyan" if header == "preset" else "", overflow="fold")
    for r in records:
        values = {k: v for k, v in r["values"].items() if k != "preset"}
        recipe = ", ".join(
            f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in values.items()
        )
        table.add_row(
            r["name"],
            f"{r['summary']}\n[dim]{recipe}[/dim]"
            + (f"\n[dim]{r['note']}[/dim]" if r["note"] else ""),
            r["source"],
        )
    console().print(table)
