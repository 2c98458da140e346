"""MNIST-1D as a sequence of patch tokens, for the evidence base's Transformer setting.

Each 40-sample signal is cut into 10 contiguous patches of 4 samples, shaped (4, 10):
channels × length, which `actlab.models` Transformer reads as 10 tokens of 4 features (a
1-D "patch embedding", as ViT does for images). Ten tokens instead of forty make the
setting four times cheaper to train on a CPU while keeping the order the Transformer must
learn from its positional embedding.
"""

from __future__ import annotations

import torch

PATCH = 4


def _tokens(x: torch.Tensor) -> torch.Tensor:
    n, length = x.shape
    # (N, 40) -> (N, 10, 4) patches -> (N, 4, 10): channel c of token j is x[4j + c].
    return x.reshape(n, length // PATCH, PATCH).transpose(1, 2).contiguous()


def mnist1d_tokens() -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """(train, test) of MNIST-1D (the built-in dataset's defaults), inputs shaped (4, 10).

    >>> (x, y), (xt, yt) = mnist1d_tokens()
    >>> tuple(x.shape[1:]), x.shape[0], xt.shape[0]
    ((4, 10), 4000, 1000)
    """
    from actlab.data import load

    d = load("mnist1d")
    return (_tokens(d.x_train), d.y_train), (_tokens(d.x_test), d.y_test)
