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
from actlab.adaptive import param_groups
from actlab.catalog import get, make, names, specs
from actlab.diagnose import Monitor, find_activations, swap

__version__ = "0.1.0"
__all__ = [
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
