"""Small building blocks shared by the zoo's models."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from actlab.models.slot import ActivationSlot


class Residual(nn.Module):
    """x + branch(x)."""

    def __init__(self, branch: nn.Module) -> None:
        super().__init__()
        self.branch = branch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.branch(x)


@torch.no_grad()
def probe_shape(module: nn.Module, shape: tuple[int, ...], what: str) -> tuple[int, ...]:
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


def pool_sizes(sides: Sequence[int]) -> tuple[int, ...]:
    """A 2-per-side pooling window that halves each side still at least 2 long, and leaves
    shorter sides alone, so pooling adapts to small inputs instead of failing."""
    return tuple(2 if side >= 2 else 1 for side in sides)


def widened(slot: ActivationSlot, width: int) -> int:
    """The width a layer must output so that `width` features come out of the activation
    after it: `width` for width-keeping activations, 2·width before a GLU."""
    return width * slot.width_factor(width)


def image_sides(model: str, input_shape: tuple[int, ...]) -> tuple[int, int]:
    """(H, W) of a (C, H, W) input; any other shape is an error naming the model."""
    if len(input_shape) != 3:
        raise ValueError(f"{model} takes images, per-sample shape (C, H, W); got {input_shape}")
    return input_shape[1], input_shape[2]


class Stack:
    """Appends layers to a plain stack while tracking the per-sample shape.

    Every layer is probed as it is added, so a layer after a width-changing activation
    (GLU halves its features) is built for the width that actually comes out.
    """

    def __init__(self, input_shape: tuple[int, ...], slot: ActivationSlot) -> None:
        self.layers: list[nn.Module] = []
        self.shape = input_shape
        self.slot = slot

    def add(self, module: nn.Module, what: str) -> None:
        self.shape = probe_shape(module, self.shape, what)
        self.layers.append(module)

    def add_activation(self, where: str) -> None:
        module = self.slot.module(len(self.shape), self.shape[0])
        self.add(module, f"activation {self.slot.label!r} {where}")

    def add_dropout(self, p: float) -> None:
        layer = self.slot.dropout(p)
        if layer is not None:
            self.layers.append(layer)

    def flatten(self) -> None:
        if len(self.shape) != 1:
            self.add(nn.Flatten(), "flatten")

    def dense_head(self, hidden: int, depth: int, dropout: float, num_classes: int) -> None:
        """[Linear(hidden) -> activation (-> dropout)] x depth -> Linear(num_classes)."""
        self.flatten()
        for i in range(depth):
            self.add(nn.Linear(self.shape[0], hidden), f"linear {i + 1}")
            self.add_activation(f"after linear {i + 1}")
            self.add_dropout(dropout)
        self.add(nn.Linear(self.shape[0], num_classes), "output layer")
