"""Activation functions a model calls in its own code: what swap() and the monitor cannot reach.

``F.relu(x)``, ``torch.tanh(x)`` or ``x.relu()`` inside ``forward`` are code, not modules.
`functional_calls` finds them by tracing the model with `torch.fx` (symbolically, on proxies:
nothing is computed, parameters are untouched, activation modules are not entered). Where fx
cannot trace the model (data-dependent control flow, unusual signatures), it falls back to
scanning the source of each ``forward`` for such calls, and says that the result is
best-effort: a call made some other way (a function stored in a variable, a helper in another
file) is not seen.
"""

from __future__ import annotations

import inspect
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx, nn

from actlab.diagnose.resolve import FUNCTIONAL_ACTIVATIONS, is_activation

# Tensor methods that are activations: x.relu(), x.sigmoid_(), ...
METHOD_ACTIVATIONS = ("relu", "relu_", "sigmoid", "sigmoid_", "tanh", "tanh_")


@dataclass(frozen=True)
class FunctionalCall:
    """One activation function called in a forward: where (the module path whose forward makes
    the call; "" for the model's own forward), what, and how many times."""

    path: str
    function: str  # as written: "F.relu", "torch.tanh", "Tensor.relu()"
    count: int = 1


@dataclass(frozen=True)
class FunctionalScan:
    """`functional_calls`' answer: the calls, and whether they come from a torch.fx trace
    (`exact`) or from the best-effort source scan (then `reason` says why fx failed)."""

    calls: tuple[FunctionalCall, ...]
    exact: bool
    reason: str = ""

    def describe(self) -> str:
        """One sentence for a note, or "" when nothing was found."""
        if not self.calls:
            return ""
        shown = "; ".join(
            f"{c.function}{f' ×{c.count}' if c.count > 1 else ''} in "
            f"{c.path + '.forward' if c.path else 'the forward of the model itself'}"
            for c in self.calls[:5]
        )
        more = f" (and {len(self.calls) - 5} more)" if len(self.calls) > 5 else ""
        how = (
            "found by tracing with torch.fx"
            if self.exact
            else f"best effort: torch.fx could not trace the model ({self.reason}), so this comes "
            "from scanning the source of each forward, and calls made another way are not seen"
        )
        return f"forward code calls activation functions: {shown}{more} ({how})."


def _display(target: Any) -> str | None:
    """'F.relu' / 'torch.relu' for a known activation function, else None."""
    try:
        if target not in FUNCTIONAL_ACTIVATIONS:
            return None
    except TypeError:  # unhashable targets
        return None
    name = getattr(target, "__name__", str(target))
    if getattr(F, name, None) is target:
        return f"F.{name}"
    return f"torch.{name}" if getattr(torch, name, None) is target else name


class _Tracer(fx.Tracer):
    """fx's tracer with every activation module kept whole (and no module hooks run)."""

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return is_activation(m) or super().is_leaf_module(m, qualname)

    def call_module(self, m, forward, args, kwargs):
        # the module's forward itself, not __call__: a user's hooks never see fx's proxies
        return super().call_module(m, lambda *a, **k: m.forward(*a, **k), args, kwargs)


def _traced(model: nn.Module) -> tuple[FunctionalCall, ...]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = _Tracer().trace(model)
    counts: Counter[tuple[str, str]] = Counter()
    for node in graph.nodes:
        if node.op == "call_function":
            function = _display(node.target)
        elif node.op == "call_method" and node.target in METHOD_ACTIVATIONS:
            function = f"Tensor.{node.target}()"
        else:
            continue
        if function is not None:
            stack = node.meta.get("nn_module_stack") or {}
            path = next(reversed(stack.values()))[0] if stack else ""
            counts[(path, function)] += 1
    return tuple(FunctionalCall(path, fn, n) for (path, fn), n in counts.items())


_FUNCTION_NAMES = sorted(
    {getattr(fn, "__name__", "") for fn in FUNCTIONAL_ACTIVATIONS} - {""}, key=len, reverse=True
)
_CALL = re.compile(
    r"\b(F|functional|torch\.nn\.functional|torch)\.(" + "|".join(_FUNCTION_NAMES) + r")\s*\("
)
_METHOD = re.compile(r"\.(" + "|".join(METHOD_ACTIVATIONS) + r")\s*\(\s*\)")


def _scanned(model: nn.Module) -> tuple[FunctionalCall, ...]:
    """Calls found in the source text of each class's forward (PyTorch's own classes left out:
    their internals are not the user's code; a function they keep as an attribute is reported
    by `functional_attributes`)."""
    found: list[FunctionalCall] = []
    seen: set[type] = set()
    for path, module in model.named_modules():
        cls = type(module)
        if cls in seen or cls.__module__.startswith("torch.") or is_activation(module):
            continue
        seen.add(cls)
        try:
            source = inspect.getsource(cls.forward)
        except (OSError, TypeError):
            continue
        counts: Counter[str] = Counter()
        for prefix, name in _CALL.findall(source):
            counts[f"{'torch' if prefix == 'torch' else 'F'}.{name}"] += 1
        for name in _METHOD.findall(source):
            counts[f"Tensor.{name}()"] += 1
        found += [FunctionalCall(path, fn, n) for fn, n in counts.items()]
    return tuple(found)


def functional_calls(model: nn.Module) -> FunctionalScan:
    """The activation functions `model`'s forward code calls (see the module docstring)."""
    try:
        return FunctionalScan(_traced(model), exact=True)
    except Exception as err:  # fx raises many kinds; any of them means: fall back
        first = (str(err).strip().splitlines() or [""])[0][:120]
        return FunctionalScan(_scanned(model), exact=False, reason=f"{type(err).__name__}: {first}")
