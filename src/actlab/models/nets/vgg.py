"""vgg11: VGG configuration A (Simonyan & Zisserman 2015) with BatchNorm, `narrow`-able.

    [conv3x3(c) -> BN -> act] for c in 64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M
    -> Flatten -> Linear(hidden) -> act -> dropout -> Linear(hidden) -> act -> dropout
    -> Linear(classes)

M is a 2x2 max pool that halves each side still at least 2 px long (so an 8x8 image gives
8 -> 4 -> 2 -> 1 -> 1 -> 1 and still builds); a 32x32 image ends at 512x1x1, a 224x224 one
at 512x7x7 as in the paper. `narrow` divides every conv width (narrow=4: 16 .. 128
channels), small enough to train on a CPU. The paper's head is 4096-4096 with dropout 0.5;
`hidden` defaults to 512, the usual CIFAR size. BN after each conv follows Ioffe & Szegedy
(2015), as torchvision's vgg11_bn (convs keep their bias, as there).

A width-changing activation gets a widened layer before it (2·c maps before a GLU), so the
widths above hold. Every conv and Linear gets the init matched to the activation; BN
starts at weight 1, bias 0; dropout is AlphaDropout for SELU.
"""

from __future__ import annotations

from torch import nn

from actlab.models.layers import image_sides, pool_sizes, widened
from actlab.models.options import fraction, positive_int
from actlab.models.slot import ActivationSlot
from actlab.models.zoo import ModelSpec, register

CONFIG_A = (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M")


def build_vgg11(
    input_shape: tuple[int, ...],
    num_classes: int,
    slot: ActivationSlot,
    *,
    narrow: int,
    hidden: int,
    dropout: float,
) -> nn.Sequential:
    sides = image_sides("vgg11", input_shape)
    narrow = positive_int(narrow, "vgg11: narrow")
    hidden = positive_int(hidden, "vgg11: hidden")
    dropout = fraction(dropout, "vgg11: dropout")
    layers: list[nn.Module] = []
    cin = input_shape[0]
    for entry in CONFIG_A:
        if entry == "M":
            window = pool_sizes(sides)
            layers.append(nn.MaxPool2d(window))
            sides = tuple(s // k for s, k in zip(sides, window, strict=True))
            continue
        cout = max(1, int(entry) // narrow)
        layers += [
            nn.Conv2d(cin, widened(slot, cout), 3, padding=1),
            nn.BatchNorm2d(widened(slot, cout)),
            slot.module(3, cout),
        ]
        cin = cout
    layers.append(nn.Flatten())
    features = cin * sides[0] * sides[1]
    for _ in range(2):
        layers += [nn.Linear(features, widened(slot, hidden)), slot.module(1, hidden)]
        drop = slot.dropout(dropout)
        layers += [drop] if drop is not None else []
        features = hidden
    layers.append(nn.Linear(features, num_classes))
    return nn.Sequential(*layers)


register(
    ModelSpec(
        name="vgg11",
        build=build_vgg11,
        summary="VGG-11 (configuration A) with BatchNorm: 8 conv3x3 layers in 5 pooled "
        "stages, then two dense layers; `narrow` divides the conv widths.",
        source="Simonyan & Zisserman, 'Very Deep Convolutional Networks for Large-Scale "
        "Image Recognition', ICLR 2015; BatchNorm: Ioffe & Szegedy, ICML 2015",
        inputs="image",
        options={"narrow": 1, "hidden": 512, "dropout": 0.5},
        option_docs={
            "narrow": "divisor of the conv widths 64 .. 512 (integer >= 1; 4 -> 16 .. 128)",
            "hidden": "width of the two dense hidden layers (integer >= 1; the paper's 4096)",
            "dropout": "dropout after each dense hidden activation, in [0, 1) (paper: 0.5)",
        },
        notes="Every conv and Linear gets the init matched to the activation; BN starts at "
        "1/0. A width-changing activation gets a widened layer before it.",
    )
)
