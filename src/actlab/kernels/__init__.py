"""Memory-lean autograd implementations of catalogue activations.

Select one with ``actlab.make(name, impl="native" | "lean" | "fewbit", bits=3)`` or
``actlab.kernels.kernel(name, impl=...)`` for the bare function; ``available(name)`` lists
what an entry supports and ``describe_impls(name)`` says what each keeps for the backward.
The module classes (``LeanReLU``, ``FewBitGELU``, ...) are in ``actlab.modules``.
"""

from actlab.kernels import learnable  # noqa: F401  (serves the learnable entries)
from actlab.kernels.bitpack import pack_codes, pack_mask, unpack_codes, unpack_mask
from actlab.kernels.fewbit import FEWBIT_KERNELS, FewBitTable, fewbit_table, relative_rms_error
from actlab.kernels.lean import MASK_KERNELS, RECOMPUTE_KERNELS
from actlab.kernels.modules import kernel_class, make_module
from actlab.kernels.select import (
    DEFAULT_BITS,
    IMPLS,
    KERNEL_ROWS,
    available,
    describe_impls,
    kernel,
)

__all__ = [
    "DEFAULT_BITS",
    "FEWBIT_KERNELS",
    "IMPLS",
    "KERNEL_ROWS",
    "MASK_KERNELS",
    "RECOMPUTE_KERNELS",
    "FewBitTable",
    "available",
    "describe_impls",
    "fewbit_table",
    "kernel",
    "kernel_class",
    "make_module",
    "pack_codes",
    "pack_mask",
    "relative_rms_error",
    "unpack_codes",
    "unpack_mask",
]
