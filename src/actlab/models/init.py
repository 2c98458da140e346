"""Weight initialisation matched to the activation.

| activation                                   | `init_for` | weights                          |
|----------------------------------------------|------------|----------------------------------|
| self-normalising (SELU)                      | lecun      | N(0, 1/fan_in)                   |
| relu-like, exponential (ELU, CELU, ...),     | kaiming    | N(0, 2/((1+a^2) fan_in)); a is   |
| smooth-gated (GELU, SiLU, Mish, ...),        |            | the `negative_slope` parameter   |
| gated (GLU family), adaptive                 |            | when the activation has one      |
| saturating (tanh, sigmoid, ...), linear,     | xavier     | U(-b, b), b = sqrt(6/(fan_in +   |
| shrink, periodic, polynomial (SQU, NCU,      |            | fan_out)) (Glorot, gain 1)       |
| cube), multi-input (softmax, ...)            |            |                                  |

Why: He et al. (2015) derive the 2/fan_in variance for units that pass about half of their
input (ReLU), which also describes the leaky, exponential, smooth-gated and gated families
near zero; LeCun normal is the fixed point SELU's self-normalisation assumes (Klambauer et
al. 2017); Glorot & Bengio (2010) derive theirs for units with slope 1 at 0 that pass the
whole signal (tanh, identity, the shrinks, sine, the polynomials x + x^2 and x - x^3; the cube
x^3 has slope 0 there, and its own scale argument is open). Biases start at 0 in every scheme except
"default", which keeps PyTorch's own initialisation (Kaiming-uniform with a = sqrt(5)).

Layers inside an `nn.MultiheadAttention` keep PyTorch's attention init in every scheme
(xavier-uniform in-projection, zero biases): the schemes above are derived for a layer
that feeds or follows the activation, which attention projections do not. Normalisation
layers (BatchNorm, LayerNorm) keep weight 1, bias 0.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from actlab.catalog import get
from actlab.expr import is_expression

INIT_SCHEMES = ("auto", "kaiming", "lecun", "xavier", "default")

_BY_FAMILY = {
    "relu-like": "kaiming",
    "exponential": "kaiming",
    "smooth-gated": "kaiming",
    "gated": "kaiming",
    "adaptive": "kaiming",
    "saturating": "xavier",
    "linear": "xavier",
    "shrink": "xavier",
    "periodic": "xavier",
    "polynomial": "xavier",
    "multi-input": "xavier",
}


def init_for(activation: str) -> str:
    """The initialisation scheme matched to `activation` (see the module table); He for an
    expression (`expr:...`), as for any activation outside the catalogue."""
    if is_expression(activation):
        return "kaiming"
    spec = get(activation)
    if spec.properties is not None and spec.properties.self_normalising:
        return "lecun"
    return _BY_FAMILY.get(spec.family, "kaiming")


def resolve_init(init: str, activation: str) -> str:
    """`init` checked against INIT_SCHEMES, with "auto" replaced by `init_for(activation)`."""
    if init not in INIT_SCHEMES:
        raise ValueError(f"init must be one of {', '.join(INIT_SCHEMES)}; got {init!r}")
    return init_for(activation) if init == "auto" else init


def kaiming_slope(activation: str, activation_params: dict | None) -> float:
    """The `a` of He's leaky-ReLU gain: the activation's `negative_slope`, else 0."""
    if is_expression(activation):
        return 0.0
    spec = get(activation)
    names = {p.name: p.default for p in spec.params}
    if "negative_slope" not in names:
        return 0.0
    return float((activation_params or {}).get("negative_slope", names["negative_slope"]))


@torch.no_grad()
def apply_init(model: nn.Module, scheme: str, negative_slope: float = 0.0) -> nn.Module:
    """Initialise every Linear and Conv layer of `model` in place with `scheme`, except
    those inside attention modules (see the module docstring)."""
    if scheme not in INIT_SCHEMES or scheme == "auto":
        raise ValueError(f"scheme must be one of kaiming, lecun, xavier, default; got {scheme!r}")
    if scheme == "default":
        return model
    in_attention = {
        id(inner)
        for outer in model.modules()
        if isinstance(outer, nn.MultiheadAttention)
        for inner in outer.modules()
    }
    for layer in model.modules():
        if not isinstance(layer, (nn.Linear, nn.Conv1d, nn.Conv2d)) or id(layer) in in_attention:
            continue
        weight = layer.weight
        fan_in = weight[0].numel()  # in_features, or in_channels x kernel size
        if scheme == "kaiming":
            gain = math.sqrt(2.0 / (1.0 + negative_slope**2))
            weight.normal_(0.0, gain / math.sqrt(fan_in))
        elif scheme == "lecun":
            weight.normal_(0.0, 1.0 / math.sqrt(fan_in))
        else:
            nn.init.xavier_uniform_(weight, gain=1.0)
        if layer.bias is not None:
            layer.bias.zero_()
    return model
