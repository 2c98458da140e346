"""The activation slot: what a model needs to know about the activation it is given.

A model asks the slot for a fresh activation module per layer, and for two facts:

- Is it elementwise? Catalogue entries say so (`spec.elementwise`); a user's own module
  (`act=` factory) is probed once: one input entry is changed and, if any other output entry
  moves (or the shape changes), it mixes features.
- How does it change the width? `width_factor(w)` is the r for which r·w features come out
  as w (1 for elementwise ones, 2 for the GLU family, `pieces` for maxout), found by probing
  r = 1 .. 8 on a (2, r·w) batch.

**The non-elementwise rule.** An activation that mixes features (softmax, log_softmax,
softmin, maxout, the GLU family) acts over the last dimension (its `dim`, default -1), which
in a dense layer or a transformer is the feature dimension. A conv feature map (N, C, L) or
(N, C, H, W) has its channels at dim 1, so the models wrap such an activation in
`ChannelsLast`: channels are moved last, the activation applied, and the channels moved
back. It then mixes the channels at each position, never the image width. A catalogue
entry's `dim` must therefore point at the last dimension (-1, the default). Elementwise
activations are used unwrapped. How each model meets a width change is in its notes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from actlab.catalog import UnknownActivationError, get
from actlab.expr import is_expression
from actlab.factory import make

MAX_WIDTH_FACTOR = 8


class ChannelsLast(nn.Module):
    """Apply a feature-mixing `activation` over dim 1 (channels) of an (N, C, ...) map.

    Inputs of rank 2, (N, C), are passed straight through.
    """

    def __init__(self, activation: nn.Module) -> None:
        super().__init__()
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() <= 2:
            return self.activation(x)
        return self.activation(x.movedim(1, -1)).movedim(-1, 1)


class ActivationSlot:
    """A zero-argument activation factory and the facts a model needs about its modules.

    Build one with `activation_slot`. `label` is the catalogue name or the user's label.
    """

    def __init__(
        self,
        factory: Callable[[], nn.Module],
        label: str,
        *,
        elementwise: bool | None,
        self_normalising: bool,
        dim: int | None = None,
    ) -> None:
        self.factory, self.label = factory, label
        self.self_normalising = self_normalising
        self._elementwise = elementwise  # None: a user module, probed on first use
        self._dim = dim  # `dim` of a feature-mixing catalogue entry
        self._factors: dict[int, int] = {}

    # -- facts ------------------------------------------------------------------------
    def elementwise(self, width: int) -> bool:
        """Whether the activation acts on each entry alone (probed at `width` features)."""
        if self._elementwise is None:
            self._elementwise = not _mixes_features(self.factory, width)
        return self._elementwise

    def width_factor(self, width: int) -> int:
        """The r for which r·`width` input features give `width` output features."""
        if width not in self._factors:
            self._factors[width] = (
                1 if self.elementwise(width) else _width_factor(self.factory, width, self.label)
            )
        return self._factors[width]

    def require_width_kept(self, model: str, width: int, why: str) -> None:
        """Raise a ValueError saying `why` when the activation changes the width."""
        factor = self.width_factor(width)
        if factor != 1:
            raise ValueError(
                f"{model} cannot take activation {self.label!r}: it maps {factor}·C features "
                f"to C, and {why}. Width-keeping activations (every elementwise one, softmax, "
                "log_softmax, softmin) work."
            )

    # -- modules ----------------------------------------------------------------------
    def module(self, rank: int, width: int, channels_first: bool = True) -> nn.Module:
        """A fresh activation for per-sample tensors of `rank` with `width` features.

        A feature-mixing activation on a channels-first map (rank > 1) is wrapped in
        `ChannelsLast`; with `channels_first=False` (transformer tokens) features are
        already last.
        """
        wrap = not self.elementwise(width) and rank > 1 and channels_first
        if self._dim is not None and not self.elementwise(width) and self._dim not in (-1, rank):
            raise ValueError(
                f"activation {self.label!r} with dim={self._dim}: the models apply "
                "feature-mixing activations over the feature/channel dimension, which they "
                f"put last; leave dim at -1 (the default; {rank} here also names it)"
            )
        made = self.factory()
        return ChannelsLast(made) if wrap else made

    def dropout(self, p: float) -> nn.Module | None:
        """Dropout after this activation: AlphaDropout for self-normalising ones (SELU)
        keeps their mean 0 / variance 1 fixed point; None when p is 0."""
        if p <= 0:
            return None
        return nn.AlphaDropout(p) if self.self_normalising else nn.Dropout(p)


def activation_slot(
    activation: str,
    activation_params: dict[str, Any] | None,
    impl: str = "native",
    bits: int | None = None,
    act: Callable[[], nn.Module] | None = None,
) -> ActivationSlot:
    """The slot for catalogue `activation` (with its params, impl and bits), or for the
    user's factory `act`, which `activation` then only labels (for the init table)."""
    if not isinstance(activation, str):
        raise TypeError(f"activation must be a name (str), got {type(activation).__name__}")
    if act is not None:
        return _user_slot(activation, activation_params, impl, bits, act)
    if is_expression(activation):  # elementwise by construction; checked by building one
        params = dict(activation_params or {})
        make(activation, impl=impl, bits=bits, **params)
        return ActivationSlot(
            lambda: make(activation, **params), activation, elementwise=True, self_normalising=False
        )
    spec = get(activation)
    params = dict(activation_params or {})
    bound = spec.bind(**params)  # bad names or values fail here, before any layer is built
    kernel = {"impl": impl, "bits": bits}
    if impl != "native" or bits is not None:
        make(activation, **kernel, **params)  # a bad impl or bits fails here, like a bad param
    return ActivationSlot(
        lambda: make(activation, **kernel, **params),
        spec.name,
        elementwise=spec.elementwise,
        self_normalising=bool(spec.properties and spec.properties.self_normalising),
        dim=None if spec.elementwise else bound.get("dim"),
    )


def _user_slot(activation, activation_params, impl, bits, act) -> ActivationSlot:
    if not callable(act) or isinstance(act, nn.Module):
        raise TypeError(
            "act must be a zero-argument factory returning a new nn.Module per call "
            f"(e.g. `lambda: MyActivation()`), got {type(act).__name__}"
        )
    if activation_params:
        raise ValueError(
            "activation_params apply to catalogue activations; with act= the factory makes "
            "the module, so set its parameters there"
        )
    if impl != "native" or bits is not None:
        raise ValueError("impl and bits choose a catalogue kernel; they do not apply with act=")
    with torch.random.fork_rng(devices=[]):  # the checks draw no weights from the seed
        first, second = act(), act()
    for made in (first, second):
        if not isinstance(made, nn.Module):
            raise TypeError(f"act must return an nn.Module, got {type(made).__name__}")
    if first is second:
        raise ValueError("act must return a new module on every call (one per layer)")
    try:
        spec = get(activation)
        self_normalising = bool(spec.properties and spec.properties.self_normalising)
    except UnknownActivationError:
        self_normalising = False
    return ActivationSlot(act, activation, elementwise=None, self_normalising=self_normalising)


@torch.no_grad()
def _run(factory: Callable[[], nn.Module], x: torch.Tensor) -> torch.Tensor:
    """A throwaway module from `factory` applied to `x` in eval mode, drawing nothing from
    the global random state (so a probe never shifts the weights a seed gives)."""
    with torch.random.fork_rng(devices=[]):
        module = factory().eval()
        return module(x)


def _mixes_features(factory: Callable[[], nn.Module], width: int) -> bool:
    x = torch.randn(2, max(width, 2), generator=torch.Generator().manual_seed(0))
    try:
        y = _run(factory, x)
    except Exception:  # e.g. a GLU on an odd width: it cannot be elementwise
        return True
    if y.shape != x.shape:
        return True
    nudged = x.clone()
    nudged[0, 0] += 1.0
    moved = (_run(factory, nudged) != y).flatten()
    return bool(moved[1:].any())


def _width_factor(factory: Callable[[], nn.Module], width: int, label: str) -> int:
    seen = []
    for factor in range(1, MAX_WIDTH_FACTOR + 1):
        try:
            out = _run(factory, torch.zeros(2, factor * width))
        except Exception as error:  # e.g. GLU on an odd width: try the next factor
            seen.append(f"{factor * width}: {error}")
            continue
        if out.dim() == 2 and out.shape[1] == width:
            return factor
        seen.append(f"{factor * width} -> {tuple(out.shape[1:])}")
    raise ValueError(
        f"activation {label!r} maps no width r·{width} (r = 1..{MAX_WIDTH_FACTOR}) to "
        f"{width} features, so no layer before it can be sized for it ({'; '.join(seen)})"
    )
