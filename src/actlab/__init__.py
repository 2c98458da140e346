"""actlab — the activation-function laboratory for PyTorch.

>>> import actlab, torch
>>> actlab.names()[:3]
['identity', 'sigmoid', 'tanh']
>>> actlab.make("gelu")
GELU(approximate='none')
>>> actlab.functional.silu(torch.zeros(2))
tensor([0., 0.])

Every name below is imported on first use (PEP 562), so `import actlab` costs almost
nothing and a command imports only what it runs.
"""

from __future__ import annotations

import importlib
from typing import Any

from actlab._version import __version__

# public name -> (module, attribute or None for the module itself)
_LAZY: dict[str, tuple[str, str | None]] = {
    "functional": ("actlab.functional", None),
    "kernels": ("actlab.kernels", None),
    "modules": ("actlab.modules", None),
    "get": ("actlab.catalog", "get"),
    "names": ("actlab.catalog", "names"),
    "specs": ("actlab.catalog", "specs"),
    "make": ("actlab.factory", "make"),
    "param_groups": ("actlab.adaptive", "param_groups"),
    "Monitor": ("actlab.diagnose", "Monitor"),
    "find_activations": ("actlab.diagnose", "find_activations"),
    "swap": ("actlab.diagnose", "swap"),
    "compare": ("actlab.comparison", "compare"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'actlab' has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = importlib.import_module(module)
    if attribute is not None:
        value = getattr(value, attribute)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = ["__version__", *_LAZY]
