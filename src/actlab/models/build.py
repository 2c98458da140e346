"""Model builders: an MLP and a small CNN, each activation from the catalogue.

`mlp`: Flatten -> [Linear(hidden) -> activation (-> dropout)] x depth -> Linear(classes).
The defaults (hidden=500, depth=1) on a (1, 28, 28) input are the classic 784-500-10 net.

`cnn`: a convolution stack chosen by the input's per-sample shape, then the same dense head
as the MLP ([Linear(hidden) -> activation] x depth -> Linear(classes)):
- (L,) or (C, L) sequences (MNIST-1D): Conv1d(kernel 5, stride 2, padding 2) -> activation,
  once per entry of `channels` (default (32, 32, 32): length 40 -> 20 -> 10 -> 5).
- (C, H, W) images: Conv2d(kernel 3, padding 1) -> activation -> MaxPool2d(2) per entry of
  `channels` (default (32, 64): 28 -> 14 -> 7); pooling stops once a side would drop below 1.

Every activation is its own module instance (`actlab.make` per layer), so hooks and
learnable parameters are per layer. Layer widths after an activation are measured by running
it once on zeros, so shape-changing activations (GLU halves its dim) work too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from actlab.catalog import get
from actlab.catalog.module import Activation
from actlab.catalog.registry import close_matches
from actlab.factory import make
from actlab.models.init import apply_init, kaiming_slope, resolve_init

MODEL_KINDS = ("mlp", "cnn")
DEFAULT_CHANNELS = {1: (32, 32, 32), 2: (32, 64)}


def _positive_int(value: Any, what: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}, got {value!r}")
    return value


@torch.no_grad()
def _probe(module: nn.Module, shape: tuple[int, ...], what: str) -> tuple[int, ...]:
    """Per-sample output shape of `module` for per-sample input `shape`.

    The random state is saved and restored so that a stochastic activation (RReLU) probed
    here does not shift the weights the seed gives the layers built after it.
    """
    with torch.random.fork_rng(devices=[]):
        try:
            out = module(torch.zeros(2, *shape))
        except Exception as error:  # report where in the model it failed
            raise ValueError(f"{what} cannot take per-sample shape {shape}: {error}") from error
    return tuple(out.shape[1:])


class _Builder:
    """Appends layers while tracking the per-sample shape."""

    def __init__(
        self,
        input_shape: tuple[int, ...],
        activation: str,
        params: dict[str, Any],
        kernel: dict[str, Any],
    ):
        self.layers: list[nn.Module] = []
        self.shape = input_shape
        self.activation, self.params, self.kernel = activation, params, kernel
        spec = get(activation)
        self.self_normalising = bool(spec.properties and spec.properties.self_normalising)

    def add(self, module: nn.Module, what: str) -> None:
        self.shape = _probe(module, self.shape, what)
        self.layers.append(module)

    def add_activation(self, where: str) -> None:
        module = make(self.activation, **self.kernel, **self.params)
        self.add(module, f"activation {self.activation!r} {where}")

    def add_dropout(self, p: float) -> None:
        if p > 0:  # AlphaDropout keeps SELU's mean 0 / variance 1 fixed point; Dropout does not
            self.layers.append(nn.AlphaDropout(p) if self.self_normalising else nn.Dropout(p))

    def dense_head(self, hidden: int, depth: int, dropout: float, num_classes: int) -> None:
        if len(self.shape) != 1:
            self.add(nn.Flatten(), "flatten")
        for i in range(depth):
            self.add(nn.Linear(self.shape[0], hidden), f"linear {i + 1}")
            self.add_activation(f"after linear {i + 1}")
            self.add_dropout(dropout)
        self.add(nn.Linear(self.shape[0], num_classes), "output layer")


def _conv_stack(b: _Builder, channels: Sequence[int] | None) -> None:
    if len(b.shape) in (1, 2):  # a sequence: (L,) has one channel
        if len(b.shape) == 1:
            b.add(nn.Unflatten(1, (1, b.shape[0])), "unflatten")
        for i, c in enumerate(channels or DEFAULT_CHANNELS[1]):
            b.add(nn.Conv1d(b.shape[0], c, kernel_size=5, stride=2, padding=2), f"conv {i + 1}")
            b.add_activation(f"after conv {i + 1}")
    elif len(b.shape) == 3:
        for i, c in enumerate(channels or DEFAULT_CHANNELS[2]):
            b.add(nn.Conv2d(b.shape[0], c, kernel_size=3, padding=1), f"conv {i + 1}")
            b.add_activation(f"after conv {i + 1}")
            if min(b.shape[1:]) >= 2:
                b.add(nn.MaxPool2d(2), f"pool {i + 1}")
    else:
        raise ValueError(f"cnn takes per-sample shapes (L,), (C, L) or (C, H, W); got {b.shape}")


def build_model(
    kind: str,
    input_shape: Sequence[int],
    num_classes: int,
    activation: str = "relu",
    activation_params: dict[str, Any] | None = None,
    hidden: int = 500,
    depth: int = 1,
    init: str = "auto",
    dropout: float = 0.0,
    channels: Sequence[int] | None = None,
    impl: str = "native",
    bits: int | None = None,
) -> nn.Sequential:
    """Build a `kind` model ("mlp" or "cnn") for per-sample `input_shape` and `num_classes`.

    Args:
        activation: catalogue name (aliases accepted); `activation_params` its parameters.
        hidden, depth: width and number of hidden dense layers (the CNN's head too).
        init: "auto" (matched to the activation, see `actlab.models.init`), "kaiming",
            "lecun", "xavier" or "default" (PyTorch's).
        dropout: probability after each hidden dense activation, in [0, 1); SELU-like
            (self-normalising) activations get AlphaDropout.
        channels: conv widths, cnn only (default (32, 32, 32) for sequences, (32, 64) images).
        impl, bits: the activation's autograd implementation, as in `actlab.make` ("native",
            "lean", or "fewbit" with `bits`-bit codes; see `actlab.kernels`).

    The random weights come from torch's global generator: seed it first (the trainer's
    `build_and_train` does) for a reproducible model.
    """
    if kind not in MODEL_KINDS:
        hints = close_matches(str(kind), list(MODEL_KINDS))
        hint = f" Did you mean {hints[0]!r}?" if hints else ""
        raise ValueError(
            f"unknown model kind {kind!r}; choose one of {', '.join(MODEL_KINDS)}.{hint}"
        )
    shape = tuple(input_shape)
    if not shape or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shape):
        raise ValueError(f"input_shape must be positive integers, got {input_shape!r}")
    _positive_int(num_classes, "num_classes", 2)
    _positive_int(hidden, "hidden")
    _positive_int(depth, "depth")
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    if channels is not None:
        if kind != "cnn":
            raise ValueError("channels applies to the cnn only")
        channels = tuple(channels)
        if not channels:
            raise ValueError("channels must list at least one conv width")
        for c in channels:
            _positive_int(c, "each of channels")
    params = dict(activation_params or {})
    scheme = resolve_init(init, activation)
    get(activation).bind(**params)  # bad names or values fail here, before any layer is built

    kernel = {"impl": impl, "bits": bits}
    if impl != "native" or bits is not None:
        make(activation, **kernel, **params)  # a bad impl or bits fails here, like a bad param
    b = _Builder(shape, activation, params, kernel)
    if kind == "cnn":
        _conv_stack(b, channels)
    b.dense_head(hidden, depth, float(dropout), num_classes)
    model = nn.Sequential(*b.layers)
    return apply_init(model, scheme, kaiming_slope(activation, params))


def activation_modules(model: nn.Module) -> list[tuple[str, Activation]]:
    """(qualified name, module) of every catalogue activation in `model`, in order."""
    return [(name, m) for name, m in model.named_modules() if isinstance(m, Activation)]
