"""Read a `Setting` from a model: architecture, depth, normalisation, residual connections
and the activations it uses now, from its module tree (and its traced graph for shortcuts).

- arch: attention layers -> transformer; recurrent layers -> rnn; convolutions -> resnet
  when it has shortcut additions, else cnn; otherwise mlp.
- depth: Transformer blocks (attention layers), recurrent layers × their num_layers, conv
  layers, or for an MLP its Linear layers before the output layer.
- norm: batch for BatchNorm, layer for LayerNorm/GroupNorm, else none.
- residual: an addition of two tensors computed from the input in the traced graph
  (`torch.fx`), or a module class named like a residual block when the model cannot be traced.
- activations: `actlab.diagnose.find_activations` (catalogue names), with the functional
  calls its forward makes.
"""

from __future__ import annotations

import inspect
import operator
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from actlab.advise.setting import Setting

_RNN = (nn.RNN, nn.LSTM, nn.GRU, nn.RNNCell, nn.LSTMCell, nn.GRUCell)
_CONV = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_BATCH = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)
_LAYER = (
    (nn.LayerNorm, nn.GroupNorm, nn.RMSNorm)
    if hasattr(nn, "RMSNorm")
    else (nn.LayerNorm, nn.GroupNorm)
)


@dataclass(frozen=True)
class ModelReading:
    """What `read_model` found: the `Setting` fields it could read and the evidence for each."""

    fields: dict[str, Any]
    activations: dict[str, int]
    found: dict[str, str]
    notes: tuple[str, ...] = field(default_factory=tuple)
    source: str = ""

    def setting(self, **overrides: Any) -> Setting:
        return Setting(**{**self.fields, **{k: v for k, v in overrides.items() if v is not None}})

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "read": dict(self.fields),
            "activations": dict(self.activations),
            "how": dict(self.found),
            "notes": list(self.notes),
        }


def _has_shortcut(model: nn.Module) -> tuple[bool | None, str]:
    """(has a residual addition, how it was decided); None when undecidable."""
    from torch import fx

    try:
        graph = fx.symbolic_trace(model).graph
    except Exception:  # noqa: BLE001  (any model fx cannot trace: fall back to names)
        named = [type(m).__name__ for m in model.modules()]
        hit = [
            n
            for n in named
            if any(w in n.lower() for w in ("residual", "basicblock", "bottleneck", "resblock"))
        ]
        if hit:
            return True, f"module classes {sorted(set(hit))[:3]} (the model cannot be traced)"
        return (
            None,
            "the model cannot be traced by torch.fx and has no module named like a residual block",
        )
    adds = [
        n
        for n in graph.nodes
        if n.op == "call_function"
        and n.target in (operator.add, torch.add, operator.iadd)
        and sum(isinstance(a, fx.Node) for a in n.args) == 2
    ]
    adds += [
        n
        for n in graph.nodes
        if n.op == "call_method"
        and n.target in ("add", "add_")
        and sum(isinstance(a, fx.Node) for a in n.args) == 2
    ]
    return bool(adds), f"{len(adds)} tensor addition(s) in the traced forward"


def read_model(model: nn.Module, source: str = "") -> ModelReading:
    """Read what the advisor needs from `model` (no forward pass needed)."""
    from actlab.diagnose import find_activations

    modules = list(model.modules())
    found: dict[str, str] = {}
    attention = [m for m in modules if isinstance(m, nn.MultiheadAttention)]
    recurrent = [m for m in modules if isinstance(m, _RNN)]
    convs = [m for m in modules if isinstance(m, _CONV)]
    linears = [
        m
        for m in modules
        if isinstance(m, nn.Linear)
        and not isinstance(m, nn.modules.linear.NonDynamicallyQuantizableLinear)
    ]
    shortcut, how = _has_shortcut(model)
    if attention:
        arch, depth = "transformer", len(attention)
        found["arch"] = f"{len(attention)} nn.MultiheadAttention layer(s)"
    elif recurrent:
        arch = "rnn"
        depth = sum(getattr(m, "num_layers", 1) for m in recurrent)
        found["arch"] = f"{len(recurrent)} recurrent module(s) ({type(recurrent[0]).__name__})"
    elif convs:
        arch = "resnet" if shortcut else "cnn"
        depth = len(convs)
        found["arch"] = f"{len(convs)} convolution(s)" + (", with shortcuts" if shortcut else "")
    else:
        arch, depth = "mlp", max(1, len(linears) - 1)
        found["arch"] = f"{len(linears)} Linear layer(s), no convolution, attention or recurrence"
    found["depth"] = {
        "transformer": "attention layers (blocks)",
        "rnn": "recurrent layers",
        "resnet": "convolution layers",
        "cnn": "convolution layers",
        "mlp": "Linear layers before the output layer",
    }[arch]
    if any(isinstance(m, _BATCH) for m in modules):
        norm, found["norm"] = "batch", "BatchNorm layer(s)"
    elif any(isinstance(m, _LAYER) for m in modules):
        norm, found["norm"] = "layer", "LayerNorm/GroupNorm layer(s)"
    else:
        norm, found["norm"] = "none", "no normalisation layer"
    residual = bool(shortcut) or arch == "transformer"
    found["residual"] = how
    data = "sequence" if arch in ("transformer", "rnn") else "tabular"
    if any(isinstance(m, nn.Conv2d | nn.Conv3d) for m in modules):
        data = "image"
    elif any(isinstance(m, nn.Conv1d) for m in modules):
        data = "sequence"
    if any(isinstance(m, nn.Embedding) for m in modules):
        data = "text"
    found["data"] = "guessed from the layers (give --data to say)"
    acts = find_activations(model)
    counts = Counter(a.name or type(a.module).__name__ for a in acts)
    notes = [acts.note] if acts.note else []
    if shortcut is None:
        notes.append(how + ": residual is taken as absent (give --residual to say otherwise)")
    fields = {"arch": arch, "depth": depth, "norm": norm, "residual": residual, "data": data}
    return ModelReading(fields, dict(counts), found, tuple(notes), source)


def model_from_factory(spec: str) -> tuple[nn.Module, Any]:
    """(the model, the factory) for ``pkg.mod:fn``: fn() returning a model, or fn(act) as
    `actlab compare --model-factory` takes it (called with act = nn.ReLU)."""
    from actlab.experiments.sources import SourceError, load_factory

    factory = load_factory(spec, "model factory")
    try:
        required = [
            p
            for p in inspect.signature(factory).parameters.values()
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        required = []
    try:
        model = factory(nn.ReLU) if required else factory()
    except Exception as error:
        raise SourceError(
            f"model factory {spec!r} raised {type(error).__name__}: {error}"
        ) from error
    if not isinstance(model, nn.Module):
        raise SourceError(
            f"model factory {spec!r} returned {type(model).__name__}, not an nn.Module"
        )
    return model, factory if required else None
