"""Catalogue entries, grouped by family: each file holds entries of one family (or of one kind,
such as the learnable units), and a family whose file would pass ~400 lines continues in a new
file (relu_family.py, then relu_even.py). Importing this package registers them all.

Table order (what `actlab list` shows) is the import order below, then file order; the
import sorter must leave it alone. Helpers shared between files live in the underscored
modules (_torch: stable torch pieces; _ref: NumPy references; _shapes: per-channel parameters,
limits and numerically found ranges).
"""

# isort: off
from actlab.catalog.entries import (  # noqa: F401
    basic,
    relu_like,
    relu_family,
    relu_even,
    exponential,
    elu_family,
    elu_variants,
    smooth_gated,
    silu_family,
    gated_variants,
    saturating,
    sigmoid_family,
    sigmoid_links,
    sigmoid_variants,
    shrink,
    periodic,
    oscillating,
    other,
    polynomial,
    growth,
    gated,
    multi_input,
    multi_input_survey,
    normalisers,
    adaptive,
    adaptive_rectifiers,
    adaptive_exponential,
    adaptive_shapes,
    adaptive_gated,
    adaptive_soft,
    adaptive_sigmoid,
)
# isort: on
