"""Units that fit no larger family: bent identity (a nearly linear curve) and LiSHT."""

from __future__ import annotations

import numpy as np
import torch

from actlab.catalog.edges import limits_at_infinity
from actlab.catalog.entries import _ref as R
from actlab.catalog.entries._torch import hypot
from actlab.catalog.registry import register
from actlab.catalog.spec import (
    INF,
    NONNEGATIVE,
    REALS,
    SMOOTH,
    ActivationSpec,
    Properties,
)


def _bent_identity(x: torch.Tensor) -> torch.Tensor:
    # (sqrt(x^2 + 1) - 1)/2 = x^2 / (2 (sqrt(x^2 + 1) + 1)): no cancellation near 0. Written as
    # x * (x / (hypot(x, 1) + 1)) the ratio stays <= 1, so nothing overflows for huge x;
    # ±inf would be inf/inf, so there f = ±inf with the asymptotic slopes 1/2 and 3/2.
    return limits_at_infinity(
        x,
        lambda t: t + 0.5 * t * (t / (hypot(t, 1.0) + 1.0)),
        -INF,
        INF,
        0.5,
        1.5,
    )


def _lisht(x: torch.Tensor) -> torch.Tensor:
    # f' = tanh x + x (1 - tanh^2 x) is inf * 0 at ±inf; its limits are -1 and 1.
    return limits_at_infinity(x, lambda t: t * torch.tanh(t), INF, INF, -1.0, 1.0)


def _bent_identity_ref(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return x + x * x / (2.0 * (np.sqrt(x * x + 1.0) + 1.0))


register(
    ActivationSpec(
        name="bent_identity",
        family="linear",
        summary="Bent identity: (sqrt(x^2 + 1) - 1)/2 + x, the identity with a smooth bend; slope "
        "runs from 1/2 to 3/2, so gradients never vanish or explode.",
        fn=_bent_identity,
        ref=_bent_identity_ref,
        ref_d1=lambda x: 1.0 + x / (2.0 * np.hypot(x, 1.0)),
        formula=r"\frac{\sqrt{x^2 + 1} - 1}{2} + x",
        formula_d1=r"\frac{x}{2\sqrt{x^2 + 1}} + 1",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        limits=(-INF, INF),
        paper="Godfrey, 'An Evaluation of Parametric Activation Functions for Deep Learning', "
        "IEEE SMC 2019 (the bendable linear unit, of which this is the member with beta = 1/2)",
        checked="Godfrey's paper text not retrievable via the search tool; f = (sqrt(x^2 + 1) - 1)/2 "
        "+ x matches the BentIdentity docstring of the survey-based torch_activation library "
        "(hdmquan/torch_activation, read via fetch); f' and the slopes 1/2, 3/2 derived.",
        notes="Family 'linear': it is the identity plus a bounded-slope bend (f' in (1/2, 3/2)), "
        "asymptotically x/2 for x -> -inf and 3x/2 for x -> +inf. A textbook entry in lists of "
        "activation functions before it had a paper; the one cited makes it the beta = 1/2 "
        "member of the learnable `blu` (Kunc & Kléma 2024, §3.10).",
    )
)

register(
    ActivationSpec(
        name="lisht",
        class_name="LiSHT",
        family="smooth-gated",
        summary="LiSHT: x tanh(x), the identity gated by tanh; even, non-negative and unbounded, so "
        "negative inputs still get gradient.",
        fn=_lisht,
        ref=lambda x: x * np.tanh(x),
        ref_d1=lambda x: np.tanh(x) + x * R.tanh_d1(x),
        formula=r"x \tanh x",
        formula_d1=r"\tanh x + x\,(1 - \tanh^2 x)",
        output_range=NONNEGATIVE,
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=False),
        limits=(INF, INF),
        paper="Roy, Manna, Dubey & Chaudhuri, 'LiSHT: Non-Parametric Linearly Scaled Hyperbolic "
        "Tangent Activation Function for Neural Networks', arXiv:1901.05894, 2019 (published in "
        "Communications in Computer and Information Science 1776:462-476, Springer, 2023)",
        checked="Abstract of arXiv:1901.05894 (emergentmind, paperswithcode via the search tool): "
        "'scaling the Tanh linearly', non-parametric; f = x tanh x as in torch_activation's LiSHT "
        "docstring; the 2023 CCIS version's pages from its Mendeley/ISI records.",
        notes="Family 'smooth-gated': like swish (x sigmoid(x)) and mish it is x times a smooth gate, "
        "here tanh; it is not saturating (unbounded above). Being even, it maps x and -x alike.",
    )
)
