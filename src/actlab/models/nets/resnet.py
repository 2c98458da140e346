"""resnet20: the CIFAR ResNet of He et al. (2016), 6n+2 layers (n = `depth` = 3 -> 20).

    conv3x3(16) -> BN -> act
    -> 3 stages of `depth` basic blocks, 16 / 32 / 64 channels (x `width`); the first block
       of stages 2 and 3 halves the map with stride 2
    -> global average pool -> Linear(classes)

Basic block (post-activation, as the paper): act(BN(conv3x3(act(BN(conv3x3(x))))) + s(x)).
Shortcut s: identity where the shape is kept; where it changes, `shortcut="A"` (the
paper's choice for CIFAR, parameter-free) takes every second pixel and pads the new
channels with zeros, `shortcut="B"` uses a 1x1 stride-2 conv and BN (a projection). With
depth 3, width 1, option A and 10 classes the model has 269,722 parameters (the paper's
0.27M). This is the child network of the Swish search (Ramachandran et al. 2017).

Convs have no bias (BN follows). Convs and the Linear get the init matched to the
activation (for ReLU: He et al.'s own, N(0, 2/fan_in)); BN starts at weight 1, bias 0.

Activations: the one inside each block may change the width (its conv is widened: 2·C
maps before a GLU); the one after each residual addition must keep it, since the next
block adds its input back, so width-changing activations (GLU family, maxout) are refused
with a ValueError. Feature-mixing ones that keep the width (softmax) act over channels.
Any image size builds: a stride-2 conv on a 1-pixel side leaves 1.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from actlab.models.layers import image_sides, widened
from actlab.models.options import one_of, positive_int, positive_number, scaled
from actlab.models.slot import ActivationSlot
from actlab.models.zoo import ModelSpec, register

STAGE_CHANNELS = (16, 32, 64)


def _conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


class ZeroPadShortcut(nn.Module):
    """Option A: x subsampled by `stride`, with `extra` zero channels appended."""

    def __init__(self, stride: int, extra: int) -> None:
        super().__init__()
        self.stride, self.extra = stride, extra

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, 0, self.extra))

    def extra_repr(self) -> str:
        return f"stride={self.stride}, extra={self.extra}"


class BasicBlock(nn.Module):
    def __init__(
        self, cin: int, cout: int, stride: int, slot: ActivationSlot, shortcut: str
    ) -> None:
        super().__init__()
        self.conv1 = _conv3x3(cin, widened(slot, cout), stride)
        self.bn1 = nn.BatchNorm2d(widened(slot, cout))
        self.act1 = slot.module(3, cout)
        self.conv2 = _conv3x3(cout, cout)
        self.bn2 = nn.BatchNorm2d(cout)
        if stride == 1 and cin == cout:
            self.shortcut: nn.Module = nn.Identity()
        elif shortcut == "A":
            self.shortcut = ZeroPadShortcut(stride, cout - cin)
        else:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout)
            )
        self.act2 = slot.module(3, cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.act1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.act2(out + self.shortcut(x))


def build_resnet20(
    input_shape: tuple[int, ...],
    num_classes: int,
    slot: ActivationSlot,
    *,
    depth: int,
    width: float,
    shortcut: str,
) -> nn.Sequential:
    image_sides("resnet20", input_shape)
    depth = positive_int(depth, "resnet20: depth")
    width = positive_number(width, "resnet20: width")
    shortcut = one_of(shortcut, "resnet20: shortcut", ("A", "B"))
    channels = [scaled(c, width) for c in STAGE_CHANNELS]
    for c in channels:
        slot.require_width_kept(
            "resnet20",
            c,
            "the activation after each residual addition must keep the width, since the "
            "next block adds its input back",
        )
    layers: list[nn.Module] = [
        _conv3x3(input_shape[0], widened(slot, channels[0])),
        nn.BatchNorm2d(widened(slot, channels[0])),
        slot.module(3, channels[0]),
    ]
    cin = channels[0]
    for stage, cout in enumerate(channels):
        for block in range(depth):
            stride = 2 if stage > 0 and block == 0 else 1
            layers.append(BasicBlock(cin, cout, stride, slot, shortcut))
            cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, num_classes)]
    return nn.Sequential(*layers)


register(
    ModelSpec(
        name="resnet20",
        build=build_resnet20,
        summary="CIFAR ResNet: 3 stages of `depth` basic blocks (16/32/64 channels, BN), "
        "6·depth+2 layers; 0.27M parameters at the defaults.",
        source="He, Zhang, Ren & Sun, 'Deep Residual Learning for Image Recognition', "
        "CVPR 2016 (Section 4.2, CIFAR-10)",
        inputs="image",
        options={"depth": 3, "width": 1.0, "shortcut": "A"},
        option_docs={
            "depth": "basic blocks per stage, the paper's n (3 -> ResNet-20, 5 -> 32, 9 -> 56)",
            "width": "multiplier of the stage widths 16, 32, 64 (number > 0; each at least 1)",
            "shortcut": "where the shape changes: 'A' zero-padded identity (the paper's for "
            "CIFAR) or 'B' 1x1 conv projection",
        },
        notes="Convs and the Linear get the init matched to the activation; BN starts at "
        "1/0. Width-changing activations are refused: the activation after each residual "
        "addition must keep the width.",
    )
)
