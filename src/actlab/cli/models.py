"""`actlab models`: the model zoo as a table (or JSON), a thin layer over `actlab.models`."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from actlab.cli.output import console, to_json
from actlab.models import build_model, get_model, model_names

NUM_CLASSES = 10
# One reference input per input kind: MNIST-1D for vectors, sequences and "any", CIFAR-10
# sized images for image models.
REFERENCE_INPUTS = {
    "vector": ((40,), "MNIST-1D (40,)"),
    "sequence": ((40,), "MNIST-1D (40,)"),
    "any": ((40,), "MNIST-1D (40,)"),
    "image": ((3, 32, 32), "CIFAR-10 (3, 32, 32)"),
}


def model_records() -> list[dict[str, Any]]:
    """One record per model: what it takes, its options, its size on a reference input."""
    records = []
    for name in model_names():
        spec = get_model(name)
        shape, label = REFERENCE_INPUTS[spec.inputs]
        model = build_model(name, shape, NUM_CLASSES, spec.usual_activation)
        records.append(
            {
                "name": name,
                "summary": spec.summary,
                "inputs": spec.inputs,
                "options": dict(spec.options),
                "option_docs": dict(spec.option_docs),
                "usual_activation": spec.usual_activation,
                "reference_input": {"shape": list(shape), "name": label},
                "num_classes": NUM_CLASSES,
                "parameters": sum(p.numel() for p in model.parameters()),
                "source": spec.source,
                "notes": spec.notes,
            }
        )
    return records


def _value(v: Any) -> str:
    return repr(v) if isinstance(v, str) else str(v)


def models_table(records: list[dict[str, Any]]) -> Table:
    table = Table(
        title=f"actlab models: {len(records)} (parameters at the defaults, "
        f"{NUM_CLASSES} classes, the usual activation)",
    )
    for header, style in (
        ("model", "bold cyan"),
        ("inputs", ""),
        ("options (defaults)", ""),
        ("parameters", ""),
        ("on input", ""),
        ("source", ""),
    ):
        table.add_column(header, style=style or None, overflow="fold")
    for r in records:
        options = ", ".join(f"{k}={_value(v)}" for k, v in r["options"].items())
        table.add_row(
            r["name"],
            r["inputs"],
            options,
            f"{r['parameters']:,}",
            f"{r['reference_input']['name']}, {r['usual_activation']}",
            r["source"],
        )
    return table


@click.command("models")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON list instead: name, summary, inputs, options with defaults and "
    "docs, usual activation, reference input, parameter count, source, notes.",
)
def models(as_json: bool) -> None:
    """List the model zoo: what each model takes, its options and size, and its source.

    Inputs: "vector" (F,), "sequence" (L,) or (C, L), "image" (C, H, W), "any" (the mlp
    flattens, the cnn picks 1-D or 2-D convolutions). Parameter counts are for 10 classes
    on a reference input, MNIST-1D (40,) for vector, sequence and any, CIFAR-10 (3, 32, 32)
    for images, with the activation the model is usually trained with (elementwise
    activations without parameters all give the same count). Options go to
    `actlab.models.build_model(kind, ..., **options)`; every model takes any catalogue
    activation or your own, and applies feature-mixing ones (softmax, maxout, GLU family)
    over the channels.
    """
    records = model_records()
    if as_json:
        click.echo(to_json(records))
        return
    console().print(models_table(records))
