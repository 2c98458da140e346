"""Checks for model option values: each error names the option and its valid range."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def positive_int(value: Any, what: str, minimum: int = 1) -> int:
    """`value` as an int >= `minimum` (bools are refused: True is not a width)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}, got {value!r}")
    return value


def fraction(value: Any, what: str) -> float:
    """A probability in [0, 1), such as a dropout rate."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{what} must be in [0, 1), got {value!r}")
    return float(value)


def positive_number(value: Any, what: str) -> float:
    """A finite number > 0, such as a width multiplier."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 < value < float("inf")
    ):
        raise ValueError(f"{what} must be a number > 0, got {value!r}")
    return float(value)


def one_of(value: Any, what: str, choices: Sequence[str]) -> str:
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{what} must be one of {listed}, got {value!r}")
    return value


def flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be True or False, got {value!r}")
    return value


def widths(value: Any, what: str) -> tuple[int, ...] | None:
    """None, or a non-empty sequence of layer widths, each an integer >= 1."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
        raise ValueError(f"{what} must list at least one width (integers >= 1), got {value!r}")
    return tuple(positive_int(v, f"each of {what}") for v in value)


def scaled(base: int, multiplier: float) -> int:
    """`base` channels times a width multiplier, rounded, at least 1."""
    return max(1, round(base * multiplier))
