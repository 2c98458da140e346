"""actlab — the activation-function laboratory for PyTorch.

>>> import actlab, torch
>>> actlab.names()[:3]
['identity', 'sigmoid', 'tanh']
>>> actlab.make("gelu")
GELU(approximate='none')
>>> actlab.functional.silu(torch.zeros(2))
tensor([0., 0.])
"""

from actlab import functional, kernels, modules
from actlab.adaptive import param_groups
from actlab.catalog import get, names, specs
from actlab.diagnose import Monitor, find_activations, swap
from actlab.factory import make

__version__ = "0.1.0"
__all__ = [
    "Monitor",
    "find_activations",
    "functional",
    "kernels",
    "get",
    "make",
    "modules",
    "names",
    "param_groups",
    "specs",
    "swap",
    "__version__",
]
