"""Parse an activation with parameter overrides from text: ``"leaky_relu:negative_slope=0.2"``.

Shared by the CLI (``actlab plot leaky_relu:negative_slope=0.2``) and anything else that takes
activations from text (configs, sweeps). The name is resolved through the registry (aliases
accepted, unknown names raise with close matches) and the values are checked by `spec.bind`.
"""

from __future__ import annotations

from typing import Any

from actlab.catalog.registry import get

_TRUE = {"true", "yes", "on"}
_FALSE = {"false", "no", "off"}


def parse_value(text: str) -> Any:
    """`"2"` -> 2, `"0.2"`/`"1e-3"`/`"inf"` -> float, `"true"`/`"false"` -> bool, else the str.

    Quotes around a value force a string: `approximate='tanh'` and `approximate=tanh` agree.
    """
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def parse_activation(text: str) -> tuple[str, dict[str, Any]]:
    """Split ``"name:k=v,k2=v2"`` into the registered name and the checked overrides.

    Returns `(name, params)` where `name` is the canonical registry name (an alias resolves to
    it) and `params` holds only the overrides given, each converted by `spec.bind` (so an int
    given for a float parameter comes back as a float).

    Raises `UnknownActivationError` (with close matches) for an unknown name, `ValueError` for
    malformed text or a value outside its valid range, and `TypeError` for an unknown parameter.

    >>> parse_activation("lrelu:negative_slope=0.2")
    ('leaky_relu', {'negative_slope': 0.2})
    """
    name, sep, rest = text.partition(":")
    if not name.strip():
        raise ValueError(f"no activation name in {text!r}; expected 'name' or 'name:k=v,k2=v2'")
    spec = get(name)
    overrides: dict[str, Any] = {}
    if sep and not rest.strip():
        raise ValueError(f"nothing after ':' in {text!r}; expected 'name:k=v,k2=v2'")
    for item in rest.split(",") if rest.strip() else []:
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or not key or not value.strip():
            raise ValueError(f"malformed parameter {item.strip()!r} in {text!r}; expected k=v")
        if key in overrides:
            raise ValueError(f"parameter {key!r} is given twice in {text!r}")
        overrides[key] = parse_value(value)
    bound = spec.bind(**overrides)
    return spec.name, {key: bound[key] for key in overrides}
