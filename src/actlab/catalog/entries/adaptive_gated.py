"""Learnable gated units from the survey (Kunc & Kléma 2024, §4): smooth maxima of two slopes
and learned gates on x (ACON-C, Swish-T, ErfAct, Pserf, SMU, SMU-1).

Parameters are shared or per channel along `dim` (as in adaptive.py); the claims (`facts`) are
for one shared set, computed from the parameters: closed forms where they exist, otherwise the
extremum found by `actlab.catalog.maths.extrema` on the float64 formula (entries/_shapes.py).
Exponentials inside a gate are clamped where the gate has reached its limit to the last bit, so
no exp() overflows into an inf·0 gradient; ±inf get the limits of f and f'.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import special

from actlab.catalog.entries._shapes import (
    DIM,
    GATE,
    along,
    dip_range,
    range_through_zero,
    slope_limit,
    slope_limit_float,
)
from actlab.catalog.entries._torch import finite, softplus, where_safe
from actlab.catalog.entries.sigmoid_variants import DSILU_MAX, DSILU_MIN, dsilu_np
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

# -- ACON-C -----------------------------------------------------------------------------------


def _acon_slopes(p1, p2, k):
    """(slope at -inf, slope at +inf) of (p1 - p2) x sigmoid(k x) + p2 x, k = beta (p1 - p2)."""
    mean = (p1 + p2) / 2
    if isinstance(k, torch.Tensor):
        low = torch.where(k > 0, p2, torch.where(k < 0, p1, mean))
        high = torch.where(k > 0, p1, torch.where(k < 0, p2, mean))
        return low, high
    return (p2, p1) if k > 0 else (p1, p2) if k < 0 else (mean, mean)


def _acon_c(x, p1, p2, beta, dim):
    x, p1, p2, beta = along(x, dim, p1, p2, beta)
    d = p1 - p2
    k = beta * d
    s_low, s_high = _acon_slopes(p1, p2, k)
    body = lambda t: d * t * torch.sigmoid(k * t) + p2 * t
    return finite(x, body, slope_limit(s_low, -1), slope_limit(s_high, 1), s_low, s_high)


def _acon_c_facts(p1: float, p2: float, beta: float) -> Facts:
    d, k = p1 - p2, beta * (p1 - p2)
    s_low, s_high = _acon_slopes(p1, p2, k)
    limits = (slope_limit_float(s_low, -1), slope_limit_float(s_high, 1))
    # f' = p2 + d g(k x) with g the derivative of u sigmoid(u), which spans [DSILU_MIN, DSILU_MAX].
    steepest_down = p2 + min(d * DSILU_MIN, d * DSILU_MAX) if k != 0 else s_low
    f = lambda x: d * x * special.expit(k * x) + p2 * x
    r = range_through_zero(f, *limits, span=60.0 / abs(k) if k else 1.0)
    return Facts(
        r,
        Properties(steepest_down >= 0, SMOOTH, r.low < 0.0 < r.high),
        limits,
    )


_ACON_DEFAULT = _acon_c_facts(1.0, 0.0, 1.0)

register(
    ActivationSpec(
        name="acon_c",
        class_name="ACONC",
        family="adaptive",
        summary="ACON-C: (p1 - p2) x sigmoid(beta (p1 - p2) x) + p2 x, a smooth maximum of p1 x "
        "and p2 x whose switching (beta) and slopes are learned: 'activate or not'.",
        fn=_acon_c,
        sym="(p1 - p2)*x*sigmoid(beta*(p1 - p2)*x) + p2*x",
        params=(
            Param("p1", 1.0, REALS, learnable=True, doc="Slope on the activated side (learned)."),
            Param("p2", 0.0, REALS, learnable=True, doc="Slope on the other side (learned)."),
            Param("beta", 1.0, REALS, learnable=True, doc="Switching factor (learned)."),
            DIM,
        ),
        formula=r"(p_1 - p_2)\, x\, \sigma\big(\beta (p_1 - p_2) x\big) + p_2 x",
        formula_d1=r"p_2 + (p_1 - p_2)\, \sigma(u)\big(1 + u\, \sigma(-u)\big),\; "
        r"u = \beta (p_1 - p_2) x",
        output_range=_ACON_DEFAULT.output_range,
        properties=_ACON_DEFAULT.properties,
        limits=_ACON_DEFAULT.limits,
        facts=lambda p: _acon_c_facts(p["p1"], p["p2"], p["beta"]),
        test_params=(
            {"p1": 1.0, "p2": 0.25, "beta": 2.0},
            {"p1": 0.5, "p2": 1.0, "beta": 1.0},
            {"p1": 1.0, "p2": -0.2, "beta": 1.0},
        ),
        paper="Ma, Zhang, Liu, Zhang & Sun, 'Activate or Not: Learning Customized Activation', "
        "CVPR 2021 (arXiv:2009.04759, 2020)",
        checked="Paper body not retrievable here (abstract only); the authors' acon.py "
        "(nmaac/acon) computes (p1 x - p2 x) sigmoid(beta (p1 x - p2 x)) + p2 x, which is "
        "fn and sym, and survey §4.4.6 Eq. 358 as given by a public PyTorch port that "
        "transcribes the survey's §4 with equation numbers agrees.",
        notes="Starts as SiLU (p1 = 1, p2 = 0, beta = 1; the authors' code draws p1, p2 from N(0, 1) "
        "and starts beta at 1); beta -> inf gives max(p1 x, p2 x), "
        "beta = 0 the mean slope (p1 + p2)/2. Increasing exactly when p2 + min((p1 - p2) g) >= 0, "
        "g in [-0.0998, 1.0998] the range of SiLU's derivative. Kunc & Kléma 2024, §4.4.6.",
    )
)


# -- Swish-T ----------------------------------------------------------------------------------


def _swish_t(x, beta, alpha, dim):
    x, b = along(x, dim, beta)
    body = lambda t: t * torch.sigmoid(b * t) + alpha * torch.tanh(t)
    return finite(x, body, -alpha, INF, 0.0, 1.0)


def _swish_t_facts(beta: float, alpha: float) -> Facts:
    f = lambda x: x * special.expit(beta * x) + alpha * np.tanh(x)
    d1 = lambda x: dsilu_np(beta * x) + alpha / np.cosh(x) ** 2
    span = 60.0 / beta + 30.0
    increasing = minimum(d1, -span, 0.0)[1] >= 0.0
    return Facts(dip_range(f, -span, -alpha), Properties(increasing, SMOOTH, True), (-alpha, INF))


_SWISH_T_DEFAULT = _swish_t_facts(1.0, 0.1)

register(
    ActivationSpec(
        name="swish_t",
        aliases=("swisht",),
        family="adaptive",
        summary="Swish-T: x sigmoid(beta x) + alpha tanh(x), Swish with a tanh bias that lets "
        "more negative values through (limit -alpha); beta is learned.",
        fn=_swish_t,
        sym="x*sigmoid(beta*x) + alpha*tanh(x)",
        params=(
            Param("beta", 1.0, POSITIVE, learnable=True, doc="Gate sharpness (learned)."),
            Param("alpha", 0.1, NONNEGATIVE, doc="Weight of the tanh bias."),
            DIM,
        ),
        formula=r"x\, \sigma(\beta x) + \alpha \tanh x",
        formula_d1=r"\sigma(\beta x)\big(1 + \beta x\, \sigma(-\beta x)\big) + "
        r"\alpha \operatorname{sech}^2 x",
        output_range=_SWISH_T_DEFAULT.output_range,
        properties=_SWISH_T_DEFAULT.properties,
        limits=_SWISH_T_DEFAULT.limits,
        facts=lambda p: _swish_t_facts(p["beta"], p["alpha"]),
        test_params=({"beta": 2.0, "alpha": 0.5}, {"beta": 0.5, "alpha": 0.0}),
        paper="Seo, Kim & Park, 'Swish-T: Enhancing Swish Activation with Tanh Bias for Improved "
        "Neural Network Performance', arXiv:2407.01012, 2024",
        checked="Paper body not retrievable here (arXiv:2407.01012 opening: abstract); "
        "sciencestack's summary of the paper gives f(x; beta, alpha) = x sigmoid(beta x) +"
        " alpha tanh(x), matching; the default alpha = 0.1 was not checked (the paper "
        "postdates the survey).",
        notes="The family's base member (the paper also has variants T_A, T_B, T_C). alpha is a "
        "fixed hyper-parameter there; 0.1 is this catalogue's default. alpha = 0 is Swish.",
    )
)


# -- ErfAct and Pserf -------------------------------------------------------------------------


def _erf_act(x, alpha, beta, dim):
    x, a, b = along(x, dim, alpha, beta)
    # erf(a e^{50}) is 1 to the last bit for any a > 1e-20: clamp before exp() overflows.
    body = lambda t: t * torch.erf(a * torch.exp(torch.clamp(b * t, max=50.0)))
    return finite(x, body, 0.0, INF, 0.0, 1.0)


def _erf_act_facts(alpha: float, beta: float) -> Facts:
    f = lambda x: x * special.erf(alpha * np.exp(beta * x))
    low = -(60.0 + abs(math.log(alpha))) / beta
    return Facts(dip_range(f, low), GATE, (0.0, INF))


register(
    ActivationSpec(
        name="erf_act",
        class_name="ErfAct",
        aliases=("erfact",),
        family="adaptive",
        summary="ErfAct: x erf(alpha e^(beta x)), a Swish-like unit whose gate is an error "
        "function of an exponential; alpha and beta are learned.",
        fn=_erf_act,
        sym="x*erf(alpha*exp(beta*x))",
        params=(
            Param("alpha", 0.75, POSITIVE, learnable=True, doc="Gate scale (learned)."),
            Param("beta", 0.75, POSITIVE, learnable=True, doc="Gate rate (learned)."),
            DIM,
        ),
        formula=r"x \operatorname{erf}\left(\alpha e^{\beta x}\right)",
        formula_d1=r"\operatorname{erf}\left(\alpha e^{\beta x}\right) + \frac{2 \alpha \beta x}"
        r"{\sqrt\pi} e^{\beta x - \alpha^2 e^{2 \beta x}}",
        output_range=_erf_act_facts(0.75, 0.75).output_range,
        properties=GATE,
        limits=(0.0, INF),
        facts=lambda p: _erf_act_facts(p["alpha"], p["beta"]),
        test_params=({"alpha": 2.0, "beta": 0.5},),
        paper="Biswas, Kumar, Banerjee & Pandey, 'ErfAct and Pserf: Non-monotonic Smooth "
        "Trainable Activation Functions', AAAI 2022 (arXiv:2109.04386, 2021)",
        checked="Paper body not retrievable here (ar5iv arXiv:2109.04386 opening: abstract); x "
        "erf(alpha e^(beta x)) matches survey §4.4.12 Eq. 365 as given by a public PyTorch"
        " port that transcribes the survey's §4 with equation numbers, and a public port "
        "starts alpha = beta = 0.75; the venue (AAAI 2022) was not re-checked.",
        notes="Start values alpha = beta = 0.75. Kunc & Kléma 2024, §4.4.12.",
    )
)


def _pserf(x, gamma, delta, dim):
    x, g, d = along(x, dim, gamma, delta)
    body = lambda t: t * torch.erf(g * softplus(d * t))
    return finite(x, body, 0.0, INF, 0.0, 1.0)


def _pserf_facts(gamma: float, delta: float) -> Facts:
    f = lambda x: x * special.erf(gamma * np.logaddexp(0.0, delta * x))
    low = -(60.0 + abs(math.log(gamma))) / delta
    return Facts(dip_range(f, low), GATE, (0.0, INF))


register(
    ActivationSpec(
        name="pserf",
        class_name="Pserf",
        family="adaptive",
        summary="Pserf: x erf(gamma ln(1 + e^(delta x))), the parametric Serf; gamma and delta "
        "are learned.",
        fn=_pserf,
        sym="x*erf(gamma*softplus(delta*x))",
        params=(
            Param("gamma", 1.25, POSITIVE, learnable=True, doc="Gate scale (learned)."),
            Param("delta", 0.85, POSITIVE, learnable=True, doc="Gate rate (learned)."),
            DIM,
        ),
        formula=r"x \operatorname{erf}\big(\gamma \ln(1 + e^{\delta x})\big)",
        formula_d1=r"\operatorname{erf}(\gamma s) + \frac{2 \gamma \delta x}{\sqrt\pi} "
        r"\sigma(\delta x)\, e^{-\gamma^2 s^2},\; s = \ln(1 + e^{\delta x})",
        output_range=_pserf_facts(1.25, 0.85).output_range,
        properties=GATE,
        limits=(0.0, INF),
        facts=lambda p: _pserf_facts(p["gamma"], p["delta"]),
        test_params=({"gamma": 1.0, "delta": 1.0}, {"gamma": 0.5, "delta": 3.0}),
        paper="Biswas, Kumar, Banerjee & Pandey, 'ErfAct and Pserf: Non-monotonic Smooth "
        "Trainable Activation Functions', AAAI 2022 (arXiv:2109.04386, 2021)",
        checked="Paper body not retrievable here; x erf(gamma ln(1 + e^(delta x))) matches survey "
        "§4.4.13 Eq. 366 as given by a public PyTorch port that transcribes the survey's "
        "§4 with equation numbers; the start values gamma = 1.25, delta = 0.85 could not "
        "be checked (one public port starts at gamma = 1, delta = 1.25).",
        notes="gamma = delta = 1 is Serf. Start values gamma = 1.25, delta = 0.85 (not re-checked "
        "against the paper). Kunc & Kléma 2024, §4.4.13.",
    )
)


# -- SMU --------------------------------------------------------------------------------------

# max |erf(u) + 2u e^{-u^2}/sqrt(pi)|'s overshoot: the bracket in SMU's f' dips to -H at u = -1.
SMU_OVERSHOOT = math.erf(1.0) + 2.0 / (math.e * math.sqrt(math.pi))


def _smu(x, alpha, mu, dim):
    x, m = along(x, dim, mu)
    c = m * (1.0 - alpha)
    body = lambda t: 0.5 * ((1.0 + alpha) * t + (1.0 - alpha) * t * torch.erf(c * t))
    return finite(x, body, -INF if alpha > 0 else 0.0, INF, alpha, 1.0)


def _smu_facts(alpha: float, mu: float) -> Facts:
    if alpha == 0.0:
        f = lambda x: 0.5 * x * (1.0 + special.erf(mu * x))
        return Facts(dip_range(f, -60.0 / mu), GATE, (0.0, INF))
    increasing = (1.0 + alpha) - (1.0 - alpha) * SMU_OVERSHOOT >= 0.0
    return Facts(REALS, Properties(increasing, SMOOTH, True), (-INF, INF))


register(
    ActivationSpec(
        name="smu",
        class_name="SMU",
        aliases=("smooth_maximum_unit",),
        family="adaptive",
        summary="Smooth maximum unit: ((1 + alpha) x + (1 - alpha) x erf(mu (1 - alpha) x))/2, "
        "a smooth leaky ReLU max(x, alpha x) with a learned smoothing mu.",
        fn=_smu,
        sym="((1 + alpha)*x + (1 - alpha)*x*erf(mu*(1 - alpha)*x))/2",
        params=(
            Param("alpha", 0.25, Interval(0.0, 1.0), doc="Slope of the leaky side."),
            Param("mu", 1.0, POSITIVE, learnable=True, doc="Smoothing (learned)."),
            DIM,
        ),
        formula=r"\frac{(1 + \alpha) x + (1 - \alpha) x \operatorname{erf}\big(\mu (1 - \alpha) "
        r"x\big)}{2}",
        formula_d1=r"\frac{1 + \alpha}{2} + \frac{1 - \alpha}{2}\left(\operatorname{erf}(c x) + "
        r"\frac{2 c x}{\sqrt\pi} e^{-c^2 x^2}\right),\; c = \mu (1 - \alpha)",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        limits=(-INF, INF),
        facts=lambda p: _smu_facts(p["alpha"], p["mu"]),
        test_params=({"alpha": 0.0, "mu": 2.0}, {"alpha": 0.05, "mu": 1.0}),
        paper="Biswas, Kumar, Banerjee & Pandey, 'Smooth Maximum Unit: Smooth Activation "
        "Function for Deep Networks using Smoothing Maximum Technique', CVPR 2022 "
        "(arXiv:2111.04682, 2021)",
        checked="Paper body not retrievable here (ar5iv arXiv:2111.04682 and CVF pages: abstract "
        "only); ((1 + alpha) x + (1 - alpha) x erf(mu (1 - alpha) x))/2 matches survey "
        "§4.2.7 Eq. 265 as given by a public PyTorch port that transcribes the survey's §4"
        " with equation numbers, and public TF and PyTorch SMU code citing "
        "arXiv:2111.04682 (alpha = 0.25, mu initialised to 1e6).",
        notes="alpha = 0.25 and a learned mu as in the paper; public SMU code citing the paper "
        "starts mu at 1e6 (SMU is then max(x, alpha x) but within ~1e-5 of 0), while the "
        "default mu = 1 here is this catalogue's, so the curve starts visibly smooth. "
        "mu -> inf gives max(x, alpha x). "
        "Increasing exactly when 1 + alpha >= (1 - alpha)(erf 1 + 2/(e sqrt pi)), i.e. "
        "alpha >= 0.1142. Kunc & Kléma 2024, §4.2.7.",
    )
)


def _smu1(x, alpha, mu, dim):
    x, m = along(x, dim, mu)

    def root(t: torch.Tensor) -> torch.Tensor:
        # sqrt(u^2 + mu^2) without overflow for huge u: M sqrt(1 + (m/M)^2), M = max(|u|, mu).
        u = ((1.0 - alpha) * t).abs()
        big, small = torch.maximum(u, m), torch.minimum(u, m)
        return big * torch.sqrt(1.0 + (small / big) ** 2)

    right = lambda t: 0.5 * ((1.0 + alpha) * t + root(t))
    # For x < 0 the sum (1 + alpha) x + root cancels; its conjugate form does not (and is 0/0
    # at some x > 0, which where_safe keeps out of the gradient).
    left = lambda t: (4.0 * alpha * t * t - m * m) / (2.0 * ((1.0 + alpha) * t - root(t)))
    body = lambda t: where_safe(t >= 0, t, right, left)

    return finite(x, body, -INF if alpha > 0 else 0.0, INF, alpha, 1.0)


def _smu1_facts(alpha: float) -> Facts:
    shape = Properties(monotonic=True, smoothness=SMOOTH, zero_centred=False)
    if alpha > 0:
        return Facts(REALS, shape, (-INF, INF))
    return Facts(Interval(0.0, INF, low_open=True), shape, (0.0, INF))


register(
    ActivationSpec(
        name="smu1",
        class_name="SMU1",
        aliases=("smu_1",),
        family="adaptive",
        summary="SMU-1: ((1 + alpha) x + sqrt((1 - alpha)^2 x^2 + mu^2))/2, the algebraic smooth "
        "maximum of x and alpha x, smoothed by a learned mu.",
        fn=_smu1,
        sym="Piecewise((((1 + alpha)*x + sqrt((1 - alpha)**2*x**2 + mu**2))/2, x >= 0), "
        "((4*alpha*x**2 - mu**2)/(2*((1 + alpha)*x - sqrt((1 - alpha)**2*x**2 + mu**2))), True))",
        params=(
            Param("alpha", 0.25, Interval(0.0, 1.0), doc="Slope of the leaky side."),
            Param("mu", 1.0, POSITIVE, learnable=True, doc="Smoothing (learned)."),
            DIM,
        ),
        formula=r"\frac{(1 + \alpha) x + \sqrt{(1 - \alpha)^2 x^2 + \mu^2}}{2}",
        formula_d1=r"\frac{1 + \alpha}{2} + \frac{(1 - \alpha)^2 x}{2 \sqrt{(1 - \alpha)^2 x^2 + "
        r"\mu^2}}",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=False),
        limits=(-INF, INF),
        facts=lambda p: _smu1_facts(p["alpha"]),
        test_params=({"alpha": 0.0, "mu": 0.5},),
        paper="Biswas, Kumar, Banerjee & Pandey, 'Smooth Maximum Unit: Smooth Activation "
        "Function for Deep Networks using Smoothing Maximum Technique', CVPR 2022 "
        "(arXiv:2111.04682, 2021)",
        checked="Paper body not retrievable here; ((1 + alpha) x + sqrt((1 - alpha)^2 x^2 + "
        "mu^2))/2 matches public TF and PyTorch SMU1 code citing arXiv:2111.04682, read "
        "via find_string (alpha = 0.25, mu initialised to 4.352665993287951e-9).",
        notes="f(0) = mu/2 and f' >= alpha: increasing for every mu. The reference writes the "
        "x < 0 side in the conjugate form (4 alpha x^2 - mu^2)/(2((1 + alpha) x - sqrt(...))), "
        "which does not cancel. The start value mu = 1 is this catalogue's (public SMU-1 code "
        "starts at 4.352665993287951e-9). Kunc & Kléma 2024 list SMU in §4.2.7.",
    )
)
