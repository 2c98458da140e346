"""Link functions and cheap squashes from the survey (Kunc & Kléma 2024, §3.2.20-3.2.26, §3.8.1,
§3.20): the Gumbel CDFs (loglog, complementary loglog and its modified form), the bipolar
sigmoid, Aranda-Ordaz's family and the square-based SQNL.

References come from each entry's `sym` (actlab.catalog.symbolic); the torch forms clamp
extreme inputs where f has reached its limit to the last bit, so no exp() overflows into an
inf·0 gradient.
"""

from __future__ import annotations

import math

import torch

from actlab.catalog.entries._torch import finite, softplus
from actlab.catalog.entries.sigmoid_family import GOMES_2011, ODD_SQUASH, SIGMOID_SHAPE, UNIT
from actlab.catalog.registry import register
from actlab.catalog.spec import (
    POSITIVE,
    ActivationSpec,
    Interval,
    Param,
    Properties,
)

register(
    ActivationSpec(
        name="loglog",
        family="saturating",
        summary="LogLog: exp(-exp(-x)), the Gumbel CDF as a squashing unit; asymmetric, it "
        "approaches 1 faster than 0.",
        # Below x = -50, e^(-e^(-x)) is exactly 0 in float64 and float32: clamping there keeps
        # e^(-x) finite, so the backward pass never forms 0 * inf.
        fn=lambda x: finite(x, lambda t: torch.exp(-torch.exp(-t.clamp(min=-50.0))), 0.0, 1.0),
        sym="exp(-exp(-x))",
        formula=r"e^{-e^{-x}}",
        formula_d1=r"e^{-x}\, e^{-e^{-x}}",
        output_range=UNIT,
        properties=SIGMOID_SHAPE,
        limits=(0.0, 1.0),
        paper=GOMES_2011,
        checked="Paper not retrievable (abstract on the Springer page: log-log, complementary "
        "log-log and probit suggested as new activations); survey arXiv:2402.09092 §3.2.20 prose "
        "(text copy without equations) names LogLog for financial forecasting; exp(-exp(-x)) "
        "itself not seen in a source text here.",
        notes="Kunc & Kléma 2024, §3.2.20.",
    )
)

register(
    ActivationSpec(
        name="cloglog",
        aliases=("complementary_loglog",),
        family="saturating",
        summary="Complementary log-log: 1 - exp(-exp(x)), the mirror of LogLog; approaches 0 "
        "slowly (like e^x) and 1 fast.",
        fn=lambda x: finite(x, lambda t: -torch.expm1(-torch.exp(t.clamp(max=50.0))), 0.0, 1.0),
        sym="-expm1(-exp(x))",
        formula=r"1 - e^{-e^{x}}",
        formula_d1=r"e^{x}\, e^{-e^{x}}",
        output_range=UNIT,
        properties=SIGMOID_SHAPE,
        limits=(0.0, 1.0),
        paper=GOMES_2011,
        checked="Paper not retrievable (abstract on the Springer page names the complementary "
        "log-log); survey arXiv:2402.09092 §3.2.21 prose (text copy without equations) "
        "complements LogLog; 1 - exp(-exp(x)) is the standard inverse cloglog link, not seen in a "
        "source text here.",
        notes="Kunc & Kléma 2024, §3.2.21.",
    )
)

register(
    ActivationSpec(
        name="cloglogm",
        aliases=("modified_complementary_loglog",),
        family="saturating",
        summary="Modified complementary log-log: 1 - 2 exp(-0.7 exp(x)), the cLogLog stretched "
        "to (-1, 1).",
        fn=lambda x: finite(
            x, lambda t: 1.0 - 2.0 * torch.exp(-0.7 * torch.exp(t.clamp(max=50.0))), -1.0, 1.0
        ),
        sym="1 - 2*exp(-7*exp(x)/10)",
        formula=r"1 - 2 e^{-0.7\, e^{x}}",
        formula_d1=r"1.4\, e^{x}\, e^{-0.7\, e^{x}}",
        output_range=Interval(-1.0, 1.0, low_open=True, high_open=True),
        properties=SIGMOID_SHAPE,
        limits=(-1.0, 1.0),
        paper=GOMES_2011,
        checked="Not checked against a source: the Gomes et al. 2011 abstract lists only cloglog, "
        "probit and loglog, and the readable survey copy (arXiv:2402.09092 §3.2.21, no equations) "
        "does not show the 0.7 constant; several public implementations use the same 1 - 2 "
        "exp(-0.7 e^x).",
        notes="f(0) = 1 - 2e^(-0.7) = 0.0068, so it is not zero-centred. The 0.7 form was not "
        "found in the abstract of the paper cited (which names loglog, cloglog and probit), so "
        "the attribution is unconfirmed. Kunc & Kléma 2024, §3.2.21.",
    )
)

register(
    ActivationSpec(
        name="bipolar_sigmoid",
        family="saturating",
        summary="Bipolar sigmoid: (1 - e^(-x)) / (1 + e^(-x)) = 2 sigmoid(x) - 1 = tanh(x/2), "
        "the logistic function rescaled to (-1, 1).",
        fn=lambda x: finite(x, lambda t: torch.tanh(0.5 * t), -1.0, 1.0),
        sym="tanh(x/2)",
        formula=r"\frac{1 - e^{-x}}{1 + e^{-x}} = 2\sigma(x) - 1",
        formula_d1=r"2\sigma(x)(1 - \sigma(x)) = \tfrac12\left(1 - \tanh^2(x/2)\right)",
        output_range=Interval(-1.0, 1.0, low_open=True, high_open=True),
        properties=ODD_SQUASH,
        limits=(-1.0, 1.0),
        paper="Fausett, 'Fundamentals of Neural Networks: Architectures, Algorithms, and "
        "Applications', Prentice Hall, 1994",
        checked="Fausett 1994 not retrievable; survey arXiv:2402.09092 §3.2.26 prose (text copy "
        "without equations) uses sigma_2 in Guevraa et al.'s pairs; (1 - e^-x)/(1 + e^-x) = 2 "
        "sigma(x) - 1 = tanh(x/2) is an identity, checked numerically by the generated tests.",
        notes="Computed as tanh(x/2): 2 sigmoid(x) - 1 would cancel to a few ulps of 1 near 0. "
        "Kunc & Kléma 2024, §3.2.26 (their sigma_2).",
    )
)


def _aranda_ordaz(t: torch.Tensor, a: float) -> torch.Tensor:
    # 1 - (1 + a e^x)^(-1/a) = -expm1(-ln(1 + a e^x)/a), and ln(1 + a e^x) = softplus(x + ln a):
    # no overflow for large x, no cancellation for small f.
    return -torch.expm1(-softplus(t + math.log(a)) / a)


register(
    ActivationSpec(
        name="aranda_ordaz",
        family="saturating",
        summary="Aranda-Ordaz link: 1 - (1 + a e^x)^(-1/a), an asymmetric sigmoid (a = 1 is "
        "the logistic, a -> 0 the complementary log-log).",
        fn=lambda x, a: finite(x, lambda t: _aranda_ordaz(t, a), 0.0, 1.0),
        sym="-expm1(-softplus(x + log(a))/a)",
        params=(Param("a", 2.0, POSITIVE, doc="Asymmetry (a = 1: the logistic sigmoid)."),),
        formula=r"1 - \left(1 + a e^{x}\right)^{-1/a}",
        formula_d1=r"e^{x} \left(1 + a e^{x}\right)^{-1/a - 1}",
        output_range=UNIT,
        properties=SIGMOID_SHAPE,
        limits=(0.0, 1.0),
        test_params=({"a": 1.0}, {"a": 0.25}),
        paper="Aranda-Ordaz, 'On two families of transformations to additivity for binary "
        "response data', Biometrika 68(2):357-363, 1981",
        checked="Survey arXiv:2402.09092 §3.20 prose (text copy without equations): a > 0 fixed, "
        "Essai Ali, Abdel-Raman & Badry used a = 2 - matches the range and default; Aranda-Ordaz "
        "1981 not retrievable, so 1 - (1 + a e^x)^(-1/a) was not read in a source text here.",
        notes="Essai Ali, Abdel-Raman & Badry used it with a = 2 (the default). Kunc & Kléma "
        "2024, §3.20.",
    )
)


def _sqnl(x: torch.Tensor) -> torch.Tensor:
    t = x.clamp(-2.0, 2.0)
    return t - t * t.abs() / 4.0


register(
    ActivationSpec(
        name="sqnl",
        family="saturating",
        summary="SQNL: a tanh-like squash built from squares, x - x|x|/4 on [-2, 2] and ±1 "
        "beyond; no exp, and a piecewise-linear derivative.",
        fn=lambda x: finite(x, _sqnl, -1.0, 1.0),
        sym="Piecewise((1, x > 2), (x - x**2/4, x >= 0), (x + x**2/4, x >= -2), (-1, True))",
        formula=r"\begin{cases} 1 & x > 2 \\ x - x^2/4 & 0 \le x \le 2 \\ x + x^2/4 & "
        r"-2 \le x < 0 \\ -1 & x < -2 \end{cases}",
        formula_d1=r"\begin{cases} 1 - |x|/2 & |x| \le 2 \\ 0 & |x| > 2 \end{cases}",
        output_range=Interval(-1.0, 1.0),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=True),
        kinks=(-2.0, 0.0, 2.0),
        kink_derivative={-2.0: 0.0, 0.0: 1.0, 2.0: 0.0},
        limits=(-1.0, 1.0),
        paper="Wuraola & Patel, 'SQNL: A New Computationally Efficient Activation Function', "
        "IJCNN 2018",
        checked="Survey arXiv:2402.09092 §3.8.1 prose (text copy without equations): square "
        "operator instead of exp, linear derivative, bounded range, the paper's definition had "
        "mistakes and the survey gives a corrected one - matches the structure; the formula "
        "itself was not read (paper not retrievable).",
        notes="f' is continuous; f'' jumps at -2, 0 and 2 (to ±1/2). Kunc & Kléma 2024, §3.8.1 "
        "(the survey's corrected form of the paper's definition).",
    )
)
