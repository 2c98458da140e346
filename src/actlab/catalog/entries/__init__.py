"""Catalogue entries, one file per family. Importing this package registers them all.

Table order (what `actlab list` shows) is the import order below, then file order; the
import sorter must leave it alone.
"""

# isort: off
from actlab.catalog.entries import (  # noqa: F401
    basic,
    relu_like,
    exponential,
    smooth_gated,
    saturating,
    shrink,
    periodic,
    other,
    gated,
    multi_input,
    adaptive,
    sigmoid_family,
    silu_family,
    relu_family,
    elu_family,
    oscillating,
    polynomial,
)
# isort: on
