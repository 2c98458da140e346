"""Random crop and flip written with torch ops: shapes, windows, seeding."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from actlab.train.augment import augment_batch


def _images(n=16):
    return torch.arange(n * 2 * 6 * 5, dtype=torch.float32).reshape(n, 2, 6, 5)


def test_crop_cuts_a_window_of_the_padded_image():
    x = _images()
    out = augment_batch(x, "crop", 2, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    padded = F.pad(x, (2, 2, 2, 2))
    for i in range(len(x)):
        windows = [
            (top, left)
            for top in range(5)
            for left in range(5)
            if torch.equal(padded[i, :, top : top + 6, left : left + 5], out[i])
        ]
        assert windows, f"image {i} is not a window of its padded image"
    offsets = {
        tuple(torch.nonzero(out[i] == x[i, 0, 0, 0]).tolist()[0])
        for i in range(len(x))
        if (out[i] == x[i, 0, 0, 0]).any()
    }
    assert len(offsets) > 1  # the windows differ between images


def test_flip_mirrors_about_half_and_is_seeded():
    x = _images(200)
    out = augment_batch(x, "flip", 4, torch.Generator().manual_seed(1))
    flipped = [torch.equal(out[i], x[i].flip(-1)) for i in range(len(x))]
    kept = [torch.equal(out[i], x[i]) for i in range(len(x))]
    assert all(f or k for f, k in zip(flipped, kept, strict=True))
    assert 70 < sum(flipped) < 130
    again = augment_batch(x, "flip", 4, torch.Generator().manual_seed(1))
    assert torch.equal(out, again)


def test_none_is_the_identity():
    x = _images()
    assert augment_batch(x, "none", 4, torch.Generator()) is x
