"""The exponential family: identity for x > 0, a saturating exponential-like curve below."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from actlab.catalog.entries import _ref as R
from actlab.catalog.entries._torch import hypot, where_safe
from actlab.catalog.registry import register
from actlab.catalog.spec import (
    INF,
    NONNEGATIVE,
    POSITIVE,
    ActivationSpec,
    Facts,
    Interval,
    Param,
    Properties,
)

# Klambauer et al. (2017), to the precision they published (also PyTorch's constants).
# They make (mean 0, variance 1) an attracting fixed point of a SELU layer's moment map.
SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717

ELU_PAPER = (
    "Clevert, Unterthiner & Hochreiter, 'Fast and Accurate Deep Network Learning by "
    "Exponential Linear Units (ELUs)', ICLR 2016"
)


def _neg(x: np.ndarray) -> np.ndarray:
    """x clipped to x <= 0, so exp() of the branch np.where discards cannot overflow."""
    return np.minimum(x, 0.0)


def _elu_facts(alpha: float) -> Facts:
    """Saturates at -alpha (alpha = 0: ReLU); C^1 only for alpha = 1, where the slopes meet."""
    if alpha == 0.0:
        return Facts(NONNEGATIVE, Properties(True, 0, False), (0.0, INF), (0.0,), {0.0: 0.0})
    return Facts(
        Interval(-alpha, INF, low_open=True),
        Properties(monotonic=True, smoothness=1 if alpha == 1.0 else 0, zero_centred=True),
        (-alpha, INF),
        (0.0,),
        {0.0: alpha},
    )


def _saturating_facts(floor: float, smoothness: int) -> Facts:
    """Identity above 0 and a curve saturating at `floor` < 0 below, meeting with slope 1."""
    return Facts(
        Interval(floor, INF, low_open=True),
        Properties(monotonic=True, smoothness=smoothness, zero_centred=True),
        (floor, INF),
        (0.0,),
        {0.0: 1.0},
    )


register(
    ActivationSpec(
        name="elu",
        family="exponential",
        summary="Exponential linear unit: identity for x > 0, alpha*(e^x - 1) below; negative "
        "outputs push mean activations towards zero.",
        fn=lambda x, alpha: F.elu(x, alpha),
        native="torch.nn.functional.elu",
        ref=lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(_neg(x))),
        ref_d1=lambda x, alpha: np.where(x > 0, 1.0, alpha * np.exp(_neg(x))),
        params=(
            Param(
                "alpha",
                1.0,
                Interval(0.0, INF),
                doc="Saturation value -alpha for x -> -inf (alpha = 0 is ReLU).",
            ),
        ),
        formula=r"\begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}",
        output_range=Interval(-1.0, INF, low_open=True),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-1.0, INF),
        paper=ELU_PAPER,
        checked="Clevert et al. not retrievable here; Keras's ELU docs (citing Clevert et al. "
        "2016, via the search tool) give alpha (exp(x) - 1) below 0 and x above, a = 1 in the "
        "paper per survey §3.6.48 (whose Eq. (151) writes the scale as 1/a): matches.",
        facts=lambda p: _elu_facts(p["alpha"]),
        notes="C^1 only for alpha = 1 (f'' jumps from 1 to 0 at 0); any other alpha leaves a kink "
        "in f' (f'(0) = alpha by PyTorch's convention); alpha = 0 is ReLU.",
        test_params=({"alpha": 0.5}, {"alpha": 2.0}, {"alpha": 0.0}),
    )
)

register(
    ActivationSpec(
        name="selu",
        family="exponential",
        summary="Scaled ELU: lambda*elu(x, alpha) with constants that make mean 0 / variance 1 an "
        "attracting fixed point, so deep MLPs self-normalise (use LeCun-normal init).",
        fn=F.selu,
        native="torch.nn.functional.selu",
        ref=lambda x: SELU_LAMBDA * np.where(x > 0, x, SELU_ALPHA * np.expm1(_neg(x))),
        ref_d1=lambda x: SELU_LAMBDA * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(_neg(x))),
        formula=r"\lambda \begin{cases} x & x > 0 \\ \alpha (e^{x} - 1) & x \le 0 \end{cases},"
        r"\; \lambda \approx 1.0507,\ \alpha \approx 1.6733",
        formula_d1=r"\lambda \begin{cases} 1 & x > 0 \\ \alpha e^{x} & x \le 0 \end{cases}",
        output_range=Interval(-SELU_LAMBDA * SELU_ALPHA, INF, low_open=True),
        properties=Properties(
            monotonic=True, smoothness=0, zero_centred=True, self_normalising=True
        ),
        kinks=(0.0,),
        kink_derivative={0.0: SELU_LAMBDA * SELU_ALPHA},
        limits=(-SELU_LAMBDA * SELU_ALPHA, INF),
        paper="Klambauer, Unterthiner, Mayr & Hochreiter, 'Self-Normalizing Neural Networks', "
        "NeurIPS 2017",
        checked="Klambauer et al. not retrievable here; survey §3.7.11 (text copy) gives lambda ≈ "
        "1.0507 (printed 1.05078) and alpha ≈ 1.6733, and MXNet's and e3x's docs (via the search "
        "tool) give the full constants used here: matches.",
        notes=f"lambda = {SELU_LAMBDA!r}, alpha = {SELU_ALPHA!r} (actlab.catalog.entries."
        "exponential.SELU_LAMBDA / SELU_ALPHA). f' jumps from lambda*alpha ~ 1.758 to "
        "lambda at 0. Self-normalisation assumes zero-mean weights with variance 1/fan_in; "
        "dropout must be AlphaDropout.",
    )
)

register(
    ActivationSpec(
        name="celu",
        family="exponential",
        summary="Continuously differentiable ELU: alpha*(e^(x/alpha) - 1) below 0, so f' is "
        "continuous for every alpha (ELU's is only for alpha = 1).",
        fn=lambda x, alpha: F.celu(x, alpha),
        native="torch.nn.functional.celu",
        ref=lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(_neg(x) / alpha)),
        ref_d1=lambda x, alpha: np.where(x > 0, 1.0, np.exp(_neg(x) / alpha)),
        params=(Param("alpha", 1.0, POSITIVE, doc="Saturation value -alpha and the scale of x."),),
        formula=r"\begin{cases} x & x > 0 \\ \alpha (e^{x/\alpha} - 1) & x \le 0 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x > 0 \\ e^{x/\alpha} & x \le 0 \end{cases}",
        output_range=Interval(-1.0, INF, low_open=True),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-1.0, INF),
        paper="Barron, 'Continuously Differentiable Exponential Linear Units', arXiv:1704.07483, 2017",
        checked="Barron's text on ar5iv (via the search tool) introduces CELU as Eq. (3), ELU "
        "changed so f'(0) = 1 for every alpha and equal to ELU at alpha = 1, and paperswithcode's "
        "CELU page gives max(0, x) + min(0, alpha (exp(x/alpha) - 1)): matches.",
        facts=lambda p: _saturating_facts(-p["alpha"], smoothness=1),
        notes="f'' jumps from 1/alpha to 0 at 0, so CELU is C^1 but not C^2.",
        test_params=({"alpha": 0.5}, {"alpha": 2.0}),
    )
)


def _isrlu(x: torch.Tensor, alpha: float) -> torch.Tensor:
    # x / sqrt(1 + alpha x^2) = (y / hypot(1, y)) / sqrt(alpha) with y = sqrt(alpha) x: hypot
    # does not overflow for huge |x|, and clamping y at -finfo.max turns -inf into a finite
    # input whose value is exactly the limit -1/sqrt(alpha) (instead of -inf/inf = NaN).
    root = alpha**0.5
    y = (root * x).clamp(-torch.finfo(x.dtype).max, 0.0)
    return torch.where(x >= 0, x, y / hypot(y, 1.0) / root)


def _isrlu_ref(x: np.ndarray, alpha: float) -> np.ndarray:
    # Beyond |x| = 1e100, alpha x^2 would overflow; there f equals its limit to the last bit.
    small = np.minimum(np.abs(x), 1e100)
    below = np.where(
        np.abs(x) < 1e100, x / np.sqrt(1.0 + alpha * small * small), -1 / np.sqrt(alpha)
    )
    return np.where(x >= 0, x, below)


def _isrlu_ref_d1(x: np.ndarray, alpha: float) -> np.ndarray:
    small = np.minimum(np.abs(x), 1e100)
    return np.where(x >= 0, 1.0, (1.0 + alpha * small * small) ** -1.5)


register(
    ActivationSpec(
        name="isrlu",
        class_name="ISRLU",
        family="exponential",
        summary="Inverse square root linear unit: ELU-like saturation to -1/sqrt(alpha) from "
        "x/sqrt(1 + alpha x^2), cheaper than exp on some hardware, and C^2.",
        fn=_isrlu,
        ref=_isrlu_ref,
        ref_d1=_isrlu_ref_d1,
        params=(
            Param("alpha", 1.0, POSITIVE, doc="Saturation value -1/sqrt(alpha) for x -> -inf."),
        ),
        formula=r"\begin{cases} x & x \ge 0 \\ \dfrac{x}{\sqrt{1 + \alpha x^2}} & x < 0 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x \ge 0 \\ \left(\dfrac{1}{\sqrt{1 + \alpha x^2}}\right)^{3}"
        r" & x < 0 \end{cases}",
        output_range=Interval(-1.0, INF, low_open=True),
        properties=Properties(monotonic=True, smoothness=2, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-1.0, INF),
        paper="Carlile, Delamarter, Kinney, Marti & Whitney, 'Improving Deep Learning by Inverse "
        "Square Root Linear Units (ISRLUs)', arXiv:1710.09967, 2017",
        checked="Carlile et al.'s text not retrievable here (abstract only); Wikipedia's "
        "comparison table (gabormelli.com copy, via the search tool) and a public PyTorch "
        "transcription of the survey's Section 3 equations (GitHub, read via the search tool) give "
        "x/sqrt(1 + alpha x^2) below 0, f' = (1 + alpha x^2)^(-3/2), a = 1 and 3 analysed "
        "(§3.8.9): matches.",
        facts=lambda p: _saturating_facts(-1.0 / p["alpha"] ** 0.5, smoothness=2),
        notes="f' and f'' are continuous at 0 (f''(0) = 0 on both sides); f''' jumps from "
        "-3 alpha to 0.",
        test_params=({"alpha": 3.0}, {"alpha": 0.25}),
    )
)


def _elish(x: torch.Tensor) -> torch.Tensor:
    # x*sigmoid(x) with the gate's input clamped finite: at x = +inf the backward pass would
    # form inf * sigmoid'(inf) = inf * 0 = NaN, which clamp's backward masks (F.silu's
    # gradient is NaN there).
    big = torch.finfo(x.dtype).max
    return where_safe(
        x >= 0,
        x,
        lambda p: p * torch.sigmoid(p.clamp(max=big)),
        lambda n: torch.expm1(n) * torch.sigmoid(n),
    )


def _elish_ref(x: np.ndarray) -> np.ndarray:
    return np.where(x >= 0, x, np.expm1(_neg(x))) * R.sigmoid(x)


def _elish_ref_d1(x: np.ndarray) -> np.ndarray:
    s, ds = R.sigmoid(x), R.sigmoid_d1(x)
    return np.where(x >= 0, s + x * ds, np.exp(_neg(x)) * s + np.expm1(_neg(x)) * ds)


register(
    ActivationSpec(
        name="elish",
        class_name="ELiSH",
        family="exponential",
        summary="Exponential linear squashing: SiLU for x >= 0, (e^x - 1)*sigmoid(x) below; found "
        "by a genetic search over activations.",
        fn=_elish,
        ref=_elish_ref,
        ref_d1=_elish_ref_d1,
        formula=r"\begin{cases} x\,\sigma(x) & x \ge 0 \\ (e^{x} - 1)\,\sigma(x) & x < 0 \end{cases}",
        formula_d1=r"\begin{cases} \sigma(x) + x\,\sigma(x)(1 - \sigma(x)) & x \ge 0 \\ "
        r"e^{x} \sigma(x) + (e^{x} - 1)\,\sigma(x)(1 - \sigma(x)) & x < 0 \end{cases}",
        # Minimum at x = ln(sqrt(2) - 1), where f = -(sqrt(2) - 1)^2 = -(3 - 2 sqrt(2)).
        output_range=Interval(-(3.0 - 2.0 * 2.0**0.5), INF),
        properties=Properties(monotonic=False, smoothness=1, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 0.5},
        limits=(0.0, INF),
        paper="Basirat & Roth, 'The Quest for the Golden Activation Function', arXiv:1808.00783, 2018",
        checked="paperswithcode's ELiSH transcription (aicurious.io copy, via the search tool): "
        "x/(1 + e^-x) for x >= 0 and (e^x - 1)/(1 + e^-x) for x < 0: matches; survey §3.7.17 "
        "agrees in words.",
        notes="f'(0) = 1/2 from both sides, but f'' jumps from 1 (left) to 1/2 (right), so ELiSH "
        "is C^1. Its minimum -(3 - 2 sqrt 2) ~ -0.171573 is at x = ln(sqrt 2 - 1) ~ -0.881374.",
    )
)
