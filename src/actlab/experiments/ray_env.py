"""What a Ray cluster's workers need of the user's code: the modules of their factories and
objects, shipped with Ray's runtime environment (`py_modules`) unless the user's runtime
environment ships them already. Pure functions over imported modules; Ray is not imported.

A worker unpickles a function or class of an importable module by importing that module, so
each top-level module or package of the user's code that a source names (a ``module:function``
factory, or the classes and functions of an object given to `actlab.compare`) must reach it.
Installed packages (site-packages, the standard library) and actlab and torch are expected
on every node; objects of ``__main__`` travel by value.
"""

from __future__ import annotations

import site
import sys
import sysconfig
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from actlab.experiments.sources import get_object, is_factory_spec, is_object


def _install_dirs() -> list[Path]:
    """Where installed packages and the standard library live (not the user's code)."""
    layout = sysconfig.get_paths()
    paths = {layout[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths |= {*site.getsitepackages(), site.getusersitepackages()}
    return [Path(p).resolve() for p in paths if p]


def _module_path(module: ModuleType) -> Path | None:
    """The file of a single-file module, or the directory of a package (None: neither)."""
    paths = list(getattr(module, "__path__", []) or [])
    if paths:
        return Path(paths[0]).resolve() if len(paths) == 1 else None
    file = getattr(module, "__file__", None)
    return Path(file).resolve() if file else None


def _is_user_code(module: ModuleType) -> bool:
    name = module.__name__
    if name in ("__main__", "actlab", "torch") or name in sys.stdlib_module_names:
        return False  # __main__'s objects travel by value; actlab and torch are installed
    path = _module_path(module)
    if path is None:
        return False
    return not any(d == path or d in path.parents for d in _install_dirs())


def _object_modules(obj: Any) -> set[str]:
    """Modules a worker must import to unpickle `obj` (classes and functions by reference)."""
    from torch import nn

    if isinstance(obj, nn.Module):
        return {type(m).__module__ for m in obj.modules()}
    if isinstance(obj, tuple | list):
        return set().union(*(_object_modules(item) for item in obj)) if obj else set()
    name = getattr(obj, "__module__", None) if callable(obj) else None
    return {name or type(obj).__module__}


def user_modules(sources: Iterable[str]) -> list[ModuleType]:
    """Top-level modules of the user's code that `sources` need (already imported by the
    driver's planning), in name order."""
    names: set[str] = set()
    for source in sources:
        if is_factory_spec(source):
            names.add(source.split(":")[0])
        elif is_object(source):
            names |= _object_modules(get_object(source))
    tops = sorted({n.split(".")[0] for n in names if n})
    return [sys.modules[t] for t in tops if t in sys.modules and _is_user_code(sys.modules[t])]


def runtime_env(given: Mapping[str, Any] | None, modules: Iterable[ModuleType]) -> dict[str, Any]:
    """The runs' runtime environment: `given` plus, in its `py_modules`, each of `modules`
    that `given` does not ship already (in its working_dir or py_modules)."""
    env = dict(given or {})
    listed = list(env.get("py_modules") or [])
    local = [p for p in [*listed, env.get("working_dir")] if isinstance(p, str) and "://" not in p]
    roots = [Path(p).resolve() for p in local]
    for module in modules:
        path = _module_path(module)
        if path is not None and not any(r == path or r in path.parents for r in roots):
            listed.append(str(path))
            roots.append(path)
    if listed:
        env["py_modules"] = listed
    return env
