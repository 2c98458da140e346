"""Learnable rectifiers from the survey (Kunc & Kléma 2024, §4.2, §4.33-4.35): ReLU-shaped units
whose thresholds, slopes or shifts are trained with the network.

As in adaptive.py, each learnable parameter is one shared value or one per channel along `dim`
(`actlab.make(name, num_parameters=C)`); the claims (`facts`) are stated for one shared set, and
the defaults are the initial values. No parameter here should get weight decay.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from actlab.catalog.entries._shapes import DIM, along
from actlab.catalog.entries._torch import finite
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

SLOPE = Interval(0.0, INF)


def _srelu(x, t_l, a_l, t_r, a_r, dim):
    x, tl, al, tr, ar = along(x, dim, t_l, a_l, t_r, a_r)

    def formula(t: torch.Tensor) -> torch.Tensor:
        return torch.where(t >= tr, tr + ar * (t - tr), torch.where(t > tl, t, tl + al * (t - tl)))

    low = torch.where(al > 0, -INF, tl)
    high = torch.where(ar > 0, INF, tr)
    return finite(x, formula, low, high, al, ar)


def _srelu_facts(t_l: float, a_l: float, t_r: float, a_r: float) -> Facts:
    low = -INF if a_l > 0 else t_l
    high = INF if a_r > 0 else t_r
    at_zero = (t_r + a_r * (0 - t_r)) if t_r <= 0 else (0.0 if t_l < 0 else t_l + a_l * (0 - t_l))
    kinks = tuple(k for k, a in ((t_l, a_l), (t_r, a_r)) if a != 1.0)
    derivative = {k: a for k, a in ((t_l, a_l), (t_r, a_r)) if a != 1.0}
    return Facts(
        Interval(low, high),
        Properties(
            monotonic=True,
            smoothness=0 if kinks else SMOOTH,
            zero_centred=at_zero == 0.0 and low < 0.0 < high,
        ),
        (low, high),
        kinks,
        derivative,
    )


register(
    ActivationSpec(
        name="srelu",
        class_name="SReLU",
        aliases=("s_shaped_relu",),
        family="adaptive",
        summary="S-shaped ReLU: the identity between learned thresholds t_l < t_r and learned "
        "slopes a_l, a_r beyond them; learns ReLU-, leaky- and sigmoid-like shapes.",
        fn=_srelu,
        sym="Piecewise((t_r + a_r*(x - t_r), x >= t_r), (x, x > t_l), (t_l + a_l*(x - t_l), True))",
        params=(
            Param("t_l", -1.0, REALS, learnable=True, doc="Left threshold (learned)."),
            Param("a_l", 0.1, SLOPE, learnable=True, doc="Slope left of t_l (learned)."),
            Param("t_r", 1.0, REALS, learnable=True, doc="Right threshold (learned)."),
            Param("a_r", 0.1, SLOPE, learnable=True, doc="Slope right of t_r (learned)."),
            DIM,
        ),
        constraint=lambda p: (
            None
            if isinstance(p["t_l"], torch.Tensor) or p["t_l"] <= p["t_r"]
            else f"t_l ({p['t_l']}) must not exceed t_r ({p['t_r']})"
        ),
        formula=r"\begin{cases} t_r + a_r (x - t_r) & x \ge t_r \\ x & t_l < x < t_r \\ "
        r"t_l + a_l (x - t_l) & x \le t_l \end{cases}",
        formula_d1=r"\begin{cases} a_r & x \ge t_r \\ 1 & t_l < x < t_r \\ a_l & x \le t_l "
        r"\end{cases}",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=0, zero_centred=True),
        kinks=(-1.0, 1.0),
        kink_derivative={-1.0: 0.1, 1.0: 0.1},
        limits=(-INF, INF),
        facts=lambda p: _srelu_facts(p["t_l"], p["a_l"], p["t_r"], p["a_r"]),
        test_params=(
            {"t_l": 0.0, "a_l": 0.2, "t_r": 1.0, "a_r": 1.0},
            {"t_l": -2.0, "a_l": 0.0, "t_r": 0.5, "a_r": 2.0},
        ),
        paper="Jin, Xu, Feng, Wei, Xiong & Yan, 'Deep Learning with S-shaped Rectified Linear "
        "Activation Units', AAAI 2016",
        checked="Paper body not retrievable here (AAAI 2016; paperswithcode page: four learnable "
        "t_r, a_r, t_l, a_l, no formula text); the three pieces match keras-contrib's "
        "SReLU docstring (t_r + a_r(x - t_r) for x >= t_r, x between, t_l + a_l(x - t_l) "
        "for x <= t_l; init t_l = 0, a_r = 1) and survey §4.33 Eq. 453 as given by a "
        "public PyTorch port that transcribes the survey's §4 with equation numbers.",
        notes="The paper initialises t_l = 0, a_l in (0, 1), a_r = 1 (a leaky ReLU, the first test "
        "set) and keeps them fixed for the first epochs; the defaults here show the S shape. "
        "Kunc & Kléma 2024, §4.33.",
    )
)


def _frelu(x, b, dim):
    x, b = along(x, dim, b)
    return F.relu(x) + b


register(
    ActivationSpec(
        name="frelu",
        class_name="FReLU",
        aliases=("flexible_relu",),
        family="adaptive",
        summary="Flexible ReLU: relu(x) + b with a learned vertical shift b, so outputs can be "
        "negative and average near 0.",
        fn=_frelu,
        sym="Piecewise((x + b, x > 0), (b, True))",
        params=(Param("b", 0.0, REALS, learnable=True, doc="Vertical shift (learned)."), DIM),
        formula=r"\max(0, x) + b",
        formula_d1=r"\begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}",
        output_range=NONNEGATIVE,
        properties=Properties(monotonic=True, smoothness=0, zero_centred=False),
        kinks=(0.0,),
        kink_derivative={0.0: 0.0},
        limits=(0.0, INF),
        facts=lambda p: Facts(
            Interval(p["b"], INF), Properties(True, 0, False), (p["b"], INF), (0.0,), {0.0: 0.0}
        ),
        test_params=({"b": -0.4},),
        paper="Qiu, Xu & Cai, 'FReLU: Flexible Rectified Linear Units for Improving "
        "Convolutional Neural Networks', ICPR 2018 (arXiv:1706.08098, 2017)",
        checked="Paper body not retrievable here (abstract only); relu(x) + b matches survey "
        "§4.2.15 Eq. 276 (the simplified form of relu(x + a) + b, Eq. 275) as given by a "
        "public PyTorch port that transcribes the survey's §4 with equation numbers.",
        notes="The horizontal shift is left to the layer's bias, as the paper argues. b starts at "
        "0 (ReLU). Kunc & Kléma 2024, §4.2.15.",
    )
)


def _arelu(x, a, b, dim):
    x, a, b = along(x, dim, a, b)
    return torch.where(x >= 0, (1.0 + torch.sigmoid(b)) * x, a.clamp(0.01, 0.99) * x)


def _arelu_facts(a: float, b: float) -> Facts:
    right = 1.0 + 1.0 / (1.0 + math.exp(-b))
    return Facts(REALS, Properties(True, 0, True), (-INF, INF), (0.0,), {0.0: right})


register(
    ActivationSpec(
        name="arelu",
        class_name="AReLU",
        family="adaptive",
        summary="Attention-based ReLU: (1 + sigmoid(b)) x for x >= 0 and clip(a, 0.01, 0.99) x "
        "below, an element-wise attention that amplifies positive and damps negative inputs.",
        fn=_arelu,
        sym="Piecewise(((1 + sigmoid(b))*x, x >= 0), (Min(Max(a, 1/100), 99/100)*x, True))",
        params=(
            Param("a", 0.9, REALS, learnable=True, doc="Negative slope before clipping (learned)."),
            Param("b", 2.0, REALS, learnable=True, doc="Sets the positive gain 1 + sigmoid(b)."),
            DIM,
        ),
        formula=r"\begin{cases} (1 + \sigma(b))\, x & x \ge 0 \\ C(a)\, x & x < 0 \end{cases},\; "
        r"C(a) = \min(\max(a, 0.01), 0.99)",
        formula_d1=r"\begin{cases} 1 + \sigma(b) & x \ge 0 \\ C(a) & x < 0 \end{cases}",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=0, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0 + 1.0 / (1.0 + math.exp(-2.0))},
        limits=(-INF, INF),
        facts=lambda p: _arelu_facts(p["a"], p["b"]),
        test_params=({"a": 0.3, "b": -1.0},),
        paper="Chen, Li & Xu, 'AReLU: Attention-based Rectified Linear Unit', arXiv:2006.13858, "
        "2020",
        checked="Paper body not retrievable here (abstract only); the authors' "
        "activations/arelu.py (densechen/AReLU) computes relu(x)(1 + sigmoid(beta)) - "
        "relu(-x) clamp(alpha, 0.01, 0.99) with alpha = 0.90, beta = 2.0, which is fn and "
        "sym with a = alpha, b = beta; survey §4.2.19 Eq. 280 as given by a public PyTorch"
        " port that transcribes the survey's §4 with equation numbers agrees.",
        notes="Initial values a = 0.9, b = 2.0 as the paper recommends. The clip's gradient is 0 "
        "outside [0.01, 0.99] (the paper stops backpropagation there). Kunc & Kléma 2024, "
        "§4.2.19.",
    )
)


def _tent(x, a, dim):
    x, a = along(x, dim, a)
    return F.relu(a - x.abs())


def _tent_facts(a: float) -> Facts:
    return Facts(
        Interval(0.0, a),
        Properties(monotonic=False, smoothness=0, zero_centred=False),
        (0.0, 0.0),
        (-a, 0.0, a),
        {-a: 0.0, 0.0: 0.0, a: 0.0},
    )


register(
    ActivationSpec(
        name="tent",
        family="adaptive",
        summary="Tent: max(0, a - |x|), a triangle of learned half-width a; it responds only to "
        "inputs near 0, which closes the open space an adversary exploits.",
        fn=_tent,
        sym="Piecewise((0, x <= -a), (a + x, x < 0), (a, Eq(x, 0)), (a - x, x < a), (0, True))",
        params=(
            Param("a", 1.0, POSITIVE, learnable=True, doc="Half-width and height (learned)."),
            DIM,
        ),
        formula=r"\max(0, a - |x|)",
        formula_d1=r"\begin{cases} -\operatorname{sign} x & |x| < a \\ 0 & |x| \ge a \end{cases}",
        output_range=Interval(0.0, 1.0),
        properties=Properties(monotonic=False, smoothness=0, zero_centred=False),
        kinks=(-1.0, 0.0, 1.0),
        kink_derivative={-1.0: 0.0, 0.0: 0.0, 1.0: 0.0},
        limits=(0.0, 0.0),
        facts=lambda p: _tent_facts(p["a"]),
        test_params=({"a": 2.5},),
        paper="Rozsa & Boult, 'Improved Adversarial Robustness by Reducing Open Space Risk via "
        "Tent Activations', arXiv:1908.02435, 2019",
        checked="Paper body not retrievable here (abstract only); max(0, a - |x|) matches survey "
        "§4.2.27 Eq. 288 as given by a public PyTorch port that transcribes the survey's "
        "§4 with equation numbers.",
        notes="a starts at 1 as recommended (with batch normalisation before it). f' is 0 at the "
        "apex and at the feet, the conventions of abs and relu. Kunc & Kléma 2024, §4.2.27.",
    )
)


def _lelelu(x, a, dim):
    x, a = along(x, dim, a)
    return a * F.leaky_relu(x, 0.01)


register(
    ActivationSpec(
        name="lelelu",
        class_name="LeLeLU",
        family="adaptive",
        summary="Learnable leaky ReLU: a times leaky_relu(x, 0.01), a leaky ReLU with a learned "
        "overall scale a.",
        fn=_lelelu,
        sym="Piecewise((a*x, x > 0), (a*x/100, True))",
        params=(Param("a", 1.0, POSITIVE, learnable=True, doc="Scale (learned)."), DIM),
        formula=r"\begin{cases} a x & x > 0 \\ 0.01\, a x & x \le 0 \end{cases}",
        formula_d1=r"\begin{cases} a & x > 0 \\ 0.01\, a & x \le 0 \end{cases}",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=0, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 0.01},
        limits=(-INF, INF),
        facts=lambda p: Facts(
            REALS, Properties(True, 0, True), (-INF, INF), (0.0,), {0.0: 0.01 * p["a"]}
        ),
        test_params=({"a": 2.5},),
        paper="Maniatopoulos & Mitianoudis, 'Learnable Leaky ReLU (LeLeLU): An Alternative "
        "Accuracy-Optimized Activation Function', Information 12(12):513, 2021",
        checked="Paper body not retrievable here; a x for x >= 0 and 0.01 a x below matches survey"
        " §4.2.8 Eq. 266 as given by a public PyTorch port that transcribes the survey's "
        "§4 with equation numbers.",
        notes="Kunc & Kléma 2024, §4.2.8.",
    )
)


def _rprelu(x, gamma, beta, zeta, dim):
    x, g, b, z = along(x, dim, gamma, beta, zeta)
    return torch.where(x > g, x - g + z, b * (x - g) + z)


def _rprelu_facts(gamma: float, beta: float, zeta: float) -> Facts:
    low = -INF if beta > 0 else zeta
    at_zero = (0.0 - gamma + zeta) if 0.0 > gamma else beta * (0.0 - gamma) + zeta
    return Facts(
        Interval(low, INF),
        Properties(
            monotonic=True,
            smoothness=SMOOTH if beta == 1.0 else 0,
            zero_centred=at_zero == 0.0 and low < 0.0,
        ),
        (low, INF),
        () if beta == 1.0 else (gamma,),
        {gamma: beta},
    )


register(
    ActivationSpec(
        name="rprelu",
        class_name="RPReLU",
        aliases=("react_prelu",),
        family="adaptive",
        summary="ReAct PReLU: a PReLU moved by a learned horizontal shift gamma and vertical shift "
        "zeta, with learned negative slope beta (ReActNet's binary-network activation).",
        fn=_rprelu,
        sym="Piecewise((x - gamma + zeta, x > gamma), (beta*(x - gamma) + zeta, True))",
        params=(
            Param("gamma", 0.0, REALS, learnable=True, doc="Horizontal shift (learned)."),
            Param("beta", 0.25, SLOPE, learnable=True, doc="Negative slope (learned)."),
            Param("zeta", 0.0, REALS, learnable=True, doc="Vertical shift (learned)."),
            DIM,
        ),
        formula=r"\begin{cases} x - \gamma + \zeta & x > \gamma \\ \beta (x - \gamma) + \zeta & "
        r"x \le \gamma \end{cases}",
        formula_d1=r"\begin{cases} 1 & x > \gamma \\ \beta & x \le \gamma \end{cases}",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=0, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 0.25},
        limits=(-INF, INF),
        facts=lambda p: _rprelu_facts(p["gamma"], p["beta"], p["zeta"]),
        test_params=({"gamma": 0.5, "beta": 0.1, "zeta": -0.3},),
        paper="Liu, Shen, Savvides & Cheng, 'ReActNet: Towards Precise Binary Neural Network with "
        "Generalized Activation Functions', ECCV 2020",
        checked="Paper body not retrievable here (ECCV 2020); ReActNet-style blocks in public code"
        " apply LearnableBias (x + b1, zero init), nn.PReLU, LearnableBias (+ b2), i.e. "
        "this form with gamma = -b1, zeta = b2, and survey §4.2.5 Eq. 262 as given by a "
        "public PyTorch port that transcribes the survey's §4 with equation numbers "
        "agrees.",
        notes="beta starts at 0.25 (nn.PReLU's init), the shifts at 0. Kunc & Kléma 2024, §4.2.5.",
    )
)


def _shilu(x, a, b, dim):
    x, a, b = along(x, dim, a, b)
    return a * F.relu(x) + b


register(
    ActivationSpec(
        name="shilu",
        class_name="ShiLU",
        aliases=("adaptive_shifted_relu",),
        family="adaptive",
        summary="Adaptive shifted ReLU: a relu(x) + b, ReLU with a learned slope a and vertical "
        "shift b.",
        fn=_shilu,
        sym="Piecewise((a*x + b, x > 0), (b, True))",
        params=(
            Param("a", 1.0, POSITIVE, learnable=True, doc="Slope for x > 0 (learned)."),
            Param("b", 0.0, REALS, learnable=True, doc="Vertical shift (learned)."),
            DIM,
        ),
        formula=r"a \max(0, x) + b",
        formula_d1=r"\begin{cases} a & x > 0 \\ 0 & x \le 0 \end{cases}",
        output_range=NONNEGATIVE,
        properties=Properties(monotonic=True, smoothness=0, zero_centred=False),
        kinks=(0.0,),
        kink_derivative={0.0: 0.0},
        limits=(0.0, INF),
        facts=lambda p: Facts(
            Interval(p["b"], INF), Properties(True, 0, False), (p["b"], INF), (0.0,), {0.0: 0.0}
        ),
        test_params=({"a": 0.5, "b": -0.2},),
        paper="Pishchik, 'Trainable Activations for Image Classification', Preprints "
        "2023010463, 2023",
        checked="Preprint body not retrievable here (doi:10.20944/preprints202301.0463.v1 is cited"
        " by public ports); a relu(x) + b matches survey §4.2.16 Eq. 277 as given by a "
        "public PyTorch port that transcribes the survey's §4 with equation numbers.",
        notes="Starts as ReLU (a = 1, b = 0). Kunc & Kléma 2024, §4.2.16.",
    )
)


def _pilu(x, a, b, c, dim):
    x, a, b, c = along(x, dim, a, b, c)
    body = lambda t: torch.where(t > c, a * (t - c) + c, b * (t - c) + c)
    low = torch.where(b > 0, torch.full_like(b, -INF), c)
    high = torch.where(a > 0, torch.full_like(a, INF), c)
    return finite(x, body, low, high, b, a)


def _pilu_facts(a: float, b: float, c: float) -> Facts:
    low = -INF if b > 0 else c
    high = INF if a > 0 else c
    at_zero = a * (0.0 - c) + c if 0.0 > c else b * (0.0 - c) + c
    kinks = () if a == b else (c,)
    return Facts(
        Interval(low, high),
        Properties(True, SMOOTH if a == b else 0, at_zero == 0.0 and low < 0.0 < high),
        (low, high),
        kinks,
        {c: b} if kinks else {},
    )


_PILU_DEFAULT = _pilu_facts(1.0, 0.01, 0.0)

register(
    ActivationSpec(
        name="pilu",
        class_name="PiLU",
        aliases=("piecewise_linear_unit",),
        family="adaptive",
        summary="Piecewise linear unit: slopes a above and b below a learned breakpoint c on "
        "the identity's diagonal; leaky ReLU, PReLU and shifted forms are special cases.",
        fn=_pilu,
        sym="Piecewise((a*(x - c) + c, x > c), (b*(x - c) + c, True))",
        params=(
            Param("a", 1.0, NONNEGATIVE, learnable=True, doc="Slope above c (learned)."),
            Param("b", 0.01, NONNEGATIVE, learnable=True, doc="Slope below c (learned)."),
            Param("c", 0.0, REALS, learnable=True, doc="Breakpoint (learned)."),
            DIM,
        ),
        formula=r"\begin{cases} a (x - c) + c & x > c \\ b (x - c) + c & x \le c \end{cases}",
        formula_d1=r"\begin{cases} a & x > c \\ b & x \le c \end{cases}",
        output_range=_PILU_DEFAULT.output_range,
        properties=_PILU_DEFAULT.properties,
        kinks=_PILU_DEFAULT.kinks,
        kink_derivative=_PILU_DEFAULT.kink_derivative,
        limits=_PILU_DEFAULT.limits,
        facts=lambda p: _pilu_facts(p["a"], p["b"], p["c"]),
        test_params=({"a": 0.5, "b": 0.0, "c": -1.0}, {"a": 2.0, "b": 0.25, "c": 0.5}),
        paper="Inturrisi, Khoo, Kouzani & Pagliarella, 'Piecewise Linear Units Improve Deep "
        "Neural Networks', arXiv:2108.00700, 2021",
        checked="Paper body not retrievable here (arXiv:2108.00700); a x + c(1 - a) for x >= c and"
        " b x + c(1 - b) below, i.e. a(x - c) + c and b(x - c) + c, matches survey §4.2.22"
        " Eq. 283 as given by a public PyTorch port that transcribes the survey's §4 with "
        "equation numbers.",
        notes="The breakpoint (c, c) lies on the identity, so c = 0 gives a PReLU-like unit "
        "with both slopes learned. The start values (a leaky ReLU) are this catalogue's. Kunc "
        "& Kléma 2024, §4.2.22.",
    )
)
