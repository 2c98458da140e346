"""The activation grammar of experiment grids: ``name[:k=v[,k=v...]][@impl]``, with sweeps.

- ``leaky_relu:negative_slope=0.1`` sets parameters (checked against the catalogue spec);
- ``elu:alpha=0.5|1.0`` sweeps a parameter: two activations; several swept params multiply;
- ``gelu@lean``, ``gelu@fewbit3`` pick the autograd implementation (``@fewbit`` = 3 bits);
  without a suffix the run is native;
- ``expr:x*sigmoid(beta*x)`` is an expression over x (`actlab.expr`), named by its canonical
  text; ``expr:x*sigmoid(beta*x);beta=0.5|2,learnable=false`` sets (or sweeps) the initial
  values of its parameters and fixes them.

A list of entries is written comma-separated; a piece holding ``=`` but no ``:`` continues
the previous entry's parameters (``relu,elu:alpha=0.5,beta=2,gelu``). This module depends on
the catalogue (and the config's error type) only, so both the config checks and the grid
expansion can use it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from actlab.catalog.parse import parse_activation
from actlab.catalog.registry import get
from actlab.experiments.errors import ConfigError


class GrammarError(ConfigError):
    """An activation entry that cannot be parsed or checked; the message names it."""


@dataclass(frozen=True)
class ActivationChoice:
    """One activation of the grid: its label, canonical name, overrides and all bound params."""

    label: str
    name: str
    overrides: dict[str, Any]
    params: dict[str, Any]
    impl: str = "native"
    bits: int | None = None


def split_list(text: str) -> list[str]:
    """Split ``"relu,elu:alpha=0.5,beta=2,gelu"`` at commas that start a new activation
    (never inside parentheses: ``expr:max(x, 0)`` stays whole)."""
    items: list[str] = []
    for piece in (p.strip() for p in _top_level_commas(text)):
        if items and "=" in piece and ":" not in piece:
            items[-1] += "," + piece
        elif piece:
            items.append(piece)
    return items


def _top_level_commas(text: str) -> list[str]:
    pieces, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth <= 0:
            pieces.append(text[start:i])
            start = i + 1
    return [*pieces, text[start:]]


def format_activation(name: str, overrides: dict[str, Any]) -> str:
    """`("elu", {"alpha": 0.5})` -> `"elu:alpha=0.5"`; the inverse of `parse_activation`."""
    if not overrides:
        return name
    return name + ":" + ",".join(f"{k}={_format_value(v)}" for k, v in overrides.items())


def _format_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _kernel_suffix(suffix: str, name: str) -> tuple[str, int | None, str]:
    """``"fewbit3"`` -> ``("fewbit", 3, "@fewbit3")``; checked against what `name` offers."""
    from actlab.kernels.select import DEFAULT_BITS, available

    impl, bits = suffix.strip(), None
    if impl.startswith("fewbit"):
        digits = impl[len("fewbit") :]
        if digits and not digits.isdigit():
            raise ValueError(f"@{suffix}: write fewbit then a bit count 1-8, e.g. @fewbit3")
        impl, bits = "fewbit", int(digits) if digits else DEFAULT_BITS
        if not 1 <= bits <= 8:
            raise ValueError(f"@{suffix}: bits must be in [1, 8], got {bits}")
    offered = available(name)
    if impl not in offered:
        raise ValueError(
            f"impl {impl!r} is not available for {name}; choose @{', @'.join(offered)}"
        )
    if impl == "native":
        return impl, None, ""
    return impl, bits, "@" + impl + (str(bits) if bits is not None else "")


def _sweep(text: str) -> list[str]:
    """``"elu:alpha=0.5|1.0"`` -> ``["elu:alpha=0.5", "elu:alpha=1.0"]`` (no ``|``: unchanged)."""
    name, sep, rest = text.partition(":")
    if "|" not in rest:
        return [text]
    keys: list[str] = []
    options: list[list[str]] = []
    for item in rest.split(","):
        key, _, values = item.partition("=")
        keys.append(key.strip())
        options.append(values.split("|"))
    return [
        name + sep + ",".join(f"{k}={v}" for k, v in zip(keys, combo, strict=True))
        for combo in itertools.product(*options)
    ]


def activation_choices(entries: Iterable[str], what: str = "activations") -> list[ActivationChoice]:
    """Parse and check activation entries, expanding ``|`` sweeps; errors name the entry."""
    choices = []
    for entry in entries:
        if not isinstance(entry, str):
            raise GrammarError(f"{what}: expected an activation such as 'relu', got {entry!r}")
        if entry.strip().startswith("expr:"):
            choices.extend(_expression_choices(entry.strip(), what))
            continue
        body, _, suffix = entry.partition("@")
        for text in _sweep(body):
            try:
                name, overrides = parse_activation(text)
                params = get(name).bind(**overrides)
                impl, bits, shown = _kernel_suffix(suffix or "native", name)
            except (ValueError, TypeError, KeyError) as error:
                raise GrammarError(
                    f"{what}: {text + (suffix and '@' + suffix)!r}: {error}"
                ) from None
            label = format_activation(name, overrides) + shown
            choices.append(ActivationChoice(label, name, overrides, params, impl, bits))
    return choices


def _expression_choices(entry: str, what: str) -> list[ActivationChoice]:
    """``expr:BODY[;k=v,...][@native]``: one choice per swept value, named canonically."""
    from actlab.catalog.parse import parse_value
    from actlab.expr import PREFIX, ExpressionError, canonical_tree, show
    from actlab.expr.tree import number

    text, _, suffix = entry.partition("@")
    if suffix and suffix.strip() != "native":
        raise GrammarError(
            f"{what}: {entry!r}: an expression has the native implementation only (no @{suffix})"
        )
    body, _, settings = text[len(PREFIX) :].partition(";")
    try:
        tree, mapping = canonical_tree(body)
    except ExpressionError as error:
        raise GrammarError(f"{what}: {entry!r}: {error}") from None
    name = PREFIX + show(tree)
    defaults: dict[str, Any] = {n: 1.0 for n in sorted(set(mapping.values()))}
    if defaults:
        defaults["learnable"] = True
    choices = []
    for option in _sweep("_:" + settings) if settings.strip() else ["_:"]:
        overrides: dict[str, Any] = {}
        for item in (p for p in option[2:].split(",") if p.strip()):
            key, eq, raw = item.partition("=")
            key = mapping.get(key.strip(), key.strip())
            value = parse_value(raw)
            bad = key not in defaults or not eq or (
                key == "learnable" and not isinstance(value, bool)
            ) or (key != "learnable" and (isinstance(value, bool) or not isinstance(value, int | float)))  # fmt: skip
            if bad:
                valid = [f"{k}=NUMBER" for k in defaults if k != "learnable"]
                valid += ["learnable=true|false"] if defaults else []
                raise GrammarError(
                    f"{what}: {entry!r}: {item.strip()!r} is not a setting of this expression; "
                    f"its settings: {', '.join(valid) or 'none (it has no parameter)'}"
                )
            overrides[key] = float(value) if key != "learnable" else value
        shown = [
            f"{k}={_format_value(v if k == 'learnable' else number(v))}"
            for k, v in overrides.items()
        ]
        label = name + (";" + ",".join(shown) if shown else "")
        choices.append(ActivationChoice(label, name, overrides, {**defaults, **overrides}))
    return choices


def canonical_label(text: str, what: str) -> str:
    """`"lrelu:negative_slope=0.1"` -> `"leaky_relu:negative_slope=0.1"`; errors name `what`."""
    if not isinstance(text, str):
        raise GrammarError(f"{what} must be an activation name, got {text!r}")
    choices = activation_choices([text], what=what)
    if len(choices) != 1:
        raise GrammarError(f"{what} must name one activation, got the sweep {text!r}")
    return choices[0].label
