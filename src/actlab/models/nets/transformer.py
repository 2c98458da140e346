"""transformer: a small pre-LN Transformer encoder that classifies sequences.

    tokens: (L,) scalars -> (L, 1), or (C, L) channels -> (L, C)
    -> Linear(d_model) + learned positional embedding -> dropout
    -> depth x [x = x + dropout(attention(LN(x))); x = x + dropout(MLP(LN(x)))]
    -> LN -> mean over positions -> Linear(classes)
    MLP: Linear(d_model, r·hidden) -> act -> dropout -> Linear(hidden, d_model),
         hidden = round(mlp_ratio · d_model)

Multi-head self-attention is PyTorch's `nn.MultiheadAttention` (`heads` heads, attention
dropout `dropout`); LayerNorm sits before each sub-layer (pre-LN, Xiong et al. 2020), which
trains without warm-up at these sizes. The activation is the MLP's, the one slot; GELU is
the usual choice (BERT, GPT-2, ViT), the original used ReLU: pass activation="gelu".

Gated activations (swiglu, geglu, reglu, glu, bilinear) and maxout work as the MLP's
activation: r is measured by probing the activation (2 for the GLU family, `pieces` for
maxout), so the up-projection gives r·hidden features and the activation leaves `hidden`
(Shazeer 2020's GLU feed-forward; hidden is not shrunk by 2/3 here). Feature-mixing
activations act over the features, which are the last dimension of the tokens.

Init: the embedding, the MLP's Linears and the head get the scheme matched to the
activation; attention keeps PyTorch's own (xavier-uniform in-projection, zero biases,
default out-projection); LayerNorms start at 1/0; the positional embedding at N(0, 0.02²).
"""

from __future__ import annotations

import torch
from torch import nn

from actlab.models.layers import widened
from actlab.models.options import fraction, positive_int, positive_number
from actlab.models.slot import ActivationSlot
from actlab.models.zoo import ModelSpec, register


class EncoderBlock(nn.Module):
    """x + attention(LN(x)), then x + MLP(LN(x)), each branch with dropout."""

    def __init__(
        self, d_model: int, heads: int, hidden: int, dropout: float, slot: ActivationSlot
    ) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(d_model)
        self.attention = nn.MultiheadAttention(d_model, heads, dropout=dropout, batch_first=True)
        self.norm2 = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, widened(slot, hidden)),
            slot.module(2, hidden, channels_first=False),
            nn.Dropout(dropout),
            nn.Linear(hidden, d_model),
        )
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm1(x)
        x = x + self.dropout(self.attention(h, h, h, need_weights=False)[0])
        return x + self.dropout(self.mlp(self.norm2(x)))


class TransformerClassifier(nn.Module):
    def __init__(
        self,
        input_shape: tuple[int, ...],
        num_classes: int,
        slot: ActivationSlot,
        d_model: int,
        depth: int,
        heads: int,
        hidden: int,
        dropout: float,
    ) -> None:
        super().__init__()
        channels, length = (1, input_shape[0]) if len(input_shape) == 1 else input_shape
        self.embed = nn.Linear(channels, d_model)
        self.position = nn.Parameter(torch.zeros(1, length, d_model))
        nn.init.normal_(self.position, std=0.02)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.Sequential(
            *(EncoderBlock(d_model, heads, hidden, dropout, slot) for _ in range(depth))
        )
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = x.unsqueeze(-1) if x.dim() == 2 else x.transpose(1, 2)  # (N, L, C)
        h = self.dropout(self.embed(tokens) + self.position)
        h = self.norm(self.blocks(h))
        return self.head(h.mean(dim=1))


def build_transformer(
    input_shape: tuple[int, ...],
    num_classes: int,
    slot: ActivationSlot,
    *,
    d_model: int,
    depth: int,
    heads: int,
    mlp_ratio: float,
    dropout: float,
) -> TransformerClassifier:
    if len(input_shape) not in (1, 2):
        raise ValueError(
            f"transformer takes sequences, per-sample shape (L,) or (C, L); got {input_shape}"
        )
    d_model = positive_int(d_model, "transformer: d_model")
    depth = positive_int(depth, "transformer: depth")
    heads = positive_int(heads, "transformer: heads")
    if d_model % heads:
        raise ValueError(
            f"transformer: heads must divide d_model; got heads={heads}, d_model={d_model}"
        )
    mlp_ratio = positive_number(mlp_ratio, "transformer: mlp_ratio")
    hidden = max(1, round(mlp_ratio * d_model))
    dropout = fraction(dropout, "transformer: dropout")
    return TransformerClassifier(
        input_shape, num_classes, slot, d_model, depth, heads, hidden, dropout
    )


register(
    ModelSpec(
        name="transformer",
        build=build_transformer,
        summary="Small pre-LN Transformer encoder for sequences: linear token embedding, "
        "learned positions, depth x (attention + MLP), mean-pool, linear head.",
        source="Vaswani et al., 'Attention Is All You Need', NeurIPS 2017; pre-LN: Xiong "
        "et al., 'On Layer Normalization in the Transformer Architecture', ICML 2020",
        inputs="sequence",
        options={"d_model": 64, "depth": 2, "heads": 4, "mlp_ratio": 4.0, "dropout": 0.0},
        option_docs={
            "d_model": "token width (integer >= 1, divisible by heads)",
            "depth": "encoder blocks (integer >= 1)",
            "heads": "attention heads (integer >= 1, dividing d_model)",
            "mlp_ratio": "MLP width as a multiple of d_model (number > 0)",
            "dropout": "dropout on attention weights, branches and the embedding, in [0, 1)",
        },
        usual_activation="gelu",
        notes="Embedding, MLP and head Linears get the init matched to the activation; "
        "attention keeps PyTorch's init; positions N(0, 0.02²). Gated activations get a "
        "widened up-projection.",
    )
)
