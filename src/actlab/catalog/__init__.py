"""The activation catalogue, the bottom layer of actlab: the spec table and its registry, the
maths the entries use, and the functional and native module forms.

Nothing here imports from the rest of actlab; `actlab.make` (kernel variants) and
`actlab.modules` (the published classes) sit above it.
"""

from actlab.catalog import entries as _entries  # noqa: F401  (registers every spec)
from actlab.catalog.module import Activation, class_name, make, module_class
from actlab.catalog.registry import UnknownActivationError, get, names, register, specs
from actlab.catalog.spec import (
    FAMILIES,
    INF,
    NONNEGATIVE,
    POSITIVE,
    REALS,
    SMOOTH,
    ActivationSpec,
    Facts,
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
    "Facts",
    "Interval",
    "Param",
    "Properties",
    "UnknownActivationError",
    "class_name",
    "get",
    "make",
    "module_class",
    "names",
    "register",
    "specs",
]
