"""actlab — the activation-function laboratory for PyTorch.

>>> import actlab, torch
>>> actlab.names()[:3]
['identity', 'sigmoid', 'tanh']
>>> actlab.make("gelu")
Gelu(approximate='none')
>>> actlab.functional.silu(torch.zeros(2))
tensor([0., 0.])
"""

from actlab import functional, kernels
from actlab._version import __version__
from actlab.adaptive import param_groups
from actlab.catalog import get, make, names, specs
from actlab.diagnose import Monitor, find_activations, swap


def __getattr__(name: str):
    # `actlab.compare` imports the experiment layer (and its report) only when first used.
    if name == "compare":
        from actlab.comparison import compare

        return compare
    raise AttributeError(f"module 'actlab' has no attribute {name!r}")


__all__ = [
    "compare",
    "Monitor",
    "find_activations",
    "functional",
    "kernels",
    "get",
    "make",
    "names",
    "param_groups",
    "specs",
    "swap",
    "__version__",
]
