"""The sigmoid family from the survey (Kunc & Kléma 2024, §3.1-3.2): squashing units built on
the logistic function, tanh and the normal CDF, and the step they all smooth (the Gumbel CDFs
and other link functions are in sigmoid_links.py).

References are derived from each entry's `sym` expression (actlab.catalog.symbolic); the torch
forms below are written for stability: extreme inputs are clamped where f has already reached
its limit to the last bit, so no exp() overflows into an inf·0 gradient.
"""

from __future__ import annotations

import math

import torch

from actlab.catalog.edges import as_floating
from actlab.catalog.entries._torch import finite, softplus, where_safe
from actlab.catalog.maths.channels import scalar_along
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

SIGMOID_SHAPE = Properties(monotonic=True, smoothness=SMOOTH, zero_centred=False)
ODD_SQUASH = Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True)
UNIT = Interval(0.0, 1.0, low_open=True, high_open=True)
GOMES_2011 = (
    "Gomes, Ludermir & Lima, 'Comparison of new activation functions in neural network for "
    "forecasting financial time series', Neural Computing and Applications 20(3):417-439, 2011"
)
DIM = Param(
    "dim",
    1,
    kind=int,
    doc="Input dimension the per-channel parameters run along (1 as nn.PReLU; -1 for "
    "channels-last). Unused when parameters are shared.",
)

register(
    ActivationSpec(
        name="binary_step",
        aliases=("heaviside", "step"),
        family="saturating",
        summary="Binary step: 1 for x >= 0, 0 below; the perceptron's unit. Its gradient is 0 "
        "everywhere, so it cannot be trained by backpropagation.",
        fn=lambda x: finite(x, lambda t: torch.where(t >= 0, 1.0, 0.0) + 0.0 * t, 0.0, 1.0),
        sym="Piecewise((1, x >= 0), (0, True))",
        formula=r"\begin{cases} 1 & x \ge 0 \\ 0 & x < 0 \end{cases}",
        formula_d1=r"0 \quad (x \ne 0)",
        output_range=Interval(0.0, 1.0),
        properties=Properties(monotonic=True, smoothness=-1, zero_centred=False),
        kinks=(0.0,),
        kink_derivative={0.0: 0.0},
        limits=(0.0, 1.0),
        paper="McCulloch & Pitts, 'A logical calculus of the ideas immanent in nervous activity', "
        "Bulletin of Mathematical Biophysics 5:115-133, 1943",
        checked="Survey arXiv:2402.09092 §3.1, prose of a text copy without its equations (read "
        "via the search tool): 1 for inputs >= 0, 0 for negative ones, derivative 0 away from the "
        "jump - matches; McCulloch & Pitts 1943 not retrievable here.",
        notes="The derivative is 0 away from 0 and undefined at the jump; autograd gives 0 "
        "everywhere (the convention). Kunc & Kléma 2024, §3.1.",
    )
)

register(
    ActivationSpec(
        name="probit",
        family="saturating",
        summary="Probit: the standard normal CDF Phi(x) used as a squashing unit, a sigmoid with "
        "Gaussian (faster) tails.",
        fn=lambda x: finite(x, torch.special.ndtr, 0.0, 1.0),
        sym="Phi(x)",
        formula=r"\Phi(x) = \tfrac12\left(1 + \operatorname{erf}(x/\sqrt2)\right)",
        formula_d1=r"\varphi(x) = \frac{e^{-x^2/2}}{\sqrt{2\pi}}",
        output_range=UNIT,
        properties=SIGMOID_SHAPE,
        limits=(0.0, 1.0),
        paper="Bliss, 'The method of probits', Science 79(2037):38-39, 1934",
        checked="Survey arXiv:2402.09092 §3.2 prose (text copy without equations): probit is the "
        "cumulative standard normal distribution used as an AF - matches Phi; the abstract of "
        "Gomes, Ludermir & Lima 2011 (Springer page) proposes probit as an NN activation; Bliss "
        "1934 not retrievable here.",
        notes="GELU is x times this gate. Gomes, Ludermir & Lima (Neural Computing and "
        "Applications, 2011) proposed probit as a neural-network activation. Kunc & Kléma 2024, "
        "§3.2.",
    )
)


def _stanh_facts(a: float, b: float) -> Facts:
    level = abs(a)
    shape = Properties(monotonic=a * b > 0, smoothness=SMOOTH, zero_centred=a * b != 0)
    return Facts(
        Interval(-level, level, low_open=True, high_open=True),
        shape,
        (-a if b > 0 else a, a if b > 0 else -a),
    )


register(
    ActivationSpec(
        name="stanh",
        aliases=("scaled_tanh", "lecun_tanh"),
        family="saturating",
        summary="Scaled hyperbolic tangent a tanh(b x); LeCun's a = 1.7159, b = 2/3 make f(±1) "
        "= ±1 and keep unit-variance inputs in the unit's near-linear range.",
        fn=lambda x, a, b: finite(x, lambda t: a * torch.tanh(b * t), -a, a),
        sym="a*tanh(b*x)",
        params=(
            Param("a", 1.7159, POSITIVE, doc="Amplitude: the outputs approach ±a."),
            Param("b", 2.0 / 3.0, POSITIVE, doc="Slope of the input."),
        ),
        formula=r"a \tanh(b x)",
        formula_d1=r"a b \left(1 - \tanh^2(b x)\right)",
        output_range=Interval(-1.7159, 1.7159, low_open=True, high_open=True),
        properties=ODD_SQUASH,
        limits=(-1.7159, 1.7159),
        facts=lambda p: _stanh_facts(p["a"], p["b"]),
        test_params=({"a": 1.0, "b": 1.0}, {"a": 2.0, "b": 0.25}),
        paper="LeCun, Bottou, Orr & Müller, 'Efficient BackProp', Neural Networks: Tricks of the "
        "Trade (LNCS 1524), Springer 1998",
        checked="Survey arXiv:2402.09092 §3.2.3 prose (text copy without equations): a tanh(b z) "
        "with fixed a, b and LeCun et al.'s a = 1.7159, b = 2/3 - matches fn and defaults; "
        "Efficient BackProp itself not read (a Q&A page quoting it gives 1.7159 tanh(2x/3)).",
        notes="Kunc & Kléma 2024, §3.2.3. a = b = 1 is tanh.",
    )
)


def _isigmoid(x: torch.Tensor, a: float, b: float) -> torch.Tensor:
    s_b = 1.0 / (1.0 + math.exp(-b))  # sigmoid(b); sigmoid(-b) = 1 - s_b
    return torch.where(
        x >= b,
        a * (x - b) + s_b,
        torch.where(x > -b, torch.sigmoid(x), a * (x + b) + (1.0 - s_b)),
    )


def _isigmoid_facts(a: float, b: float) -> Facts:
    return Facts(
        REALS,
        Properties(monotonic=True, smoothness=0, zero_centred=False),
        (-INF, INF),
        (-b, b),
        {-b: a, b: a},
    )


register(
    ActivationSpec(
        name="isigmoid",
        aliases=("improved_logistic_sigmoid",),
        family="saturating",
        summary="Improved logistic sigmoid: the sigmoid between -b and b, continued by lines of "
        "slope a beyond, so it never saturates (no vanishing gradient far out).",
        fn=lambda x, a, b: finite(x, lambda t: _isigmoid(t, a, b), -INF, INF, a, a),
        sym="Piecewise((a*(x - b) + sigmoid(b), x >= b), (sigmoid(x), x > -b), "
        "(a*(x + b) + sigmoid(-b), True))",
        params=(
            Param("a", 0.2, POSITIVE, doc="Slope of the two linear tails."),
            Param("b", 2.0, POSITIVE, doc="Threshold: the sigmoid is kept on (-b, b)."),
        ),
        formula=r"\begin{cases} a(x - b) + \sigma(b) & x \ge b \\ \sigma(x) & -b < x < b \\ "
        r"a(x + b) + \sigma(-b) & x \le -b \end{cases}",
        formula_d1=r"\begin{cases} a & |x| \ge b \\ \sigma(x)(1 - \sigma(x)) & |x| < b \end{cases}",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=0, zero_centred=False),
        kinks=(-2.0, 2.0),
        kink_derivative={-2.0: 0.2, 2.0: 0.2},
        limits=(-INF, INF),
        facts=lambda p: _isigmoid_facts(p["a"], p["b"]),
        test_params=({"a": 0.05, "b": 1.0}, {"a": 1.0, "b": 3.0}),
        paper="Qin, Wang & Zou, 'The Optimized Deep Belief Networks With Improved Logistic "
        "Sigmoid Units and Their Application in Fault Diagnosis for Planetary Gearboxes of "
        "Wind Turbines', IEEE Transactions on Industrial Electronics 66(5):3814-3824, 2019",
        checked="Paper not retrievable (abstract only, paperexplained.cn: sigmoid combined with "
        "leaky-ReLU-like unsaturated parts); survey arXiv:2402.09092 §3.2.7 prose (text copy "
        "without equations): fixed a = slope, b = threshold, a bound on a recommended - matches "
        "the structure; the equation and the bound were not read.",
        notes="The survey reports that Qin et al. recommend a bound on the slope a and preset a, b "
        "per network and data; the bound's form was not read here, and the defaults (a = 0.2, "
        "b = 2) are this catalogue's. f' jumps at ±b from sigmoid'(b) (0.105 at b = 2) to a. "
        "Kunc & Kléma 2024, §3.2.7.",
    )
)


def _siglin_facts(a: float) -> Facts:
    if a == 0.0:
        return Facts(UNIT, SIGMOID_SHAPE, (0.0, 1.0))
    return Facts(REALS, SIGMOID_SHAPE, (-INF, INF))


register(
    ActivationSpec(
        name="siglin",
        family="saturating",
        summary="SigLin: sigmoid(x) + a x, a sigmoid with a linear term that keeps the gradient "
        "at least a everywhere.",
        fn=lambda x, a: finite(
            x,
            lambda t: torch.sigmoid(t) + a * t,
            -INF if a > 0 else 0.0,
            INF if a > 0 else 1.0,
            a,
            a,
        ),
        sym="sigmoid(x) + a*x",
        params=(
            Param("a", 0.1, Interval(0.0, INF), doc="Slope of the linear term (a = 0: sigmoid)."),
        ),
        formula=r"\sigma(x) + a x",
        formula_d1=r"\sigma(x)(1 - \sigma(x)) + a",
        output_range=REALS,
        properties=SIGMOID_SHAPE,
        limits=(-INF, INF),
        facts=lambda p: _siglin_facts(p["a"]),
        test_params=({"a": 0.05},),
        paper="Roodschild, Gotay Sardiñas & Will, 'A new approach for the vanishing gradient "
        "problem on sigmoid activation', Progress in Artificial Intelligence 9(4):351-360, 2020",
        checked="Survey arXiv:2402.09092 §3.2.8 prose (text copy without equations): sigma(z) + a "
        "z with fixed a, the name is the survey's, a in {0, 0.05, 0.1, 0.15} - matches; the "
        "paper's abstract (Springer/ibook page) says the forward pass keeps the plain sigmoid and "
        "only its derivative gets the constant (see notes).",
        notes="Roodschild et al. keep the plain sigmoid in the forward pass and add a small "
        "constant a to sigmoid' in backpropagation only; sigmoid(x) + a x is the function whose "
        "true derivative that is, the form the survey lists. They try a in {0, 0.05, 0.1, "
        "0.15}; the name SigLin is the survey's (Kunc & Kléma 2024, §3.2.8).",
    )
)


def _penalized_tanh_facts(a: float) -> Facts:
    if a == 1.0:
        return Facts(Interval(-1.0, 1.0, True, True), ODD_SQUASH, (-1.0, 1.0))
    return Facts(
        Interval(-1.0 / a, 1.0, low_open=True, high_open=True),
        Properties(monotonic=True, smoothness=0, zero_centred=True),
        (-1.0 / a, 1.0),
        (0.0,),
        {0.0: 1.0},
    )


def _penalized_tanh(x: torch.Tensor, a: float) -> torch.Tensor:
    t = torch.tanh(x)
    return torch.where(x >= 0, t, t / a)


register(
    ActivationSpec(
        name="penalized_tanh",
        aliases=("ptanh",),
        family="saturating",
        summary="Penalized tanh: tanh(x) for x >= 0 and tanh(x)/a below, the leaky-ReLU idea "
        "applied to tanh; consistently good for NLP in Eger et al.'s comparison.",
        fn=lambda x, a: finite(x, lambda t: _penalized_tanh(t, a), -1.0 / a, 1.0),
        sym="Piecewise((tanh(x), x >= 0), (tanh(x)/a, True))",
        params=(Param("a", 4.0, Interval(1.0, INF), doc="Penalty on the negative side (a >= 1)."),),
        formula=r"\begin{cases} \tanh x & x \ge 0 \\ \tanh(x)/a & x < 0 \end{cases}",
        formula_d1=r"\begin{cases} 1 - \tanh^2 x & x \ge 0 \\ (1 - \tanh^2 x)/a & x < 0 \end{cases}",
        output_range=Interval(-0.25, 1.0, low_open=True, high_open=True),
        properties=Properties(monotonic=True, smoothness=0, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-0.25, 1.0),
        facts=lambda p: _penalized_tanh_facts(p["a"]),
        test_params=({"a": 2.0}, {"a": 1.0}),
        paper="Xu, Huang & Li, 'Revise Saturated Activation Functions', ICLR 2016 Workshop "
        "(arXiv:1602.05980)",
        checked="Survey arXiv:2402.09092 §3.2.9 prose (text copy without equations): tanh for z "
        ">= 0, tanh(z)/a below with a in (1, inf), saturating to -1/a - matches; Xu, Huang & Li's "
        "abstract (arcxiv, OpenReview) read, their 0.25 factor not seen in text here.",
        notes="The paper's 0.25 tanh(x) for x < 0 is a = 4. Eger, Youssef & Gurevych, 'Is it Time "
        "to Swish?', EMNLP 2018, found it the most stable across NLP tasks. Kunc & Kléma 2024, "
        "§3.2.9.",
    )
)


def _srs_parts(x: torch.Tensor, a, b) -> torch.Tensor:
    # x / (x/a + e^{-x/b}); for x < 0 numerator and denominator are multiplied by e^{x/b} <= 1
    # so nothing overflows: x e^{x/b} / (1 + x e^{x/b} / a).
    def positive(p: torch.Tensor) -> torch.Tensor:
        return p / (p / a + torch.exp(-p / b))

    def negative(n: torch.Tensor) -> torch.Tensor:
        u = n * torch.exp(n / b)
        return u / (1.0 + u / a)

    return where_safe(x >= 0, x, positive, negative)


def _srs(x: torch.Tensor, a, b, dim: int) -> torch.Tensor:
    x = as_floating(x)  # the parameters take x's dtype: a bool x would truncate them
    a, b = scalar_along(a, x, dim), scalar_along(b, x, dim)
    return finite(x, lambda t: _srs_parts(t, a, b), 0.0, a)


def _srs_facts(a: float, b: float) -> Facts:
    """f' = (1 + x/b) e^{-x/b} / (...)^2 vanishes only at x = -b: the minimum -ab/(ae - b),
    finite while b < e a (the constraint)."""
    return Facts(
        Interval(-a * b / (a * math.e - b), a, high_open=True),
        Properties(monotonic=False, smoothness=SMOOTH, zero_centred=True),
        (0.0, a),
    )


register(
    ActivationSpec(
        name="soft_root_sign",
        aliases=("srs",),
        family="saturating",
        summary="Soft-root-sign: x / (x/a + e^(-x/b)), smooth, non-monotonic and bounded: it "
        "rises to a, and dips below 0 before returning to 0 at -inf; a and b are learned.",
        fn=_srs,
        sym="x/(x/a + exp(-x/b))",
        params=(
            Param("a", 2.0, POSITIVE, learnable=True, doc="Upper level a (learned)."),
            Param("b", 3.0, POSITIVE, learnable=True, doc="Scale of the exponential (learned)."),
            DIM,
        ),
        constraint=lambda p: (
            None
            if isinstance(p["a"], torch.Tensor) or p["b"] < math.e * p["a"]
            else f"b ({p['b']}) must be below e*a ({math.e * p['a']:.6g}); otherwise the "
            "denominator x/a + e^(-x/b) reaches 0"
        ),
        formula=r"\frac{x}{x/a + e^{-x/b}}",
        formula_d1=r"\frac{(1 + x/b)\,e^{-x/b}}{\left(x/a + e^{-x/b}\right)^2}",
        output_range=Interval(-6.0 / (2.0 * math.e - 3.0), 2.0, high_open=True),
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=True),
        limits=(0.0, 2.0),
        facts=lambda p: _srs_facts(p["a"], p["b"]),
        test_params=({"a": 1.0, "b": 2.0}, {"a": 4.0, "b": 1.0}),
        paper="Zhou, Li, Huo & Kung, 'Soft-Root-Sign Activation Function', arXiv:2003.00547, 2020",
        checked="Survey arXiv:2402.09092 §3.2.10 prose (text copy without equations): a = 2, b = "
        "3 proposed, said to be learnable, output range [ab/(b - ae), a) - matches defaults and "
        "range; the paper (arXiv:2003.00547) was found only as abstracts, its equation not read.",
        notes="Minimum -ab/(ae - b) at x = -b, the only zero of f' (-2.462425 at x = -3 for "
        "a = 2, b = 3), as the survey's range [ab/(b - ae), a) says. The denominator stays "
        "positive only while b < e a, which binding "
        "checks; a trained pair can leave that region. Kunc & Kléma 2024, §3.2.10.",
    )
)


def _soft_clipping(t: torch.Tensor, a: float) -> torch.Tensor:
    # Above x = 1/2 the difference of two large softplus values would cancel (to 0 for x ~ 1e17);
    # there softplus(u) = u + softplus(-u) turns it into 1 minus two small terms.
    upper = 1.0 - (softplus(a * (1.0 - t)) - softplus(-a * t)) / a
    lower = (softplus(a * t) - softplus(a * (t - 1.0))) / a
    return torch.where(t >= 0.5, upper, lower)


register(
    ActivationSpec(
        name="soft_clipping",
        aliases=("sc",),
        family="saturating",
        summary="Soft clipping: (1/a) ln((1 + e^(ax)) / (1 + e^(a(x-1)))), a smooth clip to "
        "(0, 1) that is nearly linear on [0, 1]; a -> inf gives the hard clip.",
        fn=lambda x, a: finite(x, lambda t: _soft_clipping(t, a), 0.0, 1.0),
        sym="Piecewise((1 - (softplus(a*(1 - x)) - softplus(-a*x))/a, x >= 1/2), "
        "((softplus(a*x) - softplus(a*(x - 1)))/a, True))",
        params=(Param("a", 1.0, POSITIVE, doc="Sharpness; a -> inf approaches clip(x, 0, 1)."),),
        formula=r"\frac{1}{a} \ln \frac{1 + e^{a x}}{1 + e^{a (x - 1)}}",
        formula_d1=r"\sigma(a x) - \sigma(a (x - 1))",
        output_range=UNIT,
        properties=SIGMOID_SHAPE,
        limits=(0.0, 1.0),
        test_params=({"a": 10.0}, {"a": 0.5}),
        paper="Klimek & Perelstein, 'Neural network-based approach to phase space integration', "
        "SciPost Physics 9:053, 2020 (arXiv:1810.11509, 2018)",
        checked="Not checked against a formula: survey arXiv:2402.09092 §3.2.11 prose (text copy "
        "without equations) says only bounded, nearly linear on [0, 1], one fixed parameter a - "
        "consistent; Klimek & Perelstein's text not retrievable here.",
        notes="Kunc & Kléma 2024, §3.2.11.",
    )
)


def _hexpo(x: torch.Tensor, a: float, b: float, c: float, d: float) -> torch.Tensor:
    return where_safe(
        x >= 0, x, lambda p: -a * torch.expm1(-p / b), lambda n: c * torch.expm1(n / d)
    )


def _hexpo_facts(a: float, b: float, c: float, d: float) -> Facts:
    # f'(0+) = a/b, f'(0-) = c/d; f'' is -a/b^2 on the right and c/d^2 on the left, never equal.
    return Facts(
        Interval(-c, a, low_open=True, high_open=True),
        Properties(monotonic=True, smoothness=1 if a / b == c / d else 0, zero_centred=True),
        (-c, a),
        (0.0,),
        {0.0: a / b},
    )


register(
    ActivationSpec(
        name="hexpo",
        family="saturating",
        summary="Hexpo: a(1 - e^(-x/b)) for x >= 0 and c(e^(x/d) - 1) below, a tanh-like unit "
        "whose gradient decay on each side is tuned by a/b and c/d.",
        fn=lambda x, a, b, c, d: finite(x, lambda t: _hexpo(t, a, b, c, d), -c, a),
        sym="Piecewise((-a*expm1(-x/b), x >= 0), (c*expm1(x/d), True))",
        params=(
            Param("a", 1.0, POSITIVE, doc="Upper saturation level."),
            Param("b", 1.0, POSITIVE, doc="Decay scale for x >= 0."),
            Param("c", 1.0, POSITIVE, doc="Lower saturation level -c."),
            Param("d", 1.0, POSITIVE, doc="Decay scale for x < 0."),
        ),
        formula=r"\begin{cases} -a\left(e^{-x/b} - 1\right) & x \ge 0 \\ "
        r"c\left(e^{x/d} - 1\right) & x < 0 \end{cases}",
        formula_d1=r"\begin{cases} \tfrac{a}{b} e^{-x/b} & x \ge 0 \\ "
        r"\tfrac{c}{d} e^{x/d} & x < 0 \end{cases}",
        output_range=Interval(-1.0, 1.0, low_open=True, high_open=True),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-1.0, 1.0),
        facts=lambda p: _hexpo_facts(p["a"], p["b"], p["c"], p["d"]),
        test_params=({"a": 2.0, "b": 1.0, "c": 1.0, "d": 2.0},),
        paper="Kong & Takatsuka, 'Hexpo: A vanishing-proof activation function', IJCNN 2017",
        checked="Paper not retrievable (abstract via paperexplained.cn: scalable limits on both "
        "positive and negative values); survey arXiv:2402.09092 §3.2.12 prose (text copy without "
        "equations): tanh-like, fixed a, b, c, d, ratios a/b and c/d set the gradient decay - "
        "consistent with the two bounded exponential branches.",
        notes="With a/b = c/d the slopes meet at 0 (C^1, f'' still jumps from c/d^2 to -a/b^2); "
        "otherwise f' jumps there. Kunc & Kléma 2024, §3.2.12.",
    )
)
