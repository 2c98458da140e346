"""ELU-like units from the survey (Kunc & Kléma 2024, §3.6-3.8): the identity (or a scaled
line) for x >= 0 and a curve below that saturates or returns to 0; smooth or with a kink at 0.

Each negative branch is evaluated through `where_safe`, so its exponential never sees the large
positive inputs of the other side (and vice versa): no inf·0 in any backward pass.
"""

from __future__ import annotations

import math

import torch

from actlab.catalog.entries._torch import finite, hypot, softplus, where_safe
from actlab.catalog.registry import register
from actlab.catalog.spec import (
    INF,
    POSITIVE,
    ActivationSpec,
    Facts,
    Interval,
    Param,
    Properties,
)

LN2 = math.log(2.0)
RAMACHANDRAN = (
    "Ramachandran, Zoph & Le, 'Searching for Activation Functions', arXiv:1710.05941, 2017"
)
KILICARSLAN_2021 = (
    "Kiliçarslan & Celik, 'RSigELU: A nonlinear activation function for deep neural networks', "
    "Expert Systems with Applications 174:114805, 2021"
)
WURAOLA_2021 = (
    "Wuraola, Patel & Nguang, 'Efficient activation functions for embedded inference engines', "
    "Neurocomputing 442:73-88, 2021"
)


def identity(t: torch.Tensor) -> torch.Tensor:
    return t


def _elu_like_facts(floor: float, smoothness: int, slope_below: float) -> Facts:
    """x for x >= 0, a curve rising from `floor` (at -inf) below, f'(0) = 1 from the right."""
    return Facts(
        Interval(floor, INF, low_open=True),
        Properties(monotonic=True, smoothness=smoothness, zero_centred=True),
        (floor, INF),
        (0.0,),
        {0.0: 1.0},
    )


register(
    ActivationSpec(
        name="slu",
        class_name="SLU",
        family="exponential",
        summary="Softplus linear unit: x for x >= 0 and 2 softplus(x) - 2 ln 2 below, an ELU-like "
        "unit whose slopes meet at 0.",
        fn=lambda x: finite(
            x,
            lambda t: where_safe(t >= 0, t, identity, lambda n: 2.0 * softplus(n) - 2.0 * LN2),
            -2.0 * LN2,
            INF,
            0.0,
            1.0,
        ),
        sym="Piecewise((x, x >= 0), (2*softplus(x) - 2*log(2), True))",
        formula=r"\begin{cases} x & x \ge 0 \\ 2 \ln(1 + e^{x}) - 2 \ln 2 & x < 0 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x \ge 0 \\ 2 \sigma(x) & x < 0 \end{cases}",
        output_range=Interval(-2.0 * LN2, INF, low_open=True),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-2.0 * LN2, INF),
        paper="Zhao, Liu, Li & Luo, 'A novel softplus linear unit for deep convolutional neural "
        "networks', Applied Intelligence 48(7):1707-1720, 2018",
        checked="Zhao et al. not retrievable here; survey §3.6.13 (text copy) gives a = 1, b = 2, "
        "c = 2 ln 2 for continuity and differentiability at 0, and a public PyTorch transcription "
        "of the survey's Section 3 equations (GitHub, read via the search tool) writes Eq. (107) "
        "as a x above 0 and b softplus(x) - c below: matches.",
        notes="The general form a x / b softplus(x) - c with the paper's a = 1, b = 2, "
        "c = 2 ln 2 (continuous and differentiable at 0; f'' jumps from 1/2 to 0). Kunc & "
        "Kléma 2024, §3.6.13.",
    )
)

register(
    ActivationSpec(
        name="reu",
        class_name="REU",
        family="exponential",
        summary="Rectified exponential unit: x for x >= 0 and x e^x below, a swish-like dip "
        "(minimum -1/e at x = -1) that returns to 0.",
        fn=lambda x: finite(
            x,
            lambda t: where_safe(t >= 0, t, identity, lambda n: n * torch.exp(n)),
            0.0,
            INF,
            0.0,
            1.0,
        ),
        sym="Piecewise((x, x >= 0), (x*exp(x), True))",
        formula=r"\begin{cases} x & x \ge 0 \\ x e^{x} & x < 0 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x \ge 0 \\ (1 + x) e^{x} & x < 0 \end{cases}",
        output_range=Interval(-1.0 / math.e, INF),
        properties=Properties(monotonic=False, smoothness=1, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(0.0, INF),
        paper="Ying, Su, Shan, Miao, Wang & Peng, 'Rectified Exponential Units for Convolutional "
        "Neural Networks', IEEE Access 7:101633-101640, 2019",
        checked="Ying et al.'s abstract (DOAJ record, via the search tool) and survey §3.6.49 "
        "describe an ELU- and swish-inspired unit, and a public PyTorch transcription of the "
        "survey's Section 3 equations (GitHub, read via the search tool) writes x e^x below 0: "
        "matches; the paper's own equation was not seen.",
        notes="C^1: f'' jumps from 2 to 0 at 0. Kunc & Kléma 2024, §3.6.49.",
    )
)

register(
    ActivationSpec(
        name="polylu",
        class_name="PolyLU",
        aliases=("fplus",),
        family="exponential",
        summary="Polynomial linear unit: x for x >= 0 and 1/(1 - x) - 1 below, an ELU whose "
        "negative side decays like 1/x instead of exponentially.",
        fn=lambda x: finite(
            x,
            lambda t: where_safe(t >= 0, t, identity, lambda n: n / (1.0 - n)),
            -1.0,
            INF,
            0.0,
            1.0,
        ),
        sym="Piecewise((x, x >= 0), (x/(1 - x), True))",
        formula=r"\begin{cases} x & x \ge 0 \\ \dfrac{1}{1 - x} - 1 & x < 0 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x \ge 0 \\ \dfrac{1}{(1 - x)^2} & x < 0 \end{cases}",
        output_range=Interval(-1.0, INF, low_open=True),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-1.0, INF),
        paper="Feng & Yang, 'PolyLU: A Simple and Robust Polynomial-Based Linear Unit Activation "
        "Function for Deep Learning', IEEE Access 11:101347-101358, 2023",
        checked="Feng & Yang's abstract (AMiner, via the search tool) lists the properties, survey "
        "§3.7.4 footnote 27 gives the FPLUS form (sgn(x) x + 1)^sgn(x) - 1, and a public PyTorch "
        "transcription of the survey's Section 3 equations (GitHub, read via the search tool) "
        "writes Eq. (161) as 1/(1 - x) - 1 below 0: matches.",
        notes="Proposed again as FPLUS, (sign(x) x + 1)^sign(x) - 1. C^1: f'' jumps from 2 to 0. "
        "Kunc & Kléma 2024, §3.7.4.",
    )
)


def _polu(t: torch.Tensor, a: float) -> torch.Tensor:
    # (1 - x)^-a - 1 = expm1(-a log1p(-x)) for x < 0: no cancellation near 0.
    return where_safe(t >= 0, t, identity, lambda n: torch.expm1(-a * torch.log1p(-n)))


register(
    ActivationSpec(
        name="polu",
        class_name="PoLU",
        family="exponential",
        summary="Power linear unit: x for x >= 0 and (1 - x)^-a - 1 below, saturating at -1 "
        "with a power-law tail; a = 1 is PolyLU.",
        fn=lambda x, a: finite(x, lambda t: _polu(t, a), -1.0, INF, 0.0, 1.0),
        sym="Piecewise((x, x >= 0), (expm1(-a*log1p(-x)), True))",
        params=(Param("a", 1.5, POSITIVE, doc="Power of the negative side (f'(0-) = a)."),),
        formula=r"\begin{cases} x & x \ge 0 \\ (1 - x)^{-a} - 1 & x < 0 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x \ge 0 \\ a (1 - x)^{-a - 1} & x < 0 \end{cases}",
        output_range=Interval(-1.0, INF, low_open=True),
        properties=Properties(monotonic=True, smoothness=0, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-1.0, INF),
        facts=lambda p: _elu_like_facts(-1.0, 1 if p["a"] == 1.0 else 0, p["a"]),
        test_params=({"a": 1.0}, {"a": 2.0}),
        paper="Li, Ding & Li, 'Training Neural Networks by Using Power Linear Units (PoLUs)', "
        "arXiv:1802.00212, 2018",
        checked="Li, Ding & Li not retrievable here (abstract only); survey §3.7.6 gives a in {1, "
        "1.5, 2} and a public PyTorch transcription of the survey's Section 3 equations (GitHub, "
        "read via the search tool) writes (1 - x)^-a - 1 below 0: matches.",
        notes="The paper tries a in {1, 1.5, 2}. f' jumps from a to 1 at 0 unless a = 1. Kunc & "
        "Kléma 2024, §3.7.6.",
    )
)


def _fpflu_negative(n: torch.Tensor) -> torch.Tensor:
    # x / (1 + x^2) as (x / h) / h with h = sqrt(1 + x^2) through hypot: 1 + x^2 itself would
    # overflow for |x| beyond sqrt(finfo.max) and lose the value (and its gradient) there.
    h = hypot(n, 1.0)
    return (n / h) / h


register(
    ActivationSpec(
        name="fpflu",
        class_name="FPFLU",
        family="exponential",
        summary="Faster PFLU: max(x, x/(1 + x^2)), x for x >= 0 and x/(1 + x^2) below; a "
        "non-monotonic dip on the negative side without PFLU's square root.",
        fn=lambda x: finite(
            x, lambda t: where_safe(t >= 0, t, identity, _fpflu_negative), 0.0, INF, 0.0, 1.0
        ),
        sym="Piecewise((x, x >= 0), (x/(1 + x**2), True))",
        formula=r"\max\left(x, \frac{x}{1 + x^2}\right) = \begin{cases} x & x \ge 0 \\ "
        r"\dfrac{x}{1 + x^2} & x < 0 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x \ge 0 \\ \dfrac{1 - x^2}{(1 + x^2)^2} & x < 0 \end{cases}",
        output_range=Interval(-0.5, INF),  # the minimum -1/2 at x = -1
        properties=Properties(monotonic=False, smoothness=2, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(0.0, INF),
        paper="Zhu, Min, Wang, Zou & Chen, 'PFLU and FPFLU: Two novel non-monotonic activation "
        "functions in convolutional neural networks', Neurocomputing 429:110-117, 2021",
        checked="Eq. (13) and (14), §3.3 of Zhu et al. (the authors' PDF in "
        "github.com/mengzhu0308/PFLU-FPFLU, text extracted here; their code agrees): max(x, x/(1 + "
        "x^2)) with f' = (1 - x^2)/(1 + x^2)^2 below 0; fixed (the entry had computed Eq. (12), "
        "IMPFLU).",
        notes="Eq. (13) of the paper, with f' its Eq. (14). x/(1 + x^2) = x - x^3 + ..., so f, f' "
        "and f'' are continuous at 0 and f''' jumps from -6 to 0: C^2. The paper's Eq. (12), "
        "x + x^2/sqrt(1 + x^2) below 0, is its slower IMPFLU, not FPFLU. Kunc & Kléma 2024, "
        "§3.7.8, Eq. (165) prints that IMPFLU form as FPFLU (as transcribed in a public "
        "implementation of the survey); this entry follows the paper.",
    )
)

SERLU_LAMBDA = 1.07862
SERLU_ALPHA = 2.90427

register(
    ActivationSpec(
        name="serlu",
        class_name="SERLU",
        family="exponential",
        summary="Scaled exponentially-regularised linear unit: lambda x for x >= 0 and "
        "lambda alpha x e^x below, a self-normalising unit whose negative side returns to 0.",
        fn=lambda x: finite(
            x,
            lambda t: (
                SERLU_LAMBDA
                * where_safe(t >= 0, t, identity, lambda n: SERLU_ALPHA * n * torch.exp(n))
            ),
            0.0,
            INF,
            0.0,
            SERLU_LAMBDA,
        ),
        sym=f"{SERLU_LAMBDA!r}*Piecewise((x, x >= 0), ({SERLU_ALPHA!r}*x*exp(x), True))",
        formula=r"\lambda \begin{cases} x & x \ge 0 \\ \alpha x e^{x} & x < 0 \end{cases},\; "
        r"\lambda = 1.07862,\ \alpha = 2.90427",
        formula_d1=r"\lambda \begin{cases} 1 & x \ge 0 \\ \alpha (1 + x) e^{x} & x < 0 \end{cases}",
        output_range=Interval(-SERLU_LAMBDA * SERLU_ALPHA / math.e, INF),
        properties=Properties(
            monotonic=False, smoothness=0, zero_centred=True, self_normalising=True
        ),
        kinks=(0.0,),
        kink_derivative={0.0: SERLU_LAMBDA},
        limits=(0.0, INF),
        paper="Zhang & Li, 'Effectiveness of Scaled Exponentially-Regularized Linear Units "
        "(SERLUs)', arXiv:1807.10117, 2018",
        checked="Zhang & Li not retrievable here (abstract only); paperswithcode's transcription "
        "(aicurious.io copy, via the search tool) gives lambda x for x >= 0 and lambda alpha x e^x "
        "below, and a public implementation uses 1.07862 and 2.90427: matches; the constants were "
        "not seen in the paper itself.",
        notes="Minimum -lambda alpha/e at x = -1. f' jumps from lambda alpha to lambda at 0. "
        "lambda and alpha (to the paper's 6 digits) make (0, 1) an attracting fixed point of the "
        "moment map, as for SELU: use LeCun-normal initialisation. "
        "Kunc & Kléma 2024, §3.7.13.",
    )
)


def _rsigelu(t: torch.Tensor, a: float, b: float) -> torch.Tensor:
    return torch.where(
        t > 1.0,
        t * torch.sigmoid(t) * a + t,
        where_safe(t >= 0, t, identity, lambda n: b * torch.expm1(n)),
    )


def _rsigelu_facts(a: float, b: float) -> Facts:
    # At x = 1 f steps up from 1 to 1 + a sigmoid(1); f'(0-) = b, f'(0+) = 1.
    return Facts(
        Interval(-b, INF, low_open=True),
        Properties(
            monotonic=True, smoothness=-1 if a > 0 else (1 if b == 1 else 0), zero_centred=True
        ),
        (-b, INF),
        (0.0, 1.0) if a > 0 else (0.0,),
        {0.0: 1.0, 1.0: 1.0} if a > 0 else {0.0: 1.0},
    )


register(
    ActivationSpec(
        name="rsigelu",
        class_name="RSigELU",
        family="exponential",
        summary="RSigELU: a x sigmoid(x) + x above 1, x on [0, 1] and a(e^x - 1) below 0; a "
        "ReLU-sigmoid-ELU hybrid whose upper part steps up at x = 1.",
        fn=lambda x, a: finite(x, lambda t: _rsigelu(t, a, a), -a, INF, 0.0, 1.0 + a),
        sym="Piecewise((x*sigmoid(x)*a + x, x > 1), (x, x >= 0), (a*expm1(x), True))",
        params=(
            Param(
                "a",
                0.5,
                Interval(0.0, 1.0, low_open=True, high_open=True),
                doc="Weight of the sigmoid term and of the negative part.",
            ),
        ),
        formula=r"\begin{cases} a x \sigma(x) + x & x > 1 \\ x & 0 \le x \le 1 \\ a (e^{x} - 1) "
        r"& x < 0 \end{cases}",
        formula_d1=r"\begin{cases} a \sigma(x) + a x \sigma(x)(1 - \sigma(x)) + 1 & x > 1 \\ 1 & "
        r"0 \le x \le 1 \\ a e^{x} & x < 0 \end{cases}",
        output_range=Interval(-0.5, INF, low_open=True),
        properties=Properties(monotonic=True, smoothness=-1, zero_centred=True),
        kinks=(0.0, 1.0),
        kink_derivative={0.0: 1.0, 1.0: 1.0},
        limits=(-0.5, INF),
        facts=lambda p: _rsigelu_facts(p["a"], p["a"]),
        test_params=({"a": 0.2},),
        paper=KILICARSLAN_2021,
        checked="Kiliçarslan & Celik not retrievable here; survey §3.7.15 (text copy) says 0 < a < "
        "1 and that a = 0 gives ReLU, which fits a x sigmoid(x) + x above 1 (a public PyTorch "
        "transcription of the survey's Section 3 equations (GitHub, read via the search tool) "
        "reads Eq. (176) with a as an exponent, which would not reduce to ReLU): kept as is.",
        notes="As published f is discontinuous at x = 1 (it jumps by a sigmoid(1)) and f' jumps "
        "from a to 1 at 0; the paper's single-parameter form RSigELUS. Kunc & Kléma 2024, "
        "§3.7.15, Eq. (176), whose printed middle condition cannot hold (0 >= x >= 1); it is "
        "read as 0 <= x <= 1, as the survey's remark that a = 0 gives ReLU requires.",
    )
)

register(
    ActivationSpec(
        name="rsigelud",
        class_name="RSigELUD",
        family="exponential",
        summary="RSigELUD: RSigELU with separate weights a (sigmoid term above 1) and b "
        "(negative part).",
        fn=lambda x, a, b: finite(x, lambda t: _rsigelu(t, a, b), -b, INF, 0.0, 1.0 + a),
        sym="Piecewise((x*sigmoid(x)*a + x, x > 1), (x, x >= 0), (b*expm1(x), True))",
        params=(
            Param("a", 0.5, Interval(0.0, 1.0, high_open=True), doc="Weight of the sigmoid term."),
            Param(
                "b",
                0.5,
                Interval(0.0, 1.0, low_open=True, high_open=True),
                doc="Weight of the negative part.",
            ),
        ),
        formula=r"\begin{cases} a x \sigma(x) + x & x > 1 \\ x & 0 \le x \le 1 \\ b (e^{x} - 1) "
        r"& x < 0 \end{cases}",
        formula_d1=r"\begin{cases} a \sigma(x) + a x \sigma(x)(1 - \sigma(x)) + 1 & x > 1 \\ 1 & "
        r"0 \le x \le 1 \\ b e^{x} & x < 0 \end{cases}",
        output_range=Interval(-0.5, INF, low_open=True),
        properties=Properties(monotonic=True, smoothness=-1, zero_centred=True),
        kinks=(0.0, 1.0),
        kink_derivative={0.0: 1.0, 1.0: 1.0},
        limits=(-0.5, INF),
        facts=lambda p: _rsigelu_facts(p["a"], p["b"]),
        test_params=({"a": 0.3, "b": 0.8}, {"a": 0.0, "b": 0.4}),
        paper=KILICARSLAN_2021,
        checked="Kiliçarslan & Celik not retrievable here; survey §3.7.19 (text copy): 0 < a, b < "
        "1, ReLU at a = b = 0 and ELU-like at a = 0, which fits a x sigmoid(x) + x above 1 and b "
        "(e^x - 1) below 0: consistent.",
        notes="a = 0 leaves an ELU-like unit (a kink at 0 only). Kunc & Kléma 2024, §3.7.19.",
    )
)
