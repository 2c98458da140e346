"""Every catalogue activation as a real `nn.Module` class, created at import from the spec
table: `from actlab.modules import GELU, Serf, LeanMish, FewBitGELU`.

Names follow PyTorch where torch has the activation (`GELU`, `LeakyReLU`, `ReLU6`, `PReLU`,
`SiLU`, `LogSoftmax`, ...), else the CamelCase of the entry's name (`Serf`, `BentIdentity`) or
the spec's `class_name` (`GELUTanh`, `SwiGLU`). Kernel variants are `Lean<Name>` and
`FewBit<Name>`. Because the classes live here under their own names, a model holding them
survives `pickle`, `copy.deepcopy` and `torch.save`/`torch.load`. An entry registered after
import gets its class on first use (`actlab.make`), and is found here by name as well.
"""

from __future__ import annotations

from actlab.catalog import Activation, module_class, names, specs
from actlab.catalog.module import class_name
from actlab.kernels.modules import PREFIXES, KernelActivation, kernel_class, kernel_classes


def _classes() -> dict[str, type]:
    native = [module_class(name) for name in names()]
    return {cls.__name__: cls for cls in [*native, *kernel_classes()]}


_PUBLISHED = _classes()
globals().update(_PUBLISHED)
__all__ = ["Activation", "KernelActivation", *sorted(_PUBLISHED)]


def __getattr__(attr: str) -> type:
    """A class of an entry registered after import (pickle looks classes up by name)."""
    for spec in specs():
        native = class_name(spec)
        if attr == native:
            return module_class(spec.name)
        for impl, prefix in PREFIXES.items():
            if attr == prefix + native:
                return kernel_class(spec.name, impl)
    raise AttributeError(f"module 'actlab.modules' has no attribute {attr!r}")
