"""`actlab.functional.<name>(x, **params)` for every activation in the catalogue.

The functions are generated from the spec table (see `actlab.catalog`), so each has the
spec's signature and docstring. Aliases (e.g. `swish` for `silu`) are the same function.
"""

from actlab.catalog.functional import build_all as _build_all

globals().update(_build_all())
__all__ = sorted(_build_all())
