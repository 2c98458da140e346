"""The MNIST-1D paper's baselines, as its repository builds them (Greydanus & Kobak, 2024).

mnist1d_mlp: h = act(Linear(in, 256) x); h = h + act(Linear(256, 256) h); Linear(256, classes).
    The second layer is residual, as in the paper's ``MLPBase`` (hidden_size 256 in its
    training script). 78,858 parameters on MNIST-1D (40 inputs, 10 classes).
mnist1d_cnn: Conv1d(1, 25, 5, stride 2, padding 1) -> act -> Conv1d(25, 25, 3, 2, 1) -> act ->
    Conv1d(25, 25, 3, 2, 1) -> act -> Flatten -> Linear(25 · 5, classes) for length 40
    (the paper's ``ConvBase``; the linear layer's width follows the input length).
    5,210 parameters on MNIST-1D.

Published test accuracy with ReLU, Adam 1e-2, batch 100, 8,000 steps: 68% (MLP), 94% (CNN).
The paper keeps PyTorch's default init; the `mnist1d-paper-*` presets set ``init: default``.
A width-changing activation (GLU) gets a doubled layer before it, so the widths above hold.
"""

from __future__ import annotations

import torch
from torch import nn

from actlab.models.layers import Stack, widened
from actlab.models.options import positive_int
from actlab.models.slot import ActivationSlot
from actlab.models.zoo import ModelSpec, register

SOURCE = (
    "Greydanus & Kobak, 'Scaling Down Deep Learning with MNIST-1D', ICML 2024 "
    "(arXiv:2011.14439); models as in the mnist1d repository"
)


class PaperMLP(nn.Module):
    """in -> hidden (act) -> hidden + act(Linear(hidden)) -> classes."""

    def __init__(self, inputs: int, num_classes: int, hidden: int, slot: ActivationSlot) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear1 = nn.Linear(inputs, widened(slot, hidden))
        self.act1 = slot.module(1, widened(slot, hidden))
        self.linear2 = nn.Linear(hidden, widened(slot, hidden))
        self.act2 = slot.module(1, widened(slot, hidden))
        self.linear3 = nn.Linear(hidden, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act1(self.linear1(self.flatten(x)))  # (N, hidden)
        h = h + self.act2(self.linear2(h))
        return self.linear3(h)


def build_mnist1d_mlp(
    input_shape: tuple[int, ...], num_classes: int, slot: ActivationSlot, *, hidden: int
) -> nn.Module:
    hidden = positive_int(hidden, "mnist1d_mlp: hidden")
    inputs = 1
    for side in input_shape:
        inputs *= side
    return PaperMLP(inputs, num_classes, hidden, slot)


def build_mnist1d_cnn(
    input_shape: tuple[int, ...], num_classes: int, slot: ActivationSlot, *, channels: int
) -> nn.Module:
    channels = positive_int(channels, "mnist1d_cnn: channels")
    if len(input_shape) not in (1, 2):
        raise ValueError(f"mnist1d_cnn takes sequences, shape (L,) or (C, L); got {input_shape}")
    b = Stack(input_shape, slot)
    if len(b.shape) == 1:
        b.add(nn.Unflatten(1, (1, b.shape[0])), "unflatten")
    for i, kernel in enumerate((5, 3, 3)):
        out = widened(slot, channels)
        b.add(nn.Conv1d(b.shape[0], out, kernel, stride=2, padding=1), f"conv {i + 1}")
        b.add_activation(f"after conv {i + 1}")
    b.flatten()
    b.add(nn.Linear(b.shape[0], num_classes), "output layer")
    return nn.Sequential(*b.layers)


register(
    ModelSpec(
        name="mnist1d_mlp",
        build=build_mnist1d_mlp,
        summary="The MNIST-1D paper's MLP baseline: two hidden layers of 256, the second residual.",
        source=SOURCE,
        inputs="vector",
        options={"hidden": 256},
        option_docs={"hidden": "width of both hidden layers (integer >= 1)"},
        notes="Every Linear gets the init matched to the activation unless init says "
        "otherwise (the paper: PyTorch's default). A GLU doubles the Linear before it.",
    )
)
register(
    ModelSpec(
        name="mnist1d_cnn",
        build=build_mnist1d_cnn,
        summary="The MNIST-1D paper's CNN baseline: three stride-2 Conv1d layers of 25 "
        "channels and a linear classifier.",
        source=SOURCE,
        inputs="sequence",
        options={"channels": 25},
        option_docs={"channels": "channels of each conv layer (integer >= 1)"},
        notes="Every conv and Linear gets the init matched to the activation unless init "
        "says otherwise (the paper: PyTorch's default). A GLU doubles the conv before it.",
    )
)
