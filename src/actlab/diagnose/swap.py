"""Find the activation modules of any model and swap them for catalogue activations.

`swap` can only replace *modules*: activations called as functions inside `forward`
(``F.relu(x)``, ``torch.tanh(x)``, or ``nn.TransformerEncoderLayer``'s default
``activation=F.relu``) are code, not parts of the model, and stay as they are. When a model has
no activation modules, keeps activation functions as attributes, or calls them in its
``forward`` (found by `functional.functional_calls`: a torch.fx trace, else a best-effort
source scan), the result's `.note` says so and a `UserWarning` is issued.

Replacements must be elementwise, like the activations they replace: a softmax or GLU in
place of a ReLU mixes units or changes shapes, so it is refused unless
``allow_shape_change=True``.

A module instance registered once but called at several places in `forward` (torchvision's
``BasicBlock`` calls ``self.relu`` twice) is one module: it is replaced once, and the new module
serves every call site, exactly as the old one did. A module registered under several paths is
replaced by a single new instance at all of them, so sharing (and any learnable parameter) is
kept. Swapping the ``activation`` module of an ``nn.TransformerEncoderLayer`` also turns off
its inference fast path, which would otherwise keep computing the old ReLU/GELU internally.
"""

from __future__ import annotations

import copy
import itertools
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from actlab.catalog import get, make
from actlab.catalog.parse import parse_activation
from actlab.diagnose.functional import FunctionalScan, functional_calls
from actlab.diagnose.resolve import computes, functional_attributes, is_activation, resolve

Matcher = str | type | Callable[[nn.Module], bool]


@dataclass(frozen=True)
class ActivationInfo:
    """One activation module: where it is, the module, and its catalogue name (None when the
    catalogue has no entry for its PyTorch class)."""

    path: str
    module: nn.Module
    name: str | None


@dataclass(frozen=True)
class SwapRecord:
    """One replacement: the module path and the reprs of the old and the new module."""

    path: str
    old: str
    new: str


class ActivationList(list):
    """`find_activations`' result: a list of `ActivationInfo` plus a `note` (empty when there
    is nothing to say) about activations the list cannot contain, and `functional`: the
    activation functions the model's forward code calls (`FunctionalScan`)."""

    note: str = ""
    functional: FunctionalScan = FunctionalScan((), exact=True)


class SwapResult(list):
    """`swap`'s result: a list of `SwapRecord` plus a `note` explaining an empty or partial
    result (functional activations, nothing matched) and `functional` (`FunctionalScan`: its
    `.exact` is False when the model could not be traced and the scan was best-effort)."""

    note: str = ""
    functional: FunctionalScan = FunctionalScan((), exact=True)


def _functional_note(model: nn.Module, scan: FunctionalScan) -> str:
    notes = []
    found = list(functional_attributes(model))
    if found:
        shown = "; ".join(f"{path} is the function {fn}" for path, fn in found[:3])
        more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
        hint = ""
        if any(
            isinstance(m, nn.TransformerEncoderLayer | nn.TransformerDecoderLayer)
            for m in model.modules()
        ):
            hint = (
                " nn.TransformerEncoderLayer/DecoderLayer accept a module: build them with "
                "activation=actlab.make(name)."
            )
        notes.append(
            f"{shown}{more}: activation functions are code, not modules, so swap() cannot "
            f"replace them and the monitor cannot see them.{hint}"
        )
    calls = scan.describe()
    if calls:
        notes.append(
            f"{calls} Functions are code, not modules: swap() cannot replace them and the "
            "monitor cannot see them; use a module (self.act = actlab.make(name)) to make "
            "them swappable."
        )
    return " ".join(notes)


def find_activations(model: nn.Module) -> ActivationList:
    """Every activation module in `model` (catalogue modules and PyTorch's own activation
    classes), in registration order, each once.

    >>> import torch.nn as nn
    >>> [(a.path, a.name) for a in find_activations(nn.Sequential(nn.Linear(2, 2), nn.GELU()))]
    [('1', 'gelu')]
    """
    found = ActivationList()
    for path, module in model.named_modules():
        if is_activation(module):
            resolved = resolve(module)
            found.append(ActivationInfo(path, module, resolved.spec.name if resolved else None))
    notes = []
    if not found:
        notes.append(
            f"no activation modules found in {type(model).__name__}: its forward "
            "must call activation functions (F.relu, torch.tanh, ...), which cannot "
            "be swapped or monitored."
        )
    found.functional = functional_calls(model)
    functional = _functional_note(model, found.functional)
    if functional:
        notes.append(functional)
    found.note = " ".join(notes)
    return found


def _matcher(old: Matcher) -> Callable[[nn.Module], bool]:
    if isinstance(old, str):
        wanted = get(old)  # raises with close matches for an unknown name
        return lambda module: computes(module, wanted)
    if isinstance(old, type):
        if not issubclass(old, nn.Module):
            raise TypeError(f"old must be an nn.Module class; got {old.__name__}")
        return lambda module: isinstance(module, old)
    if callable(old):
        return lambda module: bool(old(module))
    raise TypeError(
        "old must be a catalogue name, an nn.Module class or a predicate "
        f"module -> bool; got {type(old).__name__}"
    )


def _placed_like(new: nn.Module, old: nn.Module, model: nn.Module) -> nn.Module:
    """`new` on the old module's device (and floating dtype), in the same train/eval mode."""
    reference = next(
        itertools.chain(old.parameters(), old.buffers(), model.parameters(), model.buffers()), None
    )
    if reference is not None:
        new = new.to(device=reference.device)
        if reference.is_floating_point():
            new = new.to(dtype=reference.dtype)
    return new.train(old.training)


Replacement = str | nn.Module


def _factory(new: Replacement, params: dict[str, Any]) -> tuple[Callable[[], nn.Module], str]:
    """A function making one new module per replaced module, and what it makes (for messages):
    from a catalogue name (with ``name:k=v`` text and/or keyword params) or a module instance
    (deep-copied, so every replacement has its own parameters)."""
    if isinstance(new, nn.Module):
        if params:
            raise TypeError(
                f"new is a module instance ({type(new).__name__}); it takes no parameters "
                f"({', '.join(params)}): set them on the instance"
            )
        return (lambda: copy.deepcopy(new)), repr(new)
    if not isinstance(new, str):
        raise TypeError(
            "new must be a catalogue name ('elu', 'leaky_relu:negative_slope=0.2') or an "
            f"nn.Module instance; got {type(new).__name__}"
        )
    name, given = parse_activation(new)  # unknown names raise with close matches
    twice = sorted(set(given) & set(params))
    if twice:
        raise TypeError(f"{', '.join(twice)} given twice: in {new!r} and as a keyword")
    merged = {**given, **params}
    make(name, **merged)  # validate name and parameters before the model is touched
    return (lambda: make(name, **merged)), name


def _not_elementwise(new: Replacement, sample: nn.Module) -> str | None:
    """Why `sample` (made from `new`) is not an elementwise activation, or None when it is.

    Catalogue entries say so in their spec; any other module is tried on a probe: the output
    must have the input's shape, and changing one input element may change only that output
    element."""
    resolved = resolve(sample)
    if resolved is not None:
        if resolved.spec.elementwise:
            return None
        return f"{resolved.spec.name} is not elementwise (it mixes units or changes the shape)"
    probe = torch.linspace(-3, 3, 120).reshape(2, 3, 4, 5)
    try:
        with torch.no_grad():
            trial = copy.deepcopy(sample).eval()
            y = trial(probe)
            moved = probe.clone()
            moved[0, 0, 0, 0] += 1.0
            y2 = trial(moved)
    except Exception as err:
        return (
            f"{type(sample).__name__} could not be checked to be elementwise (on a (2, 3, 4, 5) "
            f"probe it raised {type(err).__name__}: {err})"
        )
    if not isinstance(y, torch.Tensor) or y.shape != probe.shape:
        got = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
        return f"{type(sample).__name__} is not elementwise (a (2, 3, 4, 5) input gave {got})"
    changed = (y2 != y) & ~(torch.isnan(y) & torch.isnan(y2))
    changed[0, 0, 0, 0] = False
    if changed.any():
        return (
            f"{type(sample).__name__} is not elementwise (changing one input element changed "
            f"{int(changed.sum())} other outputs)"
        )
    return None


def swap(
    model: nn.Module,
    old: Matcher,
    new: Replacement,
    *,
    allow_shape_change: bool = False,
    **params: Any,
) -> SwapResult:
    """Replace every activation module matching `old` with a new activation.

    Args:
        model: any `nn.Module`; nested containers (Sequential, ModuleList, ModuleDict) and
            plain attributes are searched. Changed in place.
        old: a catalogue name or alias (matches actlab modules and PyTorch's classes for that
            activation: ``"relu"`` matches ``nn.ReLU``), an `nn.Module` class (matches any
            submodule that is an instance of it), or a predicate ``module -> bool`` (tried on
            every submodule).
        new: a catalogue name, with parameters as text (``"leaky_relu:negative_slope=0.2"``)
            and/or as keyword `params`; or an `nn.Module` instance, deep-copied for each
            replaced module. Everything is checked before anything changes.
        allow_shape_change: replacements must be elementwise (catalogue entries say so; other
            modules are tried on a probe), since a softmax or GLU put where a ReLU was mixes
            units or changes the shape; True swaps them in anyway.

    Returns:
        A `SwapResult`: one `SwapRecord(path, old, new)` per replaced path, and a `.note` when
        nothing was replaced or the model's code calls activation functions swap cannot reach
        (both also issue a `UserWarning`). Functional calls are found by tracing the model
        with torch.fx, or, where it cannot be traced, by a best-effort source scan (the note
        says which; `.functional` holds the details).

    >>> import torch.nn as nn
    >>> net = nn.Sequential(nn.Linear(2, 2), nn.ReLU(inplace=True))
    >>> [r.new for r in swap(net, "relu", "tanh")]
    ['Tanh()']
    """
    factory, what = _factory(new, params)
    if not allow_shape_change:
        problem = _not_elementwise(new, factory())
        if problem:
            raise ValueError(
                f"{problem}: putting it where {old!r} was changes what the model computes, "
                "not just its nonlinearity. Pass allow_shape_change=True if you mean it"
            )
    matches = _matcher(old)
    if matches(model):
        raise ValueError(
            f"the model itself ({type(model).__name__}) matches {old!r}; swap "
            "replaces submodules; build the replacement with actlab.make instead"
        )
    replacements: dict[int, nn.Module] = {}
    targets: list[tuple[str, nn.Module]] = []
    for path, module in model.named_modules(remove_duplicate=False):
        if path and not any(path.startswith(done + ".") for done, _ in targets) and matches(module):
            targets.append((path, module))
    result = SwapResult()
    for path, module in targets:
        if id(module) not in replacements:
            replacements[id(module)] = _placed_like(factory(), module, model)
        parent_path, _, attr = path.rpartition(".")
        parent = model.get_submodule(parent_path)
        setattr(parent, attr, replacements[id(module)])
        if attr == "activation" and hasattr(parent, "activation_relu_or_gelu"):
            # nn.TransformerEncoderLayer's inference fast path computes relu/gelu itself when
            # this flag (set at construction) is on; off, it calls the new module.
            parent.activation_relu_or_gelu = 0
        result.append(SwapRecord(path, repr(module), repr(replacements[id(module)])))
    result.functional = functional_calls(model)
    result.note = _swap_note(model, old, result)
    if result.note:
        warnings.warn(result.note, UserWarning, stacklevel=2)
    return result


def _swap_note(model: nn.Module, old: Matcher, result: SwapResult) -> str:
    notes = []
    if not result:
        present = find_activations(model)
        if present:
            kinds = Counter(a.name or type(a.module).__name__ for a in present)
            listing = ", ".join(f"{k} ×{n}" for k, n in kinds.items())
            notes.append(f"no activation module matches {old!r}; the model has: {listing}.")
        else:
            notes.append(present.note)
            return " ".join(notes)
    functional = _functional_note(model, result.functional)
    if functional:
        notes.append(functional)
    return " ".join(notes)
