"""More learnable units from the survey (Kunc & Kléma 2024, §4.2): deformed and shifted ELUs
(PDELU, ShELU, SvELU), a learnable flatten-T swish (PFTS), the adaptive linearized sigmoid
(ALiSA) and a learnable softsign (ScaledSoftSign).

Parameters are shared or per channel along `dim` (see adaptive.py); the claims are for one
shared set. Negative exponential branches go through `where_safe`, so they never see large x.
"""

from __future__ import annotations

import math

import torch

from actlab.catalog.entries._shapes import DIM, along
from actlab.catalog.entries._torch import finite, hypot, where_safe
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


def _identity(t: torch.Tensor) -> torch.Tensor:
    return t


# -- PDELU ------------------------------------------------------------------------------------


def _pdelu(x, alpha, t, dim):
    x, a = along(x, dim, alpha)
    power = 1.0 / (1.0 - t)
    # (1 + (1 - t) x)_+^(1/(1 - t)): for t < 1 the clamp makes it exactly 0 (f = -alpha) for
    # x <= -1/(1 - t), and power >= 2 keeps f'' finite where the base reaches 0; for t > 1
    # the base is >= 1 on x <= 0 and the negative power decays to 0 (f -> -alpha).
    negative = lambda n: a * (torch.clamp(1.0 + (1.0 - t) * n, min=0.0) ** power - 1.0)
    return finite(x, lambda u: where_safe(u > 0, u, _identity, negative), -a, INF, 0.0, 1.0)


def _pdelu_facts(alpha: float, t: float) -> Facts:
    shape = Properties(monotonic=True, smoothness=1 if alpha == 1.0 else 0, zero_centred=alpha > 0)
    if t > 1.0:  # no floor: f decays to -alpha like |x|^(-1/(t - 1)) and never reaches it
        return Facts(
            Interval(-alpha, INF, low_open=alpha > 0), shape, (-alpha, INF), (0.0,), {0.0: alpha}
        )
    floor = -1.0 / (1.0 - t)  # f = -alpha from here down
    return Facts(
        Interval(-alpha, INF), shape, (-alpha, INF), (floor, 0.0), {floor: 0.0, 0.0: alpha}
    )


def _pdelu_t(p) -> str | None:
    return "t = 1 divides by 1 - t; t -> 1 is ELU, so use elu" if p["t"] == 1.0 else None


_PDELU_DEFAULT = _pdelu_facts(1.0, 0.9)

register(
    ActivationSpec(
        name="pdelu",
        class_name="PDELU",
        family="adaptive",
        summary="Parametric deformable ELU: x for x > 0 and alpha((1 + (1 - t) x)_+^(1/(1 - t)) "
        "- 1) below, an ELU whose exponential is deformed by t (t -> 1: ELU); for t < 1 it "
        "reaches its floor -alpha at x = -1/(1 - t), for t > 1 it only tends to it.",
        fn=_pdelu,
        sym="Piecewise((x, x > 0), (alpha*((1 + (1 - t)*x)**(1/(1 - t)) - 1), 1 + (1 - t)*x > 0), "
        "(-alpha, True))",
        params=(
            Param("alpha", 1.0, NONNEGATIVE, learnable=True, doc="Floor -alpha (learned)."),
            Param(
                "t",
                0.9,
                Interval(0.5, INF),
                doc="Deformation, t != 1; t -> 1 gives ELU (t >= 1/2 keeps f'' finite).",
            ),
            DIM,
        ),
        formula=r"\begin{cases} x & x > 0 \\ \alpha\left(\left[1 + (1 - t) x\right]_+^{1/(1 - t)}"
        r" - 1\right) & x \le 0 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x > 0 \\ \alpha \left[1 + (1 - t) x\right]_+^{t/(1 - t)} & "
        r"x \le 0 \end{cases}",
        output_range=_PDELU_DEFAULT.output_range,
        properties=_PDELU_DEFAULT.properties,
        kinks=_PDELU_DEFAULT.kinks,
        kink_derivative=_PDELU_DEFAULT.kink_derivative,
        limits=_PDELU_DEFAULT.limits,
        constraint=_pdelu_t,
        facts=lambda p: _pdelu_facts(p["alpha"], p["t"]),
        test_params=({"alpha": 0.5, "t": 0.6}, {"alpha": 0.0, "t": 0.9}, {"alpha": 0.7, "t": 1.5}),
        paper="Cheng, Li, Wu, Ma & Ngan, 'Parametric deformable exponential linear units for "
        "deep neural networks', Neural Networks 125:281-289, 2020",
        checked="Citation corrected from the paper's records (bohrium and PubMed mirrors of Neural "
        "Networks 125:281-289, 2020: Cheng, Li, Wu, Ma & Ngan); body not retrievable here; the "
        "authors' Caffe PNELU layer (chituma110/deformed-exponentials-linear-units) computes "
        "max(x, 0) + alpha([max(0, 1 + (1 - t) min(x, 0))]^(1/(1 - t)) - 1) with default "
        "t = 1.5, matching fn and sym (hence t > 1 is valid here); survey §4.2.59 Eq. 332 as "
        "given by a public PyTorch port of the survey's §4 agrees, with t = 0.9.",
        notes="t = 0.9 as the survey's ports use (the authors' Caffe layer defaults to t = 1.5 "
        "and clamps the base at 0 exactly as here; the paper's own value was not readable "
        "here), alpha learned per channel (start 1: C^1 at 0, f'' jumps from t to 0). For "
        "t < 1 the flat floor below x = -1/(1 - t) is reached smoothly (C^9 at t = 0.9); for "
        "t > 1 there is no floor. Kunc & Kléma 2024, §4.2.59.",
    )
)


# -- shifted ELUs -----------------------------------------------------------------------------

GRELSSON_2018 = (
    "Grelsson & Felsberg, 'Improved Learning in Convolutional Neural Networks with Shifted "
    "Exponential Linear Units (ShELUs)', ICPR 2018"
)


def _shelu(x, b, alpha, dim):
    x, b = along(x, dim, b)
    negative = lambda n: alpha * torch.expm1(n)
    body = lambda t: where_safe(t + b >= 0, t + b, _identity, negative)
    return finite(x, body, -alpha, INF, 0.0, 1.0)


def _elu_shift_facts(kink: float, alpha: float, at_zero: float, low: float) -> Facts:
    return Facts(
        Interval(low, INF, low_open=True),
        Properties(monotonic=True, smoothness=1 if alpha == 1.0 else 0, zero_centred=at_zero == 0),
        (low, INF),
        (kink,),
        {kink: 1.0},
    )


def _shelu_facts(b: float, alpha: float) -> Facts:
    at_zero = b if b >= 0 else alpha * math.expm1(b)
    return _elu_shift_facts(-b, alpha, at_zero, -alpha)


register(
    ActivationSpec(
        name="shelu",
        class_name="ShELU",
        aliases=("shifted_elu",),
        family="adaptive",
        summary="Horizontally shifted ELU: elu(x + b) with a learned shift b per channel, which "
        "moves the kink away from 0.",
        fn=_shelu,
        sym="Piecewise((x + b, x + b >= 0), (alpha*expm1(x + b), True))",
        params=(
            Param("b", 0.0, REALS, learnable=True, doc="Horizontal shift (learned)."),
            Param("alpha", 1.0, POSITIVE, doc="The ELU's saturation level -alpha."),
            DIM,
        ),
        formula=r"\begin{cases} x + b & x + b \ge 0 \\ \alpha\left(e^{x + b} - 1\right) & "
        r"x + b < 0 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x + b \ge 0 \\ \alpha e^{x + b} & x + b < 0 \end{cases}",
        output_range=Interval(-1.0, INF, low_open=True),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-1.0, INF),
        facts=lambda p: _shelu_facts(p["b"], p["alpha"]),
        test_params=({"b": 0.5, "alpha": 2.0}, {"b": -1.0, "alpha": 1.0}),
        paper=GRELSSON_2018,
        checked="Paper body not retrievable here (ICPR 2018 pp. 517-522; core.ac.uk abstract "
        "confirms a learned per-neuron shift of ELU); elu(x + b) matches survey §4.2.56 "
        "Eq. 324 as given by a public PyTorch port that transcribes the survey's §4 with "
        "equation numbers.",
        notes="The paper's ShELU has alpha = 1 (start b = 0: ELU). Kunc & Kléma 2024, §4.2.56.",
    )
)


def _svelu(x, b, alpha, dim):
    x, b = along(x, dim, b)
    negative = lambda n: alpha * torch.expm1(n)
    body = lambda t: where_safe(t >= 0, t, _identity, negative) + b
    return finite(x, body, b - alpha, INF, 0.0, 1.0)


register(
    ActivationSpec(
        name="svelu",
        class_name="SvELU",
        aliases=("vertically_shifted_elu",),
        family="adaptive",
        summary="Vertically shifted ELU: elu(x) + b with a learned shift b per channel.",
        fn=_svelu,
        sym="Piecewise((x + b, x >= 0), (alpha*expm1(x) + b, True))",
        params=(
            Param("b", 0.0, REALS, learnable=True, doc="Vertical shift (learned)."),
            Param("alpha", 1.0, POSITIVE, doc="The ELU's saturation level b - alpha."),
            DIM,
        ),
        formula=r"\begin{cases} x + b & x \ge 0 \\ \alpha\left(e^{x} - 1\right) + b & x < 0 "
        r"\end{cases}",
        formula_d1=r"\begin{cases} 1 & x \ge 0 \\ \alpha e^{x} & x < 0 \end{cases}",
        output_range=Interval(-1.0, INF, low_open=True),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-1.0, INF),
        facts=lambda p: _elu_shift_facts(0.0, p["alpha"], p["b"], p["b"] - p["alpha"]),
        test_params=({"b": 0.5, "alpha": 2.0},),
        paper=GRELSSON_2018,
        checked="Not checked against the paper (its abstract names only the horizontal ShELU); "
        "elu(x) + b matches survey §4.2.56 Eq. 325 as given by a public PyTorch port that "
        "transcribes the survey's §4 with equation numbers, which lists it under the same "
        "citation.",
        notes="Start b = 0 (ELU). Kunc & Kléma 2024, §4.2.56 (listed with ShELU).",
    )
)


# -- PFTS -------------------------------------------------------------------------------------


def _pfts(x, T, dim):
    x, T = along(x, dim, T)
    body = lambda t: torch.where(~(t < 0), t * torch.sigmoid(t), 0.0) + T
    return finite(x, body, T, INF, 0.0, 1.0)


register(
    ActivationSpec(
        name="pfts",
        class_name="PFTS",
        aliases=("parametric_flatten_t_swish",),
        family="adaptive",
        summary="Parametric flatten-T swish: x sigmoid(x) + T for x >= 0 and T below, the "
        "flatten-T swish with its level T learned per channel.",
        fn=_pfts,
        sym="Piecewise((x*sigmoid(x) + T, x >= 0), (T, True))",
        params=(
            Param("T", -0.2, REALS, learnable=True, doc="Flat level for x < 0 (learned)."),
            DIM,
        ),
        formula=r"\begin{cases} x\,\sigma(x) + T & x \ge 0 \\ T & x < 0 \end{cases}",
        formula_d1=r"\begin{cases} \sigma(x) + x\,\sigma(x)(1 - \sigma(x)) & x \ge 0 \\ 0 & "
        r"x < 0 \end{cases}",
        output_range=Interval(-0.2, INF),
        properties=Properties(monotonic=True, smoothness=0, zero_centred=False),
        kinks=(0.0,),
        kink_derivative={0.0: 0.5},
        limits=(-0.2, INF),
        facts=lambda p: Facts(
            Interval(p["T"], INF),
            Properties(True, 0, False),
            (p["T"], INF),
            (0.0,),
            {0.0: 0.5},
        ),
        test_params=({"T": 0.3},),
        paper="Chieng, Wahid & Ong, 'Parametric Flatten-T Swish: An Adaptive Non-linear "
        "Activation Function For Deep Learning', Journal of Information and Communication "
        "Technology 20(1):21-39, 2021 (arXiv:2011.03155, 2020)",
        checked="Paper body not retrievable here (vdocuments copy of J. ICT 20(1):21-39: front "
        "page and abstract); relu(x) sigmoid(x) + T with T = -0.2 matches survey §4.10 Eq."
        " 379 as given by a public PyTorch port that transcribes the survey's §4 with "
        "equation numbers.",
        notes="T starts at -0.20, the fixed value of fts. Kunc & Kléma 2024, §4.10.",
    )
)


# -- ALiSA ------------------------------------------------------------------------------------


def _alisa(x, a_l, a_r, dim):
    x, al, ar = along(x, dim, a_l, a_r)
    body = lambda t: torch.where(t >= 1, ar * (t - 1.0) + 1.0, torch.where(t > 0, t, al * t))
    low = torch.where(al > 0, torch.full_like(al, -INF), torch.zeros_like(al))
    high = torch.where(ar > 0, torch.full_like(ar, INF), torch.ones_like(ar))
    return finite(x, body, low, high, al, ar)


def _alisa_facts(a_l: float, a_r: float) -> Facts:
    low = -INF if a_l > 0 else 0.0
    high = INF if a_r > 0 else 1.0
    kinks = tuple(k for k, a in ((0.0, a_l), (1.0, a_r)) if a != 1.0)
    return Facts(
        Interval(low, high),
        Properties(monotonic=True, smoothness=0 if kinks else SMOOTH, zero_centred=a_l > 0),
        (low, high),
        kinks,
        {k: a for k, a in ((0.0, a_l), (1.0, a_r)) if a != 1.0},
    )


_ALISA_DEFAULT = _alisa_facts(0.01, 0.5)

register(
    ActivationSpec(
        name="alisa",
        class_name="ALiSA",
        aliases=("adaptive_linearized_sigmoidal_activation",),
        family="adaptive",
        summary="Adaptive linearized sigmoidal activation: the identity on [0, 1] with learned "
        "slopes a_l below 0 and a_r above 1, a piecewise-linear sigmoid that need not saturate.",
        fn=_alisa,
        sym="Piecewise((a_r*x - a_r + 1, x >= 1), (x, x > 0), (a_l*x, True))",
        params=(
            Param("a_l", 0.01, NONNEGATIVE, learnable=True, doc="Slope below 0 (learned)."),
            Param("a_r", 0.5, NONNEGATIVE, learnable=True, doc="Slope above 1 (learned)."),
            DIM,
        ),
        formula=r"\begin{cases} a_r x - a_r + 1 & x \ge 1 \\ x & 0 < x < 1 \\ a_l x & x \le 0 "
        r"\end{cases}",
        formula_d1=r"\begin{cases} a_r & x \ge 1 \\ 1 & 0 < x < 1 \\ a_l & x \le 0 \end{cases}",
        output_range=_ALISA_DEFAULT.output_range,
        properties=_ALISA_DEFAULT.properties,
        kinks=_ALISA_DEFAULT.kinks,
        kink_derivative=_ALISA_DEFAULT.kink_derivative,
        limits=_ALISA_DEFAULT.limits,
        facts=lambda p: _alisa_facts(p["a_l"], p["a_r"]),
        test_params=({"a_l": 0.0, "a_r": 0.0}, {"a_l": 0.2, "a_r": 2.0}),
        paper="Bawa & Kumar, 'Linearized sigmoidal activation: A novel activation function with "
        "tractable non-linear characteristics to boost representation capability', Expert "
        "Systems with Applications 120:346-356, 2019",
        checked="Paper behind a paywall (ESWA 120:346-356); a_r x - a_r + 1 for x >= 1, x on (0, "
        "1), a_l x for x <= 0 matches survey §4.33.2 Eq. 457 as given by a public PyTorch "
        "port that transcribes the survey's §4 with equation numbers.",
        notes="With a_l = a_r = 0 it is the hard sigmoid clip(x, 0, 1); the paper's LiSA fixes "
        "the slopes. The start values a_l = 0.01, a_r = 0.5 are this catalogue's. Kunc & Kléma "
        "2024, §4.33.2.",
    )
)


# -- ScaledSoftSign ---------------------------------------------------------------------------


def _scaled_softsign(x, alpha, beta, dim):
    x, a, b = along(x, dim, alpha, beta)
    return finite(x, lambda t: a * t / (b + t.abs()), -a, a)


register(
    ActivationSpec(
        name="scaled_softsign",
        class_name="ScaledSoftSign",
        family="adaptive",
        summary="Scaled softsign: alpha x / (beta + |x|), softsign with a learned amplitude alpha "
        "and knee beta.",
        fn=_scaled_softsign,
        sym="Piecewise((alpha*x/(beta + x), x >= 0), (alpha*x/(beta - x), True))",
        params=(
            Param("alpha", 1.0, POSITIVE, learnable=True, doc="Amplitude (learned)."),
            Param("beta", 1.0, POSITIVE, learnable=True, doc="Knee (learned)."),
            DIM,
        ),
        formula=r"\frac{\alpha x}{\beta + |x|}",
        formula_d1=r"\frac{\alpha \beta}{(\beta + |x|)^2}",
        output_range=Interval(-1.0, 1.0, low_open=True, high_open=True),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-1.0, 1.0),
        facts=lambda p: Facts(
            Interval(-p["alpha"], p["alpha"], low_open=True, high_open=True),
            Properties(True, 1, True),
            (-p["alpha"], p["alpha"]),
            (0.0,),
            {0.0: p["alpha"] / p["beta"]},
        ),
        test_params=({"alpha": 2.0, "beta": 0.5},),
        paper="Pishchik, 'Trainable Activations for Image Classification', Preprints "
        "2023010463, 2023",
        checked="Preprint body not retrievable here; alpha x/(beta + |x|) matches survey §4.20 Eq."
        " 429 as given by a public PyTorch port that transcribes the survey's §4 with "
        "equation numbers.",
        notes="alpha = beta = 1 is softsign. C^1: f'' jumps from 2 alpha/beta^2 to -2 alpha/beta^2 "
        "at 0. Kunc & Kléma 2024, §4.20.",
    )
)


# -- BLU -------------------------------------------------------------------------------------


def _blu(x, beta, dim):
    x, b = along(x, dim, beta)
    # beta (sqrt(x^2 + 1) - 1) + x with sqrt(x^2 + 1) - 1 = x (x / (sqrt(x^2 + 1) + 1)): no
    # cancellation near 0 and no overflow of x^2.
    bend = lambda t: b * (t * (t / (hypot(t, 1.0) + 1.0))) + t
    low = torch.where(b < 1, -INF, -1.0)
    high = torch.where(b > -1, INF, 1.0)
    return finite(x, bend, low, high, 1.0 - b, 1.0 + b)


def _blu_facts(beta: float) -> Facts:
    low = -INF if beta < 1.0 else -1.0
    high = INF if beta > -1.0 else 1.0
    return Facts(
        Interval(low, high, low_open=math.isfinite(low), high_open=math.isfinite(high)),
        Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        (low, high),
    )


register(
    ActivationSpec(
        name="blu",
        class_name="BLU",
        aliases=("bendable_linear_unit",),
        family="adaptive",
        summary="Bendable linear unit: beta (sqrt(x^2 + 1) - 1) + x with learned beta in "
        "[-1, 1]; bends the identity towards a smooth rectifier (beta = 1/2: bent identity).",
        fn=_blu,
        sym="beta*x**2/(sqrt(x**2 + 1) + 1) + x",  # sqrt(x^2 + 1) - 1 without cancellation
        params=(
            Param("beta", 0.5, Interval(-1.0, 1.0), learnable=True, doc="Bend (learned)."),
            DIM,
        ),
        formula=r"\beta \left(\sqrt{x^2 + 1} - 1\right) + x",
        formula_d1=r"\frac{\beta x}{\sqrt{x^2 + 1}} + 1",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        limits=(-INF, INF),
        facts=lambda p: _blu_facts(p["beta"]),
        test_params=({"beta": 0.0}, {"beta": 1.0}, {"beta": -0.75}),
        paper="Godfrey, 'An Evaluation of Parametric Activation Functions for Deep Learning', "
        "IEEE SMC 2019",
        checked="Paper body not retrievable here (IEEE SMC 2019); beta (sqrt(x^2 + 1) - 1) + x "
        "with beta in [-1, 1] matches survey §4.2.37 Eq. 300 as given by a public PyTorch "
        "port that transcribes the survey's §4 with equation numbers.",
        notes="Slopes 1 - beta at -inf and 1 + beta at +inf; beta = ±1 makes one side saturate "
        "at ∓1. beta = 1/2 is bent_identity. Kunc & Kléma 2024, §4.2.37.",
    )
)
