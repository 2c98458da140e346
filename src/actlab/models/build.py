"""`build_model`: any model of the zoo with any activation in its slot.

The models (`actlab models` lists them with their options): mlp, cnn, lenet5, resnet20,
vgg11, mobilenet_small, transformer; each module of `actlab.models.nets` documents its
architecture, its init and how it takes width-changing activations.

Every activation layer is its own module instance (one `actlab.make` call, or one call of
the user's `act` factory, per layer), so hooks and learnable parameters are per layer.
Feature-mixing activations (softmax, maxout, the GLU family) act over the channel or
feature dimension, never over an image's width (see `actlab.models.slot`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from torch import nn

import actlab.models.nets  # noqa: F401  (registers every model)
from actlab.catalog import UnknownActivationError, get
from actlab.catalog.module import Activation
from actlab.models.init import INIT_SCHEMES, apply_init, kaiming_slope, resolve_init
from actlab.models.nets.cnn import DEFAULT_CHANNELS
from actlab.models.options import positive_int
from actlab.models.slot import activation_slot
from actlab.models.zoo import get_model, model_names

MODEL_KINDS = tuple(model_names())

__all__ = ["DEFAULT_CHANNELS", "MODEL_KINDS", "activation_modules", "build_model"]


def _init(init: str, activation: str, params: dict[str, Any], user_act: bool) -> tuple[str, float]:
    """(scheme, negative slope for He's gain). A user's `act` labelled with a name outside
    the catalogue gets He (kaiming) init under "auto": most activations in use pass about
    half their input near zero, the case He et al. derive it for."""
    if user_act:
        try:
            get(activation)
        except UnknownActivationError:
            if init not in INIT_SCHEMES:
                raise ValueError(
                    f"init must be one of {', '.join(INIT_SCHEMES)}; got {init!r}"
                ) from None
            return ("kaiming" if init == "auto" else init), 0.0
    return resolve_init(init, activation), kaiming_slope(activation, params)


def build_model(
    kind: str,
    input_shape: Sequence[int],
    num_classes: int,
    activation: str = "relu",
    activation_params: dict[str, Any] | None = None,
    *,
    init: str = "auto",
    impl: str = "native",
    bits: int | None = None,
    act: Callable[[], nn.Module] | None = None,
    **options: Any,
) -> nn.Module:
    """Build model `kind` for per-sample `input_shape` and `num_classes`.

    Args:
        kind: a name from `model_names()` ("mlp", "cnn", "lenet5", "resnet20", "vgg11",
            "mobilenet_small", "transformer").
        activation: catalogue name (aliases accepted); `activation_params` its parameters.
            With `act` it only labels the activation for the init table and the dropout
            kind: a name outside the catalogue means He (kaiming) init under "auto".
        init: "auto" (matched to the activation, see `actlab.models.init`), "kaiming",
            "lecun", "xavier" or "default" (PyTorch's).
        impl, bits: the activation's autograd implementation, as in `actlab.make` ("native",
            "lean", or "fewbit" with `bits`-bit codes; see `actlab.kernels`).
        act: your own activation: a zero-argument factory returning a new `nn.Module` per
            call (e.g. `lambda: MyAct()`); it is called once per activation layer, and a few
            more times for throwaway probes (which draw nothing from the seed) that find out
            whether it returns new modules, mixes features and changes the width. A
            feature-mixing one must act over its input's last dimension.
        **options: the model's own options (`model_options(kind)` lists them with their
            defaults): e.g. `hidden`, `depth`, `dropout`, `residual`, `norm` for the mlp.
            An option the model lacks raises ValueError naming the valid ones.

    The random weights come from torch's global generator: seed it first (the trainer's
    `build_and_train` does) for a reproducible model.
    """
    spec = get_model(kind)
    shape = tuple(input_shape)
    if not shape or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shape):
        raise ValueError(f"input_shape must be positive integers, got {input_shape!r}")
    positive_int(num_classes, "num_classes (outputs: classes, or regression targets)", 1)
    chosen = spec.check_options(options)
    params = dict(activation_params or {})
    slot = activation_slot(activation, params, impl, bits, act)  # checks the params first
    scheme, slope = _init(init, activation, params, act is not None)
    model = spec.build(shape, num_classes, slot, **chosen)
    return apply_init(model, scheme, slope)


def activation_modules(model: nn.Module) -> list[tuple[str, Activation]]:
    """(qualified name, module) of every catalogue activation in `model`, in order."""
    return [(name, m) for name, m in model.named_modules() if isinstance(m, Activation)]
