"""Squashing units and their cheap piecewise stand-ins: hardtanh, hard sigmoid/swish/mish,
softsign, Elliott, ISRU and arctan.

The hard forms are what mobile networks use instead of exp(); hardswish and hard_mish are not
bounded above, so they sit in the relu-like family although they live here with their kin.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from actlab.catalog.entries._torch import where_safe
from actlab.catalog.registry import register
from actlab.catalog.spec import (
    INF,
    POSITIVE,
    SMOOTH,
    ActivationSpec,
    Facts,
    Interval,
    Param,
    Properties,
)

MOBILENET_V3 = "Howard et al., 'Searching for MobileNetV3', ICCV 2019"
ELLIOTT_1993 = (
    "Elliott, 'A Better Activation Function for Artificial Neural Networks', "
    "ISR Technical Report TR 93-8, University of Maryland, 1993"
)


def _hardtanh_facts(low: float, high: float) -> Facts:
    """The identity clipped to [low, high]: kinks at both ends, where autograd gives 0."""
    return Facts(
        Interval(low, high),
        Properties(monotonic=True, smoothness=0, zero_centred=low < 0.0 < high),
        (low, high),
        (low, high),
        {low: 0.0, high: 0.0},
    )


register(
    ActivationSpec(
        name="hardtanh",
        family="saturating",
        summary="Hard tanh: the identity clipped to [min_val, max_val]; a piecewise-linear tanh.",
        fn=lambda x, min_val, max_val: F.hardtanh(x, min_val, max_val),
        native="torch.nn.functional.hardtanh",
        ref=lambda x, min_val, max_val: np.clip(x, min_val, max_val),
        # PyTorch's backward zeroes the gradient at both end points too (x <= min or x >= max).
        ref_d1=lambda x, min_val, max_val: np.where((x > min_val) & (x < max_val), 1.0, 0.0),
        params=(
            Param("min_val", -1.0, doc="Lower clipping value."),
            Param("max_val", 1.0, doc="Upper clipping value; must exceed min_val."),
        ),
        constraint=lambda p: (
            None
            if p["min_val"] < p["max_val"]
            else f"min_val ({p['min_val']}) must be below max_val ({p['max_val']})"
        ),
        formula=r"\min(\max(x, a), b),\; a = \text{min\_val},\; b = \text{max\_val}",
        formula_d1=r"\begin{cases} 1 & a < x < b \\ 0 & \text{otherwise} \end{cases}",
        output_range=Interval(-1.0, 1.0),
        properties=Properties(monotonic=True, smoothness=0, zero_centred=True),
        kinks=(-1.0, 1.0),
        kink_derivative={-1.0: 0.0, 1.0: 0.0},
        limits=(-1.0, 1.0),
        paper="Collobert et al., 'Natural Language Processing (Almost) from Scratch', JMLR 2011",
        checked="Survey arXiv:2402.09092 §3.6.18 prose (text copy without equations): HardTanh "
        "clips with fixed thresholds a, b, Liu et al. used -1 and 1 - matches params and "
        "defaults; a copy of paperswithcode's Hardtanh page (aicurious.io) gives -1 / x / 1 on "
        "x < -1 / [-1, 1] / x > 1; Collobert et al.'s text not read.",
        facts=lambda p: _hardtanh_facts(p["min_val"], p["max_val"]),
        test_params=({"min_val": -2.0, "max_val": 0.5}, {"min_val": 0.0, "max_val": 6.0}),
        notes="min_val=0, max_val=6 is relu6: range [0, 6], kinks at 0 and 6, not zero-centred.",
    )
)


def _hardsigmoid(x: torch.Tensor) -> torch.Tensor:
    # PyTorch's kernel is exact up to float32, but its float64 backward multiplies by float32's
    # 1/6 (3e-8 off): float64 takes the composite, whose gradient is the exact 1/6. The outer
    # wheres give f' = 0 at both kinks, as the native backward does; NaN reaches the middle.
    if x.dtype != torch.float64:
        return F.hardsigmoid(x)
    return torch.where(x <= -3.0, 0.0, torch.where(x >= 3.0, 1.0, (x + 3.0) / 6.0))


register(
    ActivationSpec(
        name="hardsigmoid",
        family="saturating",
        summary="Hard sigmoid (MobileNetV3): relu6(x + 3) / 6, a piecewise-linear sigmoid without exp().",
        fn=_hardsigmoid,
        native="torch.nn.functional.hardsigmoid",
        ref=lambda x: np.clip(x + 3.0, 0.0, 6.0) / 6.0,
        ref_d1=lambda x: np.where((x > -3.0) & (x < 3.0), 1.0 / 6.0, 0.0),
        formula=r"\frac{\min(\max(x + 3, 0), 6)}{6}",
        formula_d1=r"\begin{cases} 1/6 & -3 < x < 3 \\ 0 & \text{otherwise} \end{cases}",
        output_range=Interval(0.0, 1.0),
        properties=Properties(monotonic=True, smoothness=0, zero_centred=False),
        kinks=(-3.0, 3.0),
        kink_derivative={-3.0: 0.0, 3.0: 0.0},
        limits=(0.0, 1.0),
        paper=MOBILENET_V3,
        checked="MobileNetV3 paper not read; paperswithcode's Hard Swish page (MobileNetV3) calls "
        "ReLU6(x + 3)/6 the piecewise-linear analogue of the sigmoid in h-swish - matches fn; "
        "survey arXiv:2402.09092 §3.6.17 prose notes that hard sigmoid definitions differ.",
        notes="Not Courbariaux's clip((x + 1) / 2): PyTorch and MobileNetV3 use slope 1/6. "
        "PyTorch's kernel serves float32 and below; in float64 its backward would multiply by "
        "float32's 1/6 (relative error 3e-8) and has no derivative of its own, so float64 uses "
        "the composite (x + 3)/6 between the kinks: an exact backward, and a second derivative "
        "(0 away from the kinks).",
    )
)

register(
    ActivationSpec(
        name="hardswish",
        aliases=("hard_swish",),
        family="relu-like",
        summary="Hard swish (MobileNetV3): x * relu6(x + 3) / 6, swish without exp() for mobile nets.",
        fn=F.hardswish,
        native="torch.nn.functional.hardswish",
        ref=lambda x: np.where(x <= -3.0, 0.0, x * np.clip(x + 3.0, 0.0, 6.0) / 6.0),
        ref_d1=lambda x: np.where(x <= -3.0, 0.0, np.where(x >= 3.0, 1.0, (2.0 * x + 3.0) / 6.0)),
        formula=r"x\,\frac{\min(\max(x + 3, 0), 6)}{6}",
        formula_d1=r"\begin{cases} 0 & x \le -3 \\ (2x + 3)/6 & -3 < x < 3 \\ 1 & x \ge 3 \end{cases}",
        output_range=Interval(-0.375, INF),  # minimum at x = -3/2: -(3/2)^2 / 6
        properties=Properties(monotonic=False, smoothness=0, zero_centred=True),
        kinks=(-3.0, 3.0),
        kink_derivative={-3.0: 0.0, 3.0: 1.0},
        limits=(0.0, INF),
        paper=MOBILENET_V3,
        checked="MobileNetV3 paper not read; paperswithcode's Hard Swish page and PaddlePaddle's "
        "hardswish docs (citing arXiv:1905.02244) give x ReLU6(x + 3)/6, i.e. 0 / x(x + 3)/6 / x "
        "on x <= -3 / (-3, 3) / x >= 3 - matches fn and formula_d1.",
        xfail={
            "limits": "PyTorch's hardswish computes x * relu6(x + 3) / 6, so at x = -inf it "
            "returns -inf * 0 = nan instead of the limit 0."
        },
        notes="Native quirks: hardswish(-inf) is nan (-inf * 0), and the gradient at a NaN input is 1. "
        "At the kinks autograd takes the outer side: f'(-3) = 0, f'(3) = 1.",
    )
)


def _hard_mish(x: torch.Tensor) -> torch.Tensor:
    # x/2 * min(x + 2, 2) for x > -2, else exactly 0: the explicit zero branch keeps -inf
    # from becoming -inf * 0 = nan. `~(x <= -2)` sends NaN to the formula, which keeps it NaN.
    return where_safe(
        ~(x <= -2.0), x, lambda t: 0.5 * t * torch.clamp(t + 2.0, max=2.0), torch.zeros_like
    )


register(
    ActivationSpec(
        name="hard_mish",
        family="relu-like",
        summary="Hard Mish: x/2 * min(2, max(0, x + 2)), a piecewise-quadratic Mish without exp/tanh.",
        fn=_hard_mish,
        ref=lambda x: np.where(x <= -2.0, 0.0, np.where(x < 0.0, 0.5 * x * (x + 2.0), x)),
        ref_d1=lambda x: np.where(x <= -2.0, 0.0, np.where(x < 0.0, x + 1.0, 1.0)),
        formula=r"\frac{x}{2}\,\min(2, \max(0, x + 2))",
        formula_d1=r"\begin{cases} 0 & x \le -2 \\ x + 1 & -2 < x < 0 \\ 1 & x \ge 0 \end{cases}",
        output_range=Interval(-0.5, INF),  # minimum at x = -1: -1/2
        properties=Properties(monotonic=False, smoothness=0, zero_centred=True),
        kinks=(-2.0, 0.0),  # f' jumps at -2; at 0 f' is continuous and f'' jumps from 1 to 0
        kink_derivative={-2.0: 0.0, 0.0: 1.0},
        limits=(0.0, INF),
        paper="Misra, 'H-Mish', github.com/digantamisra98/H-Mish, 2020 (the hard form of Mish: "
        "Misra, 'Mish: A Self Regularized Non-Monotonic Activation Function', BMVC 2020)",
        checked="Not checked against a source: Misra's H-Mish repository is not in the stored "
        "index and no other text of it was found; x/2 min(2, max(0, x + 2)) is unverified.",
        notes="Built like hardswish, x times a clipped linear gate, here min(2, max(0, x + 2))/2: "
        "it is x for x >= 0, 0 for x <= -2, and dips to -1/2 at x = -1.",
    )
)

register(
    ActivationSpec(
        name="softsign",
        family="saturating",
        summary="Softsign: x / (1 + |x|), a tanh-like squash with polynomial (not exponential) tails.",
        fn=F.softsign,
        native="torch.nn.functional.softsign",
        ref=lambda x: x / (1.0 + np.abs(x)),
        ref_d1=lambda x: 1.0 / (1.0 + np.abs(x)) ** 2,
        formula=r"\frac{x}{1 + |x|}",
        formula_d1=r"\frac{1}{(1 + |x|)^2}",
        output_range=Interval(-1.0, 1.0, low_open=True, high_open=True),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=True),
        kinks=(0.0,),  # f'' = -2 sign(x) / (1 + |x|)^3 jumps from 2 to -2
        kink_derivative={0.0: 1.0},
        limits=(-1.0, 1.0),
        paper=f"{ELLIOTT_1993}; Turian, Bergstra & Bengio, 'Quadratic Features and Deep "
        "Architectures for Chunking', NAACL-HLT 2009",
        checked="Papers not retrievable; survey arXiv:2402.09092 §3.2.13 prose (text copy without "
        "equations) describes a tanh-like softsign using |z|, and OpenVINO's SoftSign-9 docs give "
        "x/(1 + |x|) - matches fn.",
        xfail={
            "limits": "PyTorch's softsign is x / (1 + |x|), which is inf / inf = nan at "
            "x = ±inf instead of the limits ±1.",
            "grad-limits": "PyTorch's softsign backward is NaN at x = ±inf (inf / inf); "
            "the limit of f' is 0.",
            "integers": "PyTorch's softsign computes 1 + |x| in the integer type: 255 -> "
            "255 / 0 = inf in uint8, and |-128| = -128 in int8.",
        },
        notes="Native quirk: softsign(±inf) is nan (and so is its gradient there). Elliott's "
        "symmetric sigmoid is this same function; see `elliott` for the (0, 1) form.",
    )
)


def _elliott(x: torch.Tensor) -> torch.Tensor:
    # 0.5 x / (1 + |x|) + 0.5 rewritten per side without cancellation: for x < 0 it is
    # 0.5 / (1 - x), for x >= 0 it is 1 - 0.5 / (1 + x); both are exact at ±inf.
    return where_safe(x < 0, x, lambda t: 0.5 / (1.0 - t), lambda t: 1.0 - 0.5 / (1.0 + t))


register(
    ActivationSpec(
        name="elliott",
        family="saturating",
        summary="Elliott sigmoid: 0.5 x / (1 + |x|) + 0.5, a (0, 1) squash with no exp(); slow tails.",
        fn=_elliott,
        ref=lambda x: np.where(x < 0, 0.5 / (1.0 + np.abs(x)), 0.5 + 0.5 * x / (1.0 + np.abs(x))),
        ref_d1=lambda x: 0.5 / (1.0 + np.abs(x)) ** 2,
        formula=r"\frac{1}{2}\,\frac{x}{1 + |x|} + \frac{1}{2}",
        formula_d1=r"\frac{1}{2\,(1 + |x|)^2}",
        output_range=Interval(0.0, 1.0, low_open=True, high_open=True),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=False),
        kinks=(0.0,),  # f'' jumps from 1 to -1
        kink_derivative={0.0: 0.5},
        limits=(0.0, 1.0),
        paper=ELLIOTT_1993,
        checked="Elliott's TR 93-8 not retrievable; survey arXiv:2402.09092 §3.2.15 prose (text "
        "copy without equations): the Elliott AF is a scaled and translated softsign, a faster "
        "stand-in for the logistic sigmoid - consistent with 0.5 x/(1 + |x|) + 0.5 (see notes for "
        "Elliott's own x/(1 + |x|)).",
        notes="Elliott's paper defines x / (1 + |x|) (that is `softsign`); this (0, 1) variant, a "
        "drop-in for the logistic sigmoid, is the one FANN and Encog call 'Elliott'. "
        "It equals (softsign(x) + 1) / 2.",
    )
)


def _isru_facts(alpha: float) -> Facts:
    level = 1.0 / math.sqrt(alpha)
    return Facts(
        Interval(-level, level, low_open=True, high_open=True),
        Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        (-level, level),
    )


def _isru(x: torch.Tensor, alpha: float) -> torch.Tensor:
    # For |x| > 1 use sign(x) / sqrt(alpha + (1/x)^2): no overflow of x^2, and exact at ±inf
    # (value ±1/sqrt(alpha), gradient 0), where x / sqrt(1 + alpha x^2) would be inf / inf.
    return where_safe(
        x.abs() > 1.0,
        x,
        lambda t: torch.sign(t) / torch.sqrt(alpha + torch.reciprocal(t).square()),
        lambda t: t / torch.sqrt(1.0 + alpha * t * t),
    )


def _isru_ref(x: np.ndarray, alpha: float) -> np.ndarray:
    with np.errstate(over="ignore"):
        return x / np.sqrt(1.0 + alpha * x * x)


def _isru_ref_d1(x: np.ndarray, alpha: float) -> np.ndarray:
    with np.errstate(over="ignore"):
        return (1.0 + alpha * x * x) ** -1.5


register(
    ActivationSpec(
        name="isru",
        class_name="ISRU",
        family="saturating",
        summary="Inverse square root unit: x / sqrt(1 + alpha x^2), a tanh-like squash to "
        "(-1/sqrt(alpha), 1/sqrt(alpha)) using only a reciprocal square root.",
        fn=_isru,
        ref=_isru_ref,
        ref_d1=_isru_ref_d1,
        params=(
            Param(
                "alpha", 1.0, POSITIVE, doc="Sets the saturation levels ±1/sqrt(alpha) (alpha > 0)."
            ),
        ),
        formula=r"\frac{x}{\sqrt{1 + \alpha x^2}}",
        formula_d1=r"(1 + \alpha x^2)^{-3/2}",
        output_range=Interval(-1.0, 1.0, low_open=True, high_open=True),
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        limits=(-1.0, 1.0),
        paper="Carlile, Delamarter, Kinney, Marti & Whitney, 'Improving Deep Learning by Inverse "
        "Square Root Linear Units (ISRLUs)', arXiv:1710.09967, 2017",
        checked="Survey arXiv:2402.09092 §3.8.10 prose (text copy without equations): ISRU "
        "replaces sigmoidal AFs, a fixed hyperparameter a sets the saturation values - matches "
        "the ±1/sqrt(alpha) limits; Carlile et al.'s text (arXiv:1710.09967) not read.",
        test_params=({"alpha": 0.25}, {"alpha": 4.0}),
        facts=lambda p: _isru_facts(p["alpha"]),
        notes="Range and limits are ±1/sqrt(alpha); ±1 at the default alpha = 1. ISRLU (the "
        "exponential family's isrlu) is this for x < 0 and the identity for x >= 0.",
    )
)

register(
    ActivationSpec(
        name="arctan",
        aliases=("atan",),
        family="saturating",
        summary="Arctangent: a squash to (-pi/2, pi/2) whose tails approach the bounds only as 1/x.",
        fn=torch.atan,
        native="torch.atan",
        ref=np.arctan,
        ref_d1=lambda x: 1.0 / (1.0 + x * x),
        formula=r"\arctan x",
        formula_d1=r"\frac{1}{1 + x^2}",
        output_range=Interval(-math.pi / 2, math.pi / 2, low_open=True, high_open=True),
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        limits=(-math.pi / 2, math.pi / 2),
        paper="Sivri, Akman & Berkol, 'Multiclass Classification Using Arctangent Activation "
        "Function and Its Variations', ECAI 2022",
        checked="Survey arXiv:2402.09092 §3.2.4 prose (text copy without equations): arctan with "
        "range (-pi/2, pi/2), compared with tanh, ReLU, LReLU, sigmoid and swish, used twenty "
        "years earlier - matches; the citation's venue is confirmed by the reference list of the "
        "authors' 2025 IJET paper (dergipark).",
        notes="Used as an activation long before the paper cited (Kunc & Kléma 2024, §3.2.4 note "
        "an earlier use); that paper compares it and scaled variants with tanh, ReLU and swish.",
    )
)
