"""lenet5: LeNet-5 (LeCun et al. 1998) with the activation in the slot.

    conv1 6@5x5 -> act -> pool 2x2 -> conv2 16@5x5 -> act -> pool 2x2
    -> Linear(120) -> act -> Linear(84) -> act -> Linear(classes)

Input sizes: on 32x32 (the paper's) conv1 is a valid conv (32 -> 28 -> 14 -> 10 -> 5, so
the first Linear takes 16·5·5 = 400 features, the paper's C5). Below 32 px conv1 is padded
by 2 and keeps the size, so 28x28 MNIST follows the same path (28 -> 14 -> 10 -> 5). conv2
is valid where its input is at least 6 px on that side and padded by 2 below, and each
pool halves a side only where it is at least 2 px: an 8x8 digit gives 8 -> 4 -> 4 -> 2 (64
features), and any image of at least 1 px builds. Rules apply to each side separately.

Differences from the paper, all standard in modern re-implementations: conv2 sees all six
maps (the paper's sparse C3 connection table is left out); C5 is a Linear on the flattened
maps (the same layer for 32 px inputs); subsampling is plain average pooling (`pool="avg"`,
the paper's has a trainable coefficient and bias) or max pooling; the output is a Linear
rather than Euclidean RBF units; the activation is the slot (the paper's is the scaled
tanh 1.7159·tanh(2x/3)). `width` scales all four widths (6, 16, 120, 84).

A width-changing activation (GLU, maxout) gets a widened layer before it (12 maps before a
GLU that leaves 6), so the widths above hold. Every conv and Linear gets the init matched to
the activation.
"""

from __future__ import annotations

from torch import nn

from actlab.models.layers import image_sides, pool_sizes, probe_shape, widened
from actlab.models.options import one_of, positive_number, scaled
from actlab.models.slot import ActivationSlot
from actlab.models.zoo import ModelSpec, register

POOLS = {"avg": nn.AvgPool2d, "max": nn.MaxPool2d}


def build_lenet5(
    input_shape: tuple[int, ...],
    num_classes: int,
    slot: ActivationSlot,
    *,
    width: float,
    pool: str,
) -> nn.Sequential:
    sides = image_sides("lenet5", input_shape)
    width = positive_number(width, "lenet5: width")
    pooling = POOLS[one_of(pool, "lenet5: pool", tuple(POOLS))]
    c1, c2, f1, f2 = (scaled(base, width) for base in (6, 16, 120, 84))

    pad1 = tuple(2 if s < 32 else 0 for s in sides)
    after1 = tuple(s if s < 32 else s - 4 for s in sides)
    pool1 = pool_sizes(after1)
    into2 = tuple(s // k for s, k in zip(after1, pool1, strict=True))
    pad2 = tuple(0 if s >= 6 else 2 for s in into2)
    after2 = tuple(s - 4 if s >= 6 else s for s in into2)
    features = nn.Sequential(
        nn.Conv2d(input_shape[0], widened(slot, c1), 5, padding=pad1),
        slot.module(3, c1),
        pooling(pool1),
        nn.Conv2d(c1, widened(slot, c2), 5, padding=pad2),
        slot.module(3, c2),
        pooling(pool_sizes(after2)),
        nn.Flatten(),
    )
    (flat,) = probe_shape(features, input_shape, "lenet5 features")
    return nn.Sequential(
        *features,
        nn.Linear(flat, widened(slot, f1)),
        slot.module(1, f1),
        nn.Linear(f1, widened(slot, f2)),
        slot.module(1, f2),
        nn.Linear(f2, num_classes),
    )


register(
    ModelSpec(
        name="lenet5",
        build=build_lenet5,
        summary="LeNet-5: conv 6@5x5, pool, conv 16@5x5, pool, FC 120, FC 84, classes; "
        "padding and pooling adapt so 8x8, 28x28 and 32x32 images all fit.",
        source="LeCun, Bottou, Bengio & Haffner, 'Gradient-Based Learning Applied to "
        "Document Recognition', Proceedings of the IEEE 86(11), 1998",
        inputs="image",
        options={"width": 1.0, "pool": "avg"},
        option_docs={
            "width": "multiplier of the widths 6, 16, 120, 84 (number > 0; each at least 1)",
            "pool": "subsampling: 'avg' (as the paper, without its trainable scale) or 'max'",
        },
        usual_activation="tanh",
        notes="Every conv and Linear gets the init matched to the activation. A "
        "width-changing activation gets a widened layer before it.",
    )
)
