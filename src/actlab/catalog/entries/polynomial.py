"""Polynomial units and other near-linear curves from the survey (Kunc & Kléma 2024): the cube,
the shifted quadratic and non-monotonic cubic units, two search-found curves on -x, the
symmetric logarithm, the softplus shifted through 0, square-based rectifiers and the smooth ReLU.

Polynomials grow without bound: at ±1e4 they stay finite in float64 (x^3 = 1e12), and integer
tensors are promoted to float before they are raised to a power (254^2 wraps in uint8).
"""

from __future__ import annotations

import math

import torch

from actlab.catalog.edges import as_floating
from actlab.catalog.entries._torch import finite, softplus, where_safe
from actlab.catalog.registry import register
from actlab.catalog.spec import (
    INF,
    POSITIVE,
    REALS,
    SMOOTH,
    ActivationSpec,
    Facts,
    Interval,
    Param,
    Properties,
)

NAN = float("nan")
LN2 = math.log(2.0)
NOEL_2021 = (
    "Noel, Bharadwaj, Muthiah-Nakarajan, Dutta & Amali, 'Biologically Inspired Oscillating "
    "Activation Functions Can Bridge the Performance Gap between Biological and Artificial "
    "Neurons', arXiv:2111.04020, 2021"
)
RAMACHANDRAN = (
    "Ramachandran, Zoph & Le, 'Searching for Activation Functions', arXiv:1710.05941, 2017"
)

register(
    ActivationSpec(
        name="cube",
        family="polynomial",
        summary="Cube: x^3, the activation of Chen & Manning's neural dependency parser, which "
        "models products of three input features directly.",
        fn=lambda x: finite(x, lambda t: t * t * t, -INF, INF, INF, INF),
        sym="x**3",
        formula=r"x^3",
        formula_d1=r"3 x^2",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        limits=(-INF, INF),
        paper="Chen & Manning, 'A Fast and Accurate Dependency Parser using Neural Networks', "
        "EMNLP 2014",
        checked="A summary of the EMNLP 2014 paper (study.space, via the search tool): the cube "
        "activation g(x) = x^3, modelling products of three inputs: match",
        notes="f'(0) = 0. The survey's Triple is a x^3 (Kunc & Kléma 2024, §3.43).",
    )
)

register(
    ActivationSpec(
        name="squ",
        class_name="SQU",
        aliases=("shifted_quadratic_unit",),
        family="polynomial",
        summary="Shifted quadratic unit: x^2 + x, a non-monotonic parabola through 0 with two "
        "zeros, so one unit can separate XOR.",
        fn=lambda x: finite(x, lambda t: t * t + t, INF, INF, -INF, INF),
        sym="x**2 + x",
        formula=r"x^2 + x",
        formula_d1=r"2x + 1",
        output_range=Interval(-0.25, INF),
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=True),
        limits=(INF, INF),
        paper=NOEL_2021,
        checked="arXiv:2111.04020 abstract and summary (ar5iv, sciencestack) name the Shifted "
        "Quadratic Unit; its formula x^2 + x was not in the excerpt read",
        notes="Minimum -1/4 at x = -1/2. Kunc & Kléma 2024, §3.44.",
    )
)

register(
    ActivationSpec(
        name="ncu",
        class_name="NCU",
        aliases=("non_monotonic_cubic_unit",),
        family="polynomial",
        summary="Non-monotonic cubic unit: x - x^3, identity-like near 0 with zeros at ±1 and "
        "opposite growth beyond.",
        fn=lambda x: finite(x, lambda t: t - t * t * t, INF, -INF, -INF, -INF),
        sym="x - x**3",
        formula=r"x - x^3",
        formula_d1=r"1 - 3x^2",
        output_range=REALS,
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=True),
        limits=(INF, -INF),
        paper=NOEL_2021,
        checked="arXiv:2111.04020 abstract and summary (ar5iv, sciencestack) name the "
        "Non-Monotonic Cubic Unit; its formula was not in the excerpt read, but the "
        "torch_activation package's NCU (via the code search) is z - z^3: consistent",
        notes="Kunc & Kléma 2024, §3.42.",
    )
)

register(
    ActivationSpec(
        name="cosid",
        family="linear",
        summary="Cosid: cos(x) - x, found by Ramachandran et al.'s search: the line -x with a "
        "unit-amplitude cosine ripple (it is non-increasing).",
        fn=lambda x: finite(x, lambda t: torch.cos(t) - t, INF, -INF, NAN, NAN),
        sym="cos(x) - x",
        formula=r"\cos x - x",
        formula_d1=r"-\sin x - 1",
        output_range=REALS,
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=False),
        limits=(INF, -INF),
        paper=RAMACHANDRAN,
        checked="arXiv:1710.05941 abstract only (arxiv-vanity via the search tool); cos(x) - x, "
        "from the paper's list of functions found by the search, was not in the excerpt "
        "read",
        notes="f' = -(1 + sin x) <= 0: decreasing, with f' = 0 at x = -pi/2 + 2k pi. f' has no "
        "limit at ±inf (nan there). Kunc & Kléma 2024, §3.31.",
    )
)

register(
    ActivationSpec(
        name="arctid",
        family="linear",
        summary="Arctid: arctan(x)^2 - x, found by Ramachandran et al.'s search: the line -x "
        "bent by a bounded arctan term (decreasing everywhere).",
        fn=lambda x: finite(x, lambda t: torch.atan(t) ** 2 - t, INF, -INF, -1.0, -1.0),
        sym="atan(x)**2 - x",
        formula=r"\arctan^2 x - x",
        formula_d1=r"\frac{2 \arctan x}{1 + x^2} - 1",
        output_range=REALS,
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=True),
        limits=(INF, -INF),
        paper=RAMACHANDRAN,
        checked="arXiv:1710.05941 abstract only (arxiv-vanity via the search tool); arctan(x)^2 - "
        "x, from the paper's list of functions found by the search, was not in the excerpt "
        "read",
        notes="2 arctan(x)/(1 + x^2) < 1 everywhere, so f is strictly decreasing. Kunc & Kléma "
        "2024, §3.28.",
    )
)

register(
    ActivationSpec(
        name="symlog",
        aliases=("laf", "logarithmic"),
        family="linear",
        summary="Symmetric logarithm: sign(x) ln(1 + |x|), the identity near 0 that compresses "
        "large magnitudes of either sign logarithmically.",
        fn=lambda x: finite(
            x,
            lambda t: where_safe(t >= 0, t, torch.log1p, lambda n: -torch.log1p(-n)),
            -INF,
            INF,
        ),
        sym="Piecewise((log1p(x), x >= 0), (-log1p(-x), True))",
        formula=r"\operatorname{sign}(x) \ln(1 + |x|)",
        formula_d1=r"\frac{1}{1 + |x|}",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=1, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-INF, INF),
        paper="Hafner, Pasukonis, Ba & Lillicrap, 'Mastering Diverse Domains through World "
        "Models', arXiv:2301.04104, 2023",
        checked="arXiv:2301.04104 text not read; torchrl's symlog docs citing it (via the search "
        "tool): sign(x) ln(|x| + 1): match",
        notes="The survey's logarithmic activation function (LAF), proposed independently as "
        "symlog (Kunc & Kléma 2024, §3.13). C^1: f'' jumps from 1 to -1 at 0; it grows like "
        "ln x, so it is unbounded but passes 100 only near x = e^100.",
    )
)


def shifted_softplus(u: torch.Tensor) -> torch.Tensor:
    """softplus(u) - ln 2 without cancellation near 0: log1p(expm1(u)/2) up to u = 1, where
    the difference of two numbers near ln 2 would lose the small result."""
    small = torch.log1p(0.5 * torch.expm1(u.clamp(max=1.0)))
    return torch.where(u <= 1.0, small, softplus(u) - LN2)


SSP_SYM = "Piecewise((log1p(expm1({u})/2), {u} <= 1), (softplus({u}) - log(2), True))"

register(
    ActivationSpec(
        name="shifted_softplus",
        aliases=("ssp",),
        family="relu-like",
        summary="Shifted softplus: softplus(x) - ln 2, softplus moved down so f(0) = 0 (SchNet's "
        "smooth, zero-centred rectifier).",
        fn=lambda x: finite(x, shifted_softplus, -LN2, INF, 0.0, 1.0),
        sym=SSP_SYM.format(u="x"),
        formula=r"\ln(1 + e^{x}) - \ln 2",
        formula_d1=r"\sigma(x)",
        output_range=Interval(-LN2, INF, low_open=True),
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        limits=(-LN2, INF),
        paper="Schütt, Kindermans, Sauceda, Chmiela, Tkatchenko & Müller, 'SchNet: A "
        "continuous-filter convolutional neural network for modeling quantum interactions', "
        "NeurIPS 2017",
        checked="SchNet's activation as quoted in a figure caption of a later paper (PMC8317659, "
        "via the search tool): ssp(x) = ln(0.5 e^x + 0.5) = ln(1 + e^x) - ln 2: match; the "
        "NeurIPS 2017 text itself was not read",
        notes="Computed as log1p(expm1(x)/2) for x <= 1, which keeps the relative accuracy of "
        "small outputs (f(1e-8) = 5e-9). Kunc & Kléma 2024, §3.18 (a parametric softplus with "
        "a = 1, b = ln 2).",
    )
)

register(
    ActivationSpec(
        name="soft_plus_plus",
        aliases=("softpp",),
        class_name="SoftPlusPlus",
        family="relu-like",
        summary="Soft++: ln(1 + e^(ax)) + x/b - ln 2, a shifted softplus with a linear term: "
        "never saturating, slope 1/b on the left and a + 1/b on the right.",
        fn=lambda x, a, b: finite(
            x, lambda t: shifted_softplus(a * t) + t / b, -INF, INF, 1.0 / b, a + 1.0 / b
        ),
        sym=SSP_SYM.format(u="(a*x)") + " + x/b",
        params=(
            Param("a", 1.0, POSITIVE, doc="Sharpness of the softplus."),
            Param("b", 2.0, POSITIVE, doc="The linear term is x/b."),
        ),
        formula=r"\ln(1 + e^{a x}) + \frac{x}{b} - \ln 2",
        formula_d1=r"a \sigma(a x) + \frac{1}{b}",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        limits=(-INF, INF),
        test_params=({"a": 3.0, "b": 0.5},),
        paper="Ciuparu, Nagy-Dăbâcan & Mureşan, 'Soft++, a multi-parametric non-saturating "
        "non-linearity that improves convergence in deep neural architectures', "
        "Neurocomputing 384:376-388, 2020",
        checked="Neurocomputing abstract (doi:10.1016/j.neucom.2019.12.014, via the search tool): "
        "Soft++ extends PReLU and Softplus, parametrising the exponent and the "
        "negative-domain slope, consistent with ln(1 + e^(ax)) + x/b - ln 2; the equation "
        "and a = 1, b = 2 were not read",
        notes="a = 1, b = 2 worked well in the paper. Kunc & Kléma 2024, §3.18.1.",
    )
)


def _square_swish(t: torch.Tensor, right: float) -> torch.Tensor:
    """x + right x^2 for x > 0, x + x^2/2 on [-2, 0], 0 below (NaN takes the first branch)."""
    return torch.where(~(t <= 0), t + right * t * t, torch.where(t >= -2.0, t + 0.5 * t * t, 0.0))


WURAOLA_2021 = (
    "Wuraola, Patel & Nguang, 'Efficient activation functions for embedded inference engines', "
    "Neurocomputing 442:73-88, 2021"
)
SQUARE_DIP = Properties(monotonic=False, smoothness=0, zero_centred=True)

register(
    ActivationSpec(
        name="squish",
        family="relu-like",
        summary="Square swish: x + x^2/32 for x > 0, x + x^2/2 on [-2, 0], 0 below; a swish-like "
        "dip to -1/2 made of squares, no exp.",
        fn=lambda x: finite(x, lambda t: _square_swish(t, 1.0 / 32.0), 0.0, INF, 0.0, INF),
        sym="Piecewise((x + x**2/32, x > 0), (x + x**2/2, x >= -2), (0, True))",
        formula=r"\begin{cases} x + x^2/32 & x > 0 \\ x + x^2/2 & -2 \le x \le 0 \\ 0 & x < -2 "
        r"\end{cases}",
        formula_d1=r"\begin{cases} 1 + x/16 & x > 0 \\ 1 + x & -2 \le x \le 0 \\ 0 & x < -2 "
        r"\end{cases}",
        output_range=Interval(-0.5, INF),
        properties=SQUARE_DIP,
        kinks=(-2.0, 0.0),
        kink_derivative={-2.0: -1.0, 0.0: 1.0},
        limits=(0.0, INF),
        paper=WURAOLA_2021,
        checked="Neurocomputing 442 abstract (doi:10.1016/j.neucom.2021.02.030) and the authors' "
        "summary arXiv:2109.12686 say only that the functions are quadratic; the branches "
        "here are not checked against the paper",
        notes="As the survey prints it (Kunc & Kléma 2024, §3.8.3): f' jumps from 0 to -1 at -2; "
        "at 0 only f'' jumps (from 1 to 1/16). Minimum -1/2 at x = -1.",
    )
)

register(
    ActivationSpec(
        name="sqreu",
        class_name="SqREU",
        family="relu-like",
        summary="Square REU: x for x > 0, x + x^2/2 on [-2, 0], 0 below; the squish with a linear "
        "right side (ReLU plus a square dip).",
        fn=lambda x: finite(x, lambda t: _square_swish(t, 0.0), 0.0, INF, 0.0, 1.0),
        sym="Piecewise((x, x > 0), (x + x**2/2, x >= -2), (0, True))",
        formula=r"\begin{cases} x & x > 0 \\ x + x^2/2 & -2 \le x \le 0 \\ 0 & x < -2 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x > 0 \\ 1 + x & -2 \le x \le 0 \\ 0 & x < -2 \end{cases}",
        output_range=Interval(-0.5, INF),
        properties=SQUARE_DIP,
        kinks=(-2.0, 0.0),
        kink_derivative={-2.0: -1.0, 0.0: 1.0},
        limits=(0.0, INF),
        paper=WURAOLA_2021,
        checked="Neurocomputing 442 abstract (doi:10.1016/j.neucom.2021.02.030) and the authors' "
        "summary arXiv:2109.12686 say only that the functions are quadratic; the branches "
        "here are not checked against the paper",
        notes="Kunc & Kléma 2024, §3.8.4.",
    )
)


def _smelu(x: torch.Tensor, beta: float) -> torch.Tensor:
    x = as_floating(x)
    t = x.clamp(-beta, beta)  # the clamp makes the square's gradient 0 below -beta
    return torch.where(x >= beta, x, (t + beta) ** 2 / (4.0 * beta))


register(
    ActivationSpec(
        name="smelu",
        class_name="SmeLU",
        aliases=("smooth_relu",),
        family="relu-like",
        summary="Smooth ReLU: 0 below -beta, x above beta and the quadratic (x + beta)^2/(4 beta) "
        "between, a C^1 ReLU that helps reproducibility of training.",
        fn=_smelu,
        sym="Piecewise((0, x <= -beta), (x, x >= beta), ((x + beta)**2/(4*beta), True))",
        params=(Param("beta", 1.0, POSITIVE, doc="Half-width of the quadratic piece."),),
        formula=r"\begin{cases} 0 & x \le -\beta \\ \frac{(x + \beta)^2}{4 \beta} & |x| < \beta "
        r"\\ x & x \ge \beta \end{cases}",
        formula_d1=r"\begin{cases} 0 & x \le -\beta \\ \frac{x + \beta}{2 \beta} & |x| < \beta "
        r"\\ 1 & x \ge \beta \end{cases}",
        output_range=Interval(0.0, INF),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=False),
        kinks=(-1.0, 1.0),
        kink_derivative={-1.0: 0.0, 1.0: 1.0},
        limits=(0.0, INF),
        facts=lambda p: Facts(
            Interval(0.0, INF),
            Properties(True, 1, False),
            (0.0, INF),
            (-p["beta"], p["beta"]),
            {-p["beta"]: 0.0, p["beta"]: 1.0},
        ),
        test_params=({"beta": 0.25},),
        paper="Shamir, Lin & Coviello, 'Smooth activations and reproducibility in deep "
        "networks', arXiv:2010.09931, 2020",
        checked="arXiv:2010.09931 abstract (ar5iv via the search tool): SmeLU is monotonic, mimics "
        "ReLU and has continuous gradients; the equation was not in the excerpt read, but "
        "xformers' SmeLU (via find_string) is 0, (x + beta)^2/(4 beta), x on the same three "
        "pieces: match",
        notes="C^1: f'' jumps to 1/(2 beta) at -beta and back to 0 at beta.",
    )
)


register(
    ActivationSpec(
        name="square",
        family="polynomial",
        summary="Square: x^2, the lowest-degree polynomial activation, usable under homomorphic "
        "encryption (CryptoNets).",
        fn=lambda x: finite(x, lambda t: t * t, INF, INF, -INF, INF),
        sym="x**2",
        formula=r"x^2",
        formula_d1=r"2 x",
        output_range=Interval(0.0, INF),
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=False),
        limits=(INF, INF),
        paper="Gilad-Bachrach, Dowlin, Laine, Lauter, Naehrig & Wernsing, 'CryptoNets: Applying "
        "Neural Networks to Encrypted Data with High Throughput and Accuracy', ICML 2016",
        checked="CryptoNets text not retrievable here; later encrypted-inference papers (Thaine et "
        "al.; arXiv:2508.11575, via the search tool) describe x^2 as the square activation "
        "used there: consistent",
        notes="Even: f(-x) = f(x).",
    )
)
