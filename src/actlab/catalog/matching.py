"""Name matching shared by the registry and the spec's parameter checks: the lookup key and the
close matches an error message suggests."""

from __future__ import annotations

import difflib


def key(name: str) -> str:
    """The lookup key of a name: case, surrounding spaces and hyphens do not matter."""
    return name.strip().lower().replace("-", "_")


def close_matches(name: str, candidates: list[str], n: int = 3) -> list[str]:
    return difflib.get_close_matches(name, candidates, n=n, cutoff=0.5)
