"""Where a run's model and data come from: built-in names, `module:function` factories, or
Python objects handed to `actlab.compare`.

A source is named by a string, so that it can be hashed, stored and sent to worker processes:

- a built-in dataset (`actlab.data.dataset_names()`) or model (`actlab.models.model_names()`);
- ``pkg.mod:fn`` — a factory imported from the current directory or ``PYTHONPATH``. A data
  factory returns ``(train, test)``; a model factory is called as ``fn(act)`` where ``act()``
  returns a fresh activation module (``fn(act, input_shape=..., num_outputs=...)`` when its
  signature asks for those);
- ``python:NAME`` — an object registered by the Python API in this process (a factory, an
  ``nn.Module`` instance whose activation modules are swapped, a data pair); worker processes
  receive the objects once, pickled, when they start.

A factory's identity includes a hash of its source code, so editing it never reuses a result
made with the old code.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import importlib
import inspect
import itertools
import os
import re
import sys
from collections.abc import Callable
from typing import Any

from torch import nn

OBJECT_PREFIX = "python:"
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
SPEC_PATTERN = re.compile(rf"^{_IDENTIFIER}(\.{_IDENTIFIER})*:{_IDENTIFIER}(\.{_IDENTIFIER})*$")
# Objects registered in this process by the Python API: "python:NAME" -> object, and a
# serial number per registration, so caches keyed by it never serve a replaced object.
_OBJECTS: dict[str, Any] = {}
_SERIALS: dict[str, int] = {}
_COUNTER = itertools.count(1)


class SourceError(ValueError):
    """A model or data source that cannot be used; the message names it and the problem."""


def is_factory_spec(text: str) -> bool:
    return isinstance(text, str) and ":" in text and not text.startswith(OBJECT_PREFIX)


def is_object(text: str) -> bool:
    return isinstance(text, str) and text.startswith(OBJECT_PREFIX)


def is_builtin(text: str) -> bool:
    return isinstance(text, str) and not is_factory_spec(text) and not is_object(text)


def register_object(name: str, obj: Any) -> str:
    """Keep `obj` for this process's runs under ``python:NAME``; returns that source name."""
    key = OBJECT_PREFIX + name
    _OBJECTS[key] = obj
    _SERIALS[key] = next(_COUNTER)
    return key


def object_serial(source: str) -> int | None:
    """The registration number of an object source (None for other sources)."""
    return _SERIALS.get(source)


def registered_objects(names: set[str] | None = None) -> dict[str, Any]:
    return {k: v for k, v in _OBJECTS.items() if names is None or k in names}


def install_objects(objects: dict[str, Any]) -> None:
    """Make objects sent from the driver available in this (worker) process."""
    for key, obj in objects.items():
        register_object(key[len(OBJECT_PREFIX) :], obj)


def get_object(source: str) -> Any:
    try:
        return _OBJECTS[source]
    except KeyError:
        raise SourceError(
            f"{source!r} names an object of the Python API that this process does not hold; "
            "pass it to actlab.compare(...) in the same process"
        ) from None


def load_factory(spec: str, what: str) -> Callable[..., Any]:
    """Import ``pkg.mod:fn`` (the current directory first, then ``PYTHONPATH``)."""
    if not isinstance(spec, str) or not SPEC_PATTERN.match(spec.strip()):
        raise SourceError(
            f"{what} {spec!r}: expected MODULE:FUNCTION, e.g. mymodels:build or pkg.models:make_net"
        )
    module_name, _, attr = spec.strip().partition(":")
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)  # as `python -m` would; kept so spawned workers see it too
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and module_name.startswith(error.name):
            raise SourceError(
                f"{what} {spec!r}: cannot import module {module_name!r} (looked in the current "
                f"directory {cwd} and PYTHONPATH): {error}"
            ) from None
        raise SourceError(
            f"{what} {spec!r}: importing {module_name!r} failed: {type(error).__name__}: {error}"
        ) from error
    except Exception as error:
        raise SourceError(
            f"{what} {spec!r}: importing {module_name!r} failed: {type(error).__name__}: {error}"
        ) from error
    target: Any = module
    for part in attr.split("."):
        if not hasattr(target, part):
            names = [n for n in dir(target) if not n.startswith("_")]
            close = difflib.get_close_matches(part, names, n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise SourceError(f"{what} {spec!r}: {module_name!r} has no {part!r}.{hint}")
        target = getattr(target, part)
    if not callable(target):
        raise SourceError(f"{what} {spec!r}: {attr} is a {type(target).__name__}, not a function")
    return target


def code_fingerprint(obj: Any) -> str:
    """12 hex digits of SHA-256 over the source code of a function or class (or, where the
    source cannot be read, its qualified name)."""
    try:
        text = inspect.getsource(obj)
    except (OSError, TypeError):
        text = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', repr(obj))}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def model_fingerprint(model: nn.Module) -> str:
    """12 hex digits over a module's structure and initial parameter values."""
    import torch

    digest = hashlib.sha256(repr(model).encode())
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(
            tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes()
        )
    return digest.hexdigest()[:12]


# -- models -------------------------------------------------------------------------------------


def call_model_factory(
    factory: Callable[..., Any],
    act: Callable[[], nn.Module],
    input_shape: tuple[int, ...],
    num_outputs: int,
    what: str,
) -> nn.Module:
    """`factory(act)`, passing `input_shape` / `num_outputs` too when its signature names them."""
    kwargs: dict[str, Any] = {}
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        parameters = {}
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    for name, value in (("input_shape", input_shape), ("num_outputs", num_outputs)):
        if name in parameters or takes_any:
            kwargs[name] = value
    if "num_classes" in parameters:
        kwargs["num_classes"] = num_outputs
    try:
        model = factory(act, **kwargs)
    except Exception as error:
        raise SourceError(f"{what} raised {type(error).__name__}: {error}") from error
    if not isinstance(model, nn.Module):
        raise SourceError(f"{what} returned {type(model).__name__}, not an nn.Module")
    return model


def swapped_copy(
    model: nn.Module, act: Callable[[], nn.Module], swap_from: str | None, what: str
) -> nn.Module:
    """A deep copy of `model` with every activation module (or every one computing
    `swap_from`) replaced by its own fresh ``act()``."""
    from actlab.catalog import get
    from actlab.diagnose.resolve import computes, is_activation

    wanted = get(swap_from) if swap_from else None
    copied = copy.deepcopy(model)
    targets = [
        (path, module)
        for path, module in copied.named_modules(remove_duplicate=False)
        if path and is_activation(module) and (wanted is None or computes(module, wanted))
    ]
    # Outermost matches only: an activation module nested in another is replaced with it.
    paths = [p for p, _ in targets]
    targets = [(p, m) for p, m in targets if not any(p.startswith(q + ".") for q in paths)]
    if not targets:
        which = f"computing {swap_from!r}" if swap_from else ""
        raise SourceError(
            f"{what}: found no activation module {which} to swap in {type(model).__name__} "
            "(activations called as functions in forward cannot be swapped; pass a factory "
            "fn(act) instead)"
        )
    fresh: dict[int, nn.Module] = {}  # a module shared by several paths stays shared
    for path, module in targets:
        parent_path, _, attr = path.rpartition(".")
        new = fresh.setdefault(id(module), act())
        setattr(copied.get_submodule(parent_path), attr, new)
    return copied
