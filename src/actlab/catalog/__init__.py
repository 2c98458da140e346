"""The activation catalogue: the spec table and its registry, functional and module forms."""

from actlab.catalog import entries as _entries  # noqa: F401  (registers every spec)
from actlab.catalog.module import Activation, make, module_class
from actlab.catalog.registry import UnknownActivationError, get, names, register, specs
from actlab.catalog.spec import (
    FAMILIES,
    INF,
    NONNEGATIVE,
    POSITIVE,
    REALS,
    SMOOTH,
    ActivationSpec,
    Interval,
    Param,
    Properties,
)

__all__ = [
    "FAMILIES",
    "INF",
    "NONNEGATIVE",
    "POSITIVE",
    "REALS",
    "SMOOTH",
    "Activation",
    "ActivationSpec",
    "Interval",
    "Param",
    "Properties",
    "UnknownActivationError",
    "get",
    "make",
    "module_class",
    "names",
    "register",
    "specs",
]
