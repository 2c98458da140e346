"""The registry: the one place specs are stored and looked up by name or alias."""

from __future__ import annotations

from actlab.catalog.matching import close_matches, key
from actlab.catalog.spec import FAMILIES, ActivationSpec

_SPECS: dict[str, ActivationSpec] = {}
_ALIASES: dict[str, str] = {}


class UnknownActivationError(KeyError, ValueError):
    """Raised for a name that is neither a registered activation nor an alias."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


def register(spec: ActivationSpec) -> ActivationSpec:
    """Add `spec` to the table. Names and aliases must be unique across the table."""
    for label in (spec.name, *spec.aliases):
        k = key(label)
        if k in _SPECS or k in _ALIASES:
            raise ValueError(f"activation name {label!r} is registered twice")
        if k != label:
            raise ValueError(f"activation name {label!r} must be lower snake_case")
    _SPECS[spec.name] = spec
    for alias in spec.aliases:
        _ALIASES[alias] = spec.name
    return spec


def get(name: str) -> ActivationSpec:
    """The spec registered under `name` or one of its aliases.

    Raises UnknownActivationError listing the closest names when there is none.
    """
    if not isinstance(name, str):
        raise TypeError(f"activation name must be a string, got {type(name).__name__}")
    k = key(name)
    k = _ALIASES.get(k, k)
    if k in _SPECS:
        return _SPECS[k]
    everything = sorted([*_SPECS, *_ALIASES])
    hints = close_matches(k, everything)
    hint = f" Did you mean {', '.join(map(repr, hints))}?" if hints else ""
    raise UnknownActivationError(
        f"unknown activation {name!r}.{hint} `actlab list` shows all {len(_SPECS)}."
    )


def names(family: str | None = None) -> list[str]:
    """Registered activation names (not aliases), in table order, optionally one family."""
    if family is not None and family not in FAMILIES:
        hints = close_matches(family, list(FAMILIES))
        hint = f" Did you mean {', '.join(map(repr, hints))}?" if hints else ""
        raise ValueError(f"unknown family {family!r}.{hint} Families: {', '.join(FAMILIES)}")
    return [n for n, s in _SPECS.items() if family is None or s.family == family]


def specs(family: str | None = None) -> list[ActivationSpec]:
    return [get(n) for n in names(family)]
