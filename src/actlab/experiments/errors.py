"""The configuration error and the size limits every experiment module shares."""

from __future__ import annotations

# Sizes beyond these are almost surely typing mistakes that would run for days or exhaust
# memory; `allow_large: true` (--allow-large) lifts them.
LIMITS = {
    "seeds": 10_000,
    "depths": 1_000,
    "hidden": 65_536,
    "epochs": 100_000,
    "runs": 100_000,
}


class ConfigError(ValueError):
    """A configuration key or value that cannot be used; the message names it."""


def too_large(name: str, value: int, limit: int) -> str:
    return (
        f"{name} = {value:,} is above the limit of {limit:,}; if you mean it, lift the limit "
        "with --allow-large (allow_large: true)"
    )


class BackendError(RuntimeError):
    """The backend cannot run the experiment (a Ray cluster that cannot be reached, a runtime
    environment that cannot be set up); the message says what and how to fix it."""
