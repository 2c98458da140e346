"""Learnable tanh/softplus products from the survey (Kunc & Kléma 2024, §4): the TanhSoft
family, CosLU and APTx.

As in adaptive_gated.py: shared or per-channel parameters along `dim`, claims for one shared set
found on the float64 formula, exponentials clamped where the result is already exact.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import special

from actlab.catalog.entries._shapes import (
    DIM,
    GATE,
    NAN,
    along,
    dip_range,
    range_through_zero,
    slope_limit,
    slope_limit_float,
)
from actlab.catalog.entries._torch import finite, softplus, where_safe
from actlab.catalog.maths.extrema import minimum
from actlab.catalog.registry import register
from actlab.catalog.spec import (
    INF,
    NONNEGATIVE,
    POSITIVE,
    REALS,
    SMOOTH,
    ActivationSpec,
    Facts,
    Interval,
    Param,
    Properties,
)

# -- TanhSoft ---------------------------------------------------------------------------------

BISWAS_2020 = (
    "Biswas, Kumar, Banerjee & Pandey, 'TanhSoft - Dynamic Trainable Activation Functions for "
    "Faster Learning and Better Performance', IEEE Access 9:120613-120623, 2021; Biswas, Kumar, "
    "Banerjee & Pandey, 'TanhSoft - a family of activation functions combining Tanh and "
    "Softplus', arXiv:2009.03863, 2020"
)


def _tanhsoft1(x, alpha, dim):
    x, a = along(x, dim, alpha)
    return finite(x, lambda t: torch.tanh(a * t) * softplus(t), 0.0, INF, 0.0, 1.0)


def _tanhsoft1_facts(alpha: float) -> Facts:
    f = lambda x: np.tanh(alpha * x) * np.logaddexp(0.0, x)
    return Facts(dip_range(f, -60.0), GATE, (0.0, INF))


register(
    ActivationSpec(
        name="tanhsoft1",
        class_name="TanhSoft1",
        aliases=("tanhsoft_1",),
        family="adaptive",
        summary="TanhSoft-1: tanh(alpha x) ln(1 + e^x), softplus gated by a learned tanh.",
        fn=_tanhsoft1,
        sym="tanh(alpha*x)*softplus(x)",
        params=(Param("alpha", 0.87, POSITIVE, learnable=True, doc="Gate slope (learned)."), DIM),
        formula=r"\tanh(\alpha x) \ln(1 + e^{x})",
        formula_d1=r"\alpha \operatorname{sech}^2(\alpha x) \ln(1 + e^{x}) + \tanh(\alpha x)\, "
        r"\sigma(x)",
        output_range=_tanhsoft1_facts(0.87).output_range,
        properties=GATE,
        limits=(0.0, INF),
        facts=lambda p: _tanhsoft1_facts(p["alpha"]),
        test_params=({"alpha": 3.0},),
        paper=BISWAS_2020,
        checked="arXiv:2009.03863 abstract (arcxiv, scholarfeed, deeppaper pages): the family "
        "tanh(alpha x + beta e^(gamma x)) ln(delta + e^x) and its example tanh(0.87x) ln(1 "
        "+ e^x): form and default alpha = 0.87 match; the IEEE Access text was not read",
        notes="TanhSoft(alpha, 0, gamma, 1). Kunc & Kléma 2024, §4.4.",
    )
)


def _tanhsoft2(x, beta, gamma, dim):
    x, b, g = along(x, dim, beta, gamma)
    # tanh(b e^{50}) is 1 to the last bit for any b > 1e-20.
    body = lambda t: t * torch.tanh(b * torch.exp(torch.clamp(g * t, max=50.0)))
    return finite(x, body, 0.0, INF, 0.0, 1.0)


def _tanhsoft2_facts(beta: float, gamma: float) -> Facts:
    f = lambda x: x * np.tanh(beta * np.exp(gamma * x))
    low = -(60.0 + abs(math.log(beta))) / gamma
    return Facts(dip_range(f, low), GATE, (0.0, INF))


register(
    ActivationSpec(
        name="tanhsoft2",
        class_name="TanhSoft2",
        aliases=("tanhsoft_2",),
        family="adaptive",
        summary="TanhSoft-2: x tanh(beta e^(gamma x)), a Swish-like unit with a learned tanh of "
        "an exponential as its gate.",
        fn=_tanhsoft2,
        sym="x*tanh(beta*exp(gamma*x))",
        params=(
            Param("beta", 0.6, POSITIVE, learnable=True, doc="Gate scale (learned)."),
            Param("gamma", 1.0, POSITIVE, learnable=True, doc="Gate rate (learned)."),
            DIM,
        ),
        formula=r"x \tanh\left(\beta e^{\gamma x}\right)",
        formula_d1=r"\tanh\left(\beta e^{\gamma x}\right) + \beta \gamma x\, e^{\gamma x} "
        r"\operatorname{sech}^2\left(\beta e^{\gamma x}\right)",
        output_range=_tanhsoft2_facts(0.6, 1.0).output_range,
        properties=GATE,
        limits=(0.0, INF),
        facts=lambda p: _tanhsoft2_facts(p["beta"], p["gamma"]),
        test_params=({"beta": 2.0, "gamma": 0.5},),
        paper=BISWAS_2020,
        checked="arXiv:2009.03863 abstract (arcxiv, scholarfeed, deeppaper pages): its example x "
        "tanh(0.6 e^x), the family member with beta = 0.6, gamma = 1, delta = 0: form and "
        "defaults match; the IEEE Access text was not read",
        notes="TanhSoft(0, beta, gamma, 0). Kunc & Kléma 2024, §4.4.",
    )
)


def _tanhsoft3(x, alpha, dim):
    x, a = along(x, dim, alpha)

    def body(t: torch.Tensor) -> torch.Tensor:
        # ln(1 + e^x tanh(ax)) as log1p up to x = 20; beyond, x + ln(tanh(ax) + e^-x), where
        # e^x would overflow (the argument of the log is positive for every real x).
        near = lambda u: torch.log1p(torch.exp(u) * torch.tanh(a * u))
        far = lambda u: u + torch.log(torch.tanh(a * u) + torch.exp(-u))
        return where_safe(t <= 20.0, t, near, far, fill_false=21.0)

    return finite(x, body, 0.0, INF, 0.0, 1.0)


def _tanhsoft3_facts(alpha: float) -> Facts:
    f = lambda x: np.log1p(np.exp(x) * np.tanh(alpha * x))
    return Facts(dip_range(f, -60.0), GATE, (0.0, INF))


register(
    ActivationSpec(
        name="tanhsoft3",
        class_name="TanhSoft3",
        aliases=("tanhsoft_3",),
        family="adaptive",
        summary="TanhSoft-3: ln(1 + e^x tanh(alpha x)), a softplus whose exponential is gated by "
        "a learned tanh; dips below 0 for x < 0.",
        fn=_tanhsoft3,
        sym="Piecewise((log1p(exp(x)*tanh(alpha*x)), x <= 20), "
        "(x + log(tanh(alpha*x) + exp(-x)), True))",
        params=(Param("alpha", 1.0, POSITIVE, learnable=True, doc="Gate slope (learned)."), DIM),
        formula=r"\ln\left(1 + e^{x} \tanh(\alpha x)\right)",
        formula_d1=r"\frac{e^{x} \left(\tanh(\alpha x) + \alpha \operatorname{sech}^2(\alpha x)"
        r"\right)}{1 + e^{x} \tanh(\alpha x)}",
        output_range=_tanhsoft3_facts(1.0).output_range,
        properties=GATE,
        limits=(0.0, INF),
        facts=lambda p: _tanhsoft3_facts(p["alpha"]),
        test_params=({"alpha": 0.25},),
        paper=BISWAS_2020,
        checked="Not in the arXiv:2009.03863 abstract (it is no member of that four-parameter "
        "family) and the IEEE Access text defining it was not retrievable here: ln(1 + e^x "
        "tanh(alpha x)) and alpha = 1 are unchecked against the paper",
        notes="The same function in two forms (log1p up to x = 20, then x + ln(tanh(alpha x) + "
        "e^-x)) so nothing overflows. Kunc & Kléma 2024, §4.4.",
    )
)


# -- CosLU ------------------------------------------------------------------------------------


def _coslu(x, a, b, dim):
    x, a, b = along(x, dim, a, b)
    body = lambda t: (t + a * torch.cos(b * t)) * torch.sigmoid(t)
    # f' -> 1 - a b sin(b x) at +inf: no limit unless a b = 0.
    slope = torch.where(a * b == 0, torch.ones_like(a), torch.full_like(a, NAN))
    return finite(x, body, 0.0, INF, 0.0, slope)


def _coslu_facts(a: float, b: float) -> Facts:
    f = lambda x: (x + a * np.cos(b * x)) * special.expit(x)
    _, lowest = minimum(f, -60.0, max(60.0, 4.0 * abs(a)))
    return Facts(Interval(lowest, INF), Properties(False, SMOOTH, a == 0.0), (0.0, INF))


register(
    ActivationSpec(
        name="coslu",
        class_name="CosLU",
        family="adaptive",
        summary="Cosine linear unit: (x + a cos(b x)) sigmoid(x), SiLU with a learned cosine "
        "ripple added to its linear part.",
        fn=_coslu,
        sym="(x + a*cos(b*x))*sigmoid(x)",
        params=(
            Param("a", 1.0, REALS, learnable=True, doc="Ripple amplitude (learned)."),
            Param("b", 1.0, REALS, learnable=True, doc="Ripple frequency (learned)."),
            DIM,
        ),
        formula=r"\big(x + a \cos(b x)\big)\, \sigma(x)",
        formula_d1=r"\big(1 - a b \sin(b x)\big) \sigma(x) + \big(x + a \cos(b x)\big) "
        r"\sigma(x)\big(1 - \sigma(x)\big)",
        output_range=_coslu_facts(1.0, 1.0).output_range,
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=False),
        limits=(0.0, INF),
        facts=lambda p: _coslu_facts(p["a"], p["b"]),
        test_params=({"a": 0.5, "b": 3.0}, {"a": 0.0, "b": 1.0}),
        paper="Pishchik, 'Trainable Activations for Image Classification', Preprints "
        "2023010463, 2023",
        checked="Paper (Preprints 2023010463) not retrievable here; serp.ai's CosLU page (via the "
        "search tool) gives (x + alpha cos(beta x)) sigma(x) with alpha, beta learned: "
        "match; the start values a = b = 1 are unchecked",
        notes="f(0) = a/2. f' has no limit at +inf (it oscillates as 1 - a b sin(b x)), so the "
        "gradient there is nan unless a b = 0. Start values a = b = 1 here. Kunc & Kléma 2024, "
        "§4.4.",
    )
)


# -- APTx -------------------------------------------------------------------------------------


def _aptx(x, alpha, beta, gamma, dim):
    x, a, b, g = along(x, dim, alpha, beta, gamma)
    s_low, s_high = g * (a - 1.0), g * (a + 1.0)
    body = lambda t: g * t * (a + torch.tanh(b * t))
    return finite(x, body, slope_limit(s_low, -1), slope_limit(s_high, 1), s_low, s_high)


# tanh(u) + u sech^2(u), the bracket of APTx's f' / gamma less alpha, dips to this at u < 0.
APTX_DIP = minimum(lambda u: np.tanh(u) + u / np.cosh(u) ** 2, -5.0, 0.0)[1]


def _aptx_facts(alpha: float, beta: float, gamma: float) -> Facts:
    limits = (slope_limit_float(gamma * (alpha - 1.0), -1), INF)
    f = lambda x: gamma * x * (alpha + np.tanh(beta * x))
    r = range_through_zero(f, *limits, span=60.0 / beta + 10.0)
    return Facts(r, Properties(alpha + APTX_DIP >= 0.0, SMOOTH, r.low < 0.0 < r.high), limits)


_APTX_DEFAULT = _aptx_facts(1.0, 1.0, 0.5)

register(
    ActivationSpec(
        name="aptx",
        class_name="APTx",
        family="adaptive",
        summary="APTx: gamma x (alpha + tanh(beta x)); at alpha = beta = 1, gamma = 1/2 it is "
        "x sigmoid(2x), a cheaper Swish/Mish-like unit; all three are learnable.",
        fn=_aptx,
        sym="gamma*x*(alpha + tanh(beta*x))",
        params=(
            Param("alpha", 1.0, NONNEGATIVE, learnable=True, doc="Offset of the gate (learned)."),
            Param("beta", 1.0, POSITIVE, learnable=True, doc="Gate slope (learned)."),
            Param("gamma", 0.5, POSITIVE, learnable=True, doc="Output scale (learned)."),
            DIM,
        ),
        formula=r"\gamma x \big(\alpha + \tanh(\beta x)\big)",
        formula_d1=r"\gamma \big(\alpha + \tanh(\beta x) + \beta x \operatorname{sech}^2(\beta "
        r"x)\big)",
        output_range=_APTX_DEFAULT.output_range,
        properties=_APTX_DEFAULT.properties,
        limits=_APTX_DEFAULT.limits,
        facts=lambda p: _aptx_facts(p["alpha"], p["beta"], p["gamma"]),
        test_params=(
            {"alpha": 0.5, "beta": 2.0, "gamma": 1.0},
            {"alpha": 1.5, "beta": 1.0, "gamma": 1.0},
            {"alpha": 0.0, "beta": 1.0, "gamma": 1.0},
        ),
        paper="Kumar, 'APTx: Better Activation Function than MISH, SWISH, and ReLU's Variants "
        "used in Deep Learning', International Journal of Artificial Intelligence and Machine "
        "Learning 2(2):56-61, 2022 (arXiv:2209.06119)",
        checked="The author's package page (pypi aptx-activation, citing IJAIML 2(2):56-61, 2022) "
        "and a copy of arXiv:2209.06119 (via the search tool): APTx(x) = (alpha + "
        "tanh(beta x)) gamma x with defaults alpha = 1, beta = 1, gamma = 1/2: match",
        notes="Slopes gamma (alpha - 1) at -inf and gamma (alpha + 1) at +inf; increasing "
        "exactly when alpha >= 1.1997 (the dip of tanh u + u sech^2 u). Kunc & Kléma 2024, §4.4.",
    )
)
