"""Image augmentation written with torch ops (no torchvision): random crop and flip.

Applied to a batch on its device: ``crop`` pads each image with `padding` zeros on every side
and cuts a random window of the original size (the CIFAR recipe of He et al. 2016);
``flip`` mirrors each image left-right with probability 1/2. The random draws come from a
CPU generator seeded with the run's seed, so a run is reproducible on any device.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def check_shape(augment: str, input_shape: tuple[int, ...]) -> None:
    """Augmentation needs (C, H, W) images; say so before training starts."""
    if augment != "none" and len(input_shape) != 3:
        raise ValueError(
            f"augment {augment!r} applies to images of shape (C, H, W); these inputs have "
            f"per-sample shape {tuple(input_shape)}"
        )


def augment_batch(
    x: torch.Tensor, augment: str, padding: int, generator: torch.Generator
) -> torch.Tensor:
    """`x` (N, C, H, W) randomly cropped and/or flipped, as `augment` says."""
    if augment == "none":
        return x
    n, _, h, w = x.shape
    if "crop" in augment:
        padded = F.pad(x, (padding, padding, padding, padding))
        top = torch.randint(0, 2 * padding + 1, (n,), generator=generator).to(x.device)
        left = torch.randint(0, 2 * padding + 1, (n,), generator=generator).to(x.device)
        rows = (top[:, None] + torch.arange(h, device=x.device))[:, None, :, None]  # (N,1,H,1)
        cols = (left[:, None] + torch.arange(w, device=x.device))[:, None, None, :]  # (N,1,1,W)
        batch = torch.arange(n, device=x.device)[:, None, None, None]
        channel = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
        x = padded[batch, channel, rows, cols]
    if "flip" in augment:
        flip = (torch.rand(n, generator=generator) < 0.5).to(x.device)
        x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    return x
