"""mlp: the multilayer perceptron, optionally with normalisation and residual blocks.

Plain (`residual=False`, the default):
    Flatten -> [Linear(hidden) -> norm -> activation -> dropout] x depth -> Linear(classes)
with norm and dropout left out at their defaults ("none", 0). The defaults (hidden=500,
depth=1) on a (1, 28, 28) input are the classic 784-500-10 net; they build exactly the
model (layers, order, initial weights for a seed) that actlab built before the zoo.

Residual (`residual=True`), pre-activation blocks as in He et al. (2016b):
    Flatten -> Linear(hidden)                                         (stem, no activation)
    -> [h = h + Linear(dropout(activation(norm(h))))] x depth        (depth residual blocks)
    -> norm -> activation -> Linear(classes)                          (head)
The stem brings the input to width `hidden`, so every block can add its input back; the
model has depth + 2 Linear layers and depth + 1 activations.

`norm`: "batch" (BatchNorm1d) or "layer" (LayerNorm) over the hidden features, placed
before each activation. A width-changing activation (GLU halves) narrows what the next
Linear takes (hidden=10 with glu: Linear(6, 10) -> glu -> Linear(5, 10)), as before the zoo;
in a residual block the block's Linear maps back to `hidden`, so every activation fits.
"""

from __future__ import annotations

from torch import nn

from actlab.models.layers import Residual, Stack
from actlab.models.options import flag, fraction, one_of, positive_int
from actlab.models.slot import ActivationSlot
from actlab.models.zoo import ModelSpec, register

NORMS = ("none", "batch", "layer")


def norm_layer(norm: str, width: int) -> nn.Module | None:
    if norm == "batch":
        return nn.BatchNorm1d(width)
    if norm == "layer":
        return nn.LayerNorm(width)
    return None


def _add_norm(b: Stack, norm: str, where: str) -> None:
    layer = norm_layer(norm, b.shape[0])
    if layer is not None:
        b.add(layer, f"{norm} norm {where}")


def _block(hidden: int, norm: str, dropout: float, slot: ActivationSlot, i: int) -> Residual:
    b = Stack((hidden,), slot)
    _add_norm(b, norm, f"in block {i}")
    b.add_activation(f"in block {i}")
    b.add_dropout(dropout)
    b.add(nn.Linear(b.shape[0], hidden), f"linear in block {i}")
    return Residual(nn.Sequential(*b.layers))


def build_mlp(
    input_shape: tuple[int, ...],
    num_classes: int,
    slot: ActivationSlot,
    *,
    hidden: int,
    depth: int,
    dropout: float,
    residual: bool,
    norm: str,
) -> nn.Sequential:
    hidden = positive_int(hidden, "mlp: hidden")
    depth = positive_int(depth, "mlp: depth")
    dropout = fraction(dropout, "mlp: dropout")
    residual = flag(residual, "mlp: residual")
    norm = one_of(norm, "mlp: norm", NORMS)
    b = Stack(input_shape, slot)
    b.flatten()
    if residual:
        b.add(nn.Linear(b.shape[0], hidden), "stem linear")
        for i in range(depth):
            b.add(_block(hidden, norm, dropout, slot, i + 1), f"residual block {i + 1}")
        _add_norm(b, norm, "before the head")
        b.add_activation("before the head")
    else:
        for i in range(depth):
            b.add(nn.Linear(b.shape[0], hidden), f"linear {i + 1}")
            _add_norm(b, norm, f"after linear {i + 1}")
            b.add_activation(f"after linear {i + 1}")
            b.add_dropout(dropout)
    b.add(nn.Linear(b.shape[0], num_classes), "output layer")
    return nn.Sequential(*b.layers)


register(
    ModelSpec(
        name="mlp",
        build=build_mlp,
        summary="Multilayer perceptron: Flatten -> [Linear -> activation] x depth -> Linear; "
        "optional BatchNorm/LayerNorm and pre-activation residual blocks.",
        source="Rumelhart, Hinton & Williams, 'Learning representations by back-propagating "
        "errors', Nature 1986; residual blocks: He, Zhang, Ren & Sun, 'Identity Mappings in "
        "Deep Residual Networks', ECCV 2016",
        inputs="any",
        options={"hidden": 500, "depth": 1, "dropout": 0.0, "residual": False, "norm": "none"},
        option_docs={
            "hidden": "width of each hidden layer (integer >= 1)",
            "depth": "hidden layers, or residual blocks when residual (integer >= 1)",
            "dropout": "dropout after each hidden activation, in [0, 1) (AlphaDropout for SELU)",
            "residual": "pre-activation residual blocks h + Linear(act(norm(h))) after a stem "
            "Linear (True/False)",
            "norm": "normalisation before each activation: 'none', 'batch' or 'layer'",
        },
        notes="Every Linear gets the init matched to the activation; norm layers start at "
        "weight 1, bias 0. A width-changing activation narrows the next Linear's input.",
    )
)
