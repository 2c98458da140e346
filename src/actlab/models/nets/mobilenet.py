"""mobilenet_small: MobileNet (v1, Howard et al. 2017) at a small width multiplier.

    conv3x3/2 (32) -> BN -> act
    -> 13 depthwise-separable blocks: dw conv3x3/s (groups = channels) -> BN -> act
       -> pw conv1x1 -> BN -> act, with (channels, stride) = (64, 1), (128, 2), (128, 1),
       (256, 2), (256, 1), (512, 2), 5 x (512, 1), (1024, 2), (1024, 1)
    -> global average pool -> Linear(classes)

All widths are multiplied by `width` (the paper's α; default 0.25: 8 .. 256 channels) and
rounded, at least 1. Strides are the paper's (224 -> 7); a 32x32 image ends at 1x1, and a
stride-2 conv on a 1-pixel side leaves 1, so any image size builds. Convs have no bias (BN
follows). The paper's last depthwise conv is listed with stride 2 on a 7x7 map whose output
stays 7x7; here it has stride 1, as in the reference implementations.

A width-changing activation gets a widened layer before it: the pointwise conv gives 2·c
maps before a GLU, and the depthwise conv gives 2 maps per input channel (a depth
multiplier), so the widths above hold. Every conv and the Linear get the init matched to
the activation (a depthwise conv's fan-in is its 3x3 window); BN starts at 1/0.
"""

from __future__ import annotations

from torch import nn

from actlab.models.layers import image_sides, widened
from actlab.models.options import positive_number, scaled
from actlab.models.slot import ActivationSlot
from actlab.models.zoo import ModelSpec, register

STEM = 32
BLOCKS = (
    (64, 1),
    (128, 2),
    (128, 1),
    (256, 2),
    (256, 1),
    (512, 2),
    *[(512, 1)] * 5,
    (1024, 2),
    (1024, 1),
)


def _conv_bn_act(
    cin: int, cout: int, slot: ActivationSlot, kernel: int, stride: int, groups: int = 1
) -> list[nn.Module]:
    wide = widened(slot, cout)
    return [
        nn.Conv2d(cin, wide, kernel, stride, padding=kernel // 2, groups=groups, bias=False),
        nn.BatchNorm2d(wide),
        slot.module(3, cout),
    ]


def build_mobilenet_small(
    input_shape: tuple[int, ...], num_classes: int, slot: ActivationSlot, *, width: float
) -> nn.Sequential:
    image_sides("mobilenet_small", input_shape)
    width = positive_number(width, "mobilenet_small: width")
    cin = scaled(STEM, width)
    layers = _conv_bn_act(input_shape[0], cin, slot, 3, 2)
    for channels, stride in BLOCKS:
        cout = scaled(channels, width)
        block = _conv_bn_act(cin, cin, slot, 3, stride, groups=cin)  # depthwise
        block += _conv_bn_act(cin, cout, slot, 1, 1)  # pointwise
        layers.append(nn.Sequential(*block))
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, num_classes)]
    return nn.Sequential(*layers)


register(
    ModelSpec(
        name="mobilenet_small",
        build=build_mobilenet_small,
        summary="MobileNet v1: a strided conv and 13 depthwise-separable blocks with BN, at "
        "width multiplier 0.25 by default (8 .. 256 channels).",
        source="Howard, Zhu, Chen, Kalenichenko, Wang, Weyand, Andreetto & Adam, "
        "'MobileNets: Efficient Convolutional Neural Networks for Mobile Vision "
        "Applications', arXiv:1704.04861, 2017",
        inputs="image",
        options={"width": 0.25},
        option_docs={
            "width": "the paper's width multiplier α on 32 .. 1024 channels (number > 0)",
        },
        notes="Every conv and the Linear get the init matched to the activation; BN starts "
        "at 1/0. A width-changing activation gets a widened layer before it (a depth "
        "multiplier for the depthwise convs).",
    )
)
