"""Model code written the way real projects write it, for the diagnose and swap tests.

A torchvision-style ResNet (BasicBlock with one ``nn.ReLU(inplace=True)`` called twice), a
pre-norm transformer block with ``nn.GELU`` inside its MLP, deep MLPs, and a model whose
forward uses functional activations only. No torchvision.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn


class BasicBlock(nn.Module):
    """torchvision's ResNet BasicBlock: conv-bn-relu-conv-bn, + shortcut, relu (same module)."""

    def __init__(
        self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None
    ) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class TinyResNet(nn.Module):
    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = nn.Sequential(BasicBlock(8, 8), BasicBlock(8, 8))
        down = nn.Sequential(nn.Conv2d(8, 16, 1, 2, bias=False), nn.BatchNorm2d(16))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, 2, down))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class MLPBlock(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class TransformerBlock(nn.Module):
    """Pre-norm block: x + attn(ln(x)), then x + mlp(ln(x)); inputs are (N, L, D)."""

    def __init__(self, dim: int = 16, heads: int = 2, hidden: int = 64) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = MLPBlock(dim, hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.ln1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class TinyTransformer(nn.Module):
    """Blocks in a ModuleList and a classifier head in a ModuleDict."""

    def __init__(self, dim: int = 16, depth: int = 2, num_classes: int = 3) -> None:
        super().__init__()
        self.blocks = nn.ModuleList([TransformerBlock(dim) for _ in range(depth)])
        self.heads = nn.ModuleDict(
            {"cls": nn.Sequential(nn.Linear(dim, dim), nn.Tanh(), nn.Linear(dim, num_classes))}
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return self.heads["cls"](x.mean(dim=1))


class FunctionalMLP(nn.Module):
    """Activations called as functions: nothing for swap() or the monitor to hook."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(4, 8), nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.relu(self.fc1(x)))


def deep_mlp(
    activation: Callable[[], nn.Module],
    depth: int,
    width: int,
    inputs: int,
    outputs: int = 10,
    lecun: bool = False,
) -> nn.Sequential:
    """`depth` × (Linear, activation()), then a Linear head. `lecun` = N(0, 1/fan_in) weights and
    zero biases, the init SELU's self-normalisation needs; otherwise PyTorch's default init."""
    layers: list[nn.Module] = []
    fan_in = inputs
    for _ in range(depth):
        linear = nn.Linear(fan_in, width)
        if lecun:
            nn.init.normal_(linear.weight, std=1 / math.sqrt(fan_in))
            nn.init.zeros_(linear.bias)
        layers += [linear, activation()]
        fan_in = width
    layers.append(nn.Linear(fan_in, outputs))
    return nn.Sequential(*layers)


class MixedBlock(nn.Module):
    """An activation module plus functional calls in forward, as real code mixes them."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(self.act(self.fc(x))).relu()


class MixedNet(nn.Module):
    """Modules swap() can replace, and F.relu / torch.relu / x.relu() / F.gelu it cannot."""

    def __init__(self) -> None:
        super().__init__()
        self.block = MixedBlock()
        self.fc = nn.Linear(4, 4)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.block(x))
        return torch.relu(self.act(self.fc(x)))


class BranchingNet(nn.Module):
    """Data-dependent control flow: torch.fx cannot trace it."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.act = nn.Tanh()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act(self.fc(x))
        if x.sum() > 0:
            return F.relu(x)
        return x


class SmallCNN(nn.Module):
    """conv-relu-conv-relu on (N, 1, 8, 8): softmax "instead of relu" would run over width."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1), nn.ReLU()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)
