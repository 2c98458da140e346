"""cnn: a small convolution stack chosen by the input's shape, then the mlp's dense head.

- (L,) or (C, L) sequences (MNIST-1D): Conv1d(kernel 5, stride 2, padding 2) -> activation,
  once per entry of `channels` (default (32, 32, 32): length 40 -> 20 -> 10 -> 5).
- (C, H, W) images: Conv2d(kernel 3, padding 1) -> activation -> MaxPool2d(2) per entry of
  `channels` (default (32, 64): 28 -> 14 -> 7); pooling stops once a side would drop below 1.

Then [Linear(hidden) -> activation (-> dropout)] x depth -> Linear(classes). A
feature-mixing activation acts over the channels (see `actlab.models.slot`); a
width-changing one narrows what the next layer takes, as in the mlp.
"""

from __future__ import annotations

from torch import nn

from actlab.models.layers import Stack
from actlab.models.options import fraction, positive_int, widths
from actlab.models.slot import ActivationSlot
from actlab.models.zoo import ModelSpec, register

DEFAULT_CHANNELS = {1: (32, 32, 32), 2: (32, 64)}


def _conv_stack(b: Stack, channels: tuple[int, ...] | None) -> None:
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


def build_cnn(
    input_shape: tuple[int, ...],
    num_classes: int,
    slot: ActivationSlot,
    *,
    hidden: int,
    depth: int,
    dropout: float,
    channels: tuple[int, ...] | None,
) -> nn.Sequential:
    hidden = positive_int(hidden, "cnn: hidden")
    depth = positive_int(depth, "cnn: depth")
    dropout = fraction(dropout, "cnn: dropout")
    channels = widths(channels, "cnn: channels")
    b = Stack(input_shape, slot)
    _conv_stack(b, channels)
    b.dense_head(hidden, depth, dropout, num_classes)
    return nn.Sequential(*b.layers)


register(
    ModelSpec(
        name="cnn",
        build=build_cnn,
        summary="Small CNN: Conv1d stride-2 stack for sequences or Conv2d+MaxPool stack for "
        "images, then the mlp's dense head.",
        source="LeCun, Bottou, Bengio & Haffner, 'Gradient-Based Learning Applied to "
        "Document Recognition', Proc. IEEE 1998 (the conv -> pool -> dense pattern)",
        inputs="any",
        options={"hidden": 500, "depth": 1, "dropout": 0.0, "channels": None},
        option_docs={
            "hidden": "width of each dense hidden layer (integer >= 1)",
            "depth": "dense hidden layers after the convolutions (integer >= 1)",
            "dropout": "dropout after each dense hidden activation, in [0, 1)",
            "channels": "conv widths, one per conv layer (default (32, 32, 32) for "
            "sequences, (32, 64) for images)",
        },
        notes="Every conv and Linear gets the init matched to the activation. A "
        "width-changing activation narrows the next layer's input.",
    )
)
