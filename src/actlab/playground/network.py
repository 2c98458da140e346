"""The playground's model: input features and a small MLP with catalogue activations."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

import actlab
from actlab.playground.controls import LayerActivation


def features(x: torch.Tensor, keys: Sequence[str]) -> torch.Tensor:
    """Input features of points `x` (n, 2) in the plane [-1, 1]^2, one column per key."""
    x1, x2 = x[:, 0], x[:, 1]
    table = {
        "x1": lambda: x1,
        "x2": lambda: x2,
        "x1sq": lambda: x1 * x1,
        "x2sq": lambda: x2 * x2,
        "x1x2": lambda: x1 * x2,
        "sinx1": lambda: torch.sin(math.pi * x1),
        "sinx2": lambda: torch.sin(math.pi * x2),
    }
    return torch.stack([table[k]() for k in keys], 1)


class PlaygroundNet(nn.Module):
    """features -> [Linear -> activation] * hidden layers -> Linear -> class logits."""

    def __init__(
        self, n_features: int, widths: Sequence[int], acts: Sequence[LayerActivation], classes: int
    ) -> None:
        super().__init__()
        sizes = [n_features, *widths]
        self.linears = nn.ModuleList(
            nn.Linear(a, b) for a, b in zip(sizes, sizes[1:], strict=False)
        )
        self.acts = nn.ModuleList(actlab.make(a.name, **a.kwargs) for a in acts)
        self.head = nn.Linear(sizes[-1], classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.trace(x)[2]

    def trace(self, x: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor], torch.Tensor]:
        """(pre-activations per hidden layer, outputs per hidden layer, logits)."""
        pre, post = [], []
        for linear, act in zip(self.linears, self.acts, strict=True):
            z = linear(x)
            x = act(z)
            pre.append(z)
            post.append(x)
        return pre, post, self.head(x)


def derivative(act: nn.Module, z: torch.Tensor) -> torch.Tensor:
    """Elementwise f'(z) of activation module `act` by autograd (no graph is kept); through
    the module itself, so learnable parameters (PReLU's slope) enter at their current values."""
    with torch.enable_grad():
        z = z.detach().clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(act(z).sum(), z)
    return grad.detach()
