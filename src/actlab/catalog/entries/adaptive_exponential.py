"""Learnable ELU-like units and the soft exponential from the survey (Kunc & Kléma 2024,
§4.2.43-4.2.62): the identity for x >= 0 (or x > 0) and a learned saturating curve below.

Parameters are shared or per channel along `dim`; the claims are for one shared set. The
negative branches go through `where_safe`, so their exponentials never see large positive x.
"""

from __future__ import annotations

import math

import torch

from actlab.catalog.entries._shapes import DIM, along
from actlab.catalog.entries._torch import finite, where_safe
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

NAN = float("nan")


def _identity(t: torch.Tensor) -> torch.Tensor:
    return t


def _mpelu(x, a, b, dim):
    x, a, b = along(x, dim, a, b)
    body = lambda t: where_safe(t > 0, t, _identity, lambda n: a * torch.expm1(b * n))
    return finite(x, body, -a, INF, 0.0, 1.0)


def _mpelu_facts(a: float, b: float) -> Facts:
    if a == 0.0:
        return Facts(NONNEGATIVE, Properties(True, 0, False), (0.0, INF), (0.0,), {0.0: 0.0})
    return Facts(
        Interval(-a, INF, low_open=True),
        Properties(monotonic=True, smoothness=1 if a * b == 1.0 else 0, zero_centred=True),
        (-a, INF),
        (0.0,),
        {0.0: a * b},
    )


register(
    ActivationSpec(
        name="mpelu",
        class_name="MPELU",
        family="adaptive",
        summary="Multiple parametric ELU: x for x > 0 and a (e^(bx) - 1) below with learned a, "
        "b; covers ReLU (a = 0), ELU (a = b = 1) and PELU-like shapes.",
        fn=_mpelu,
        sym="Piecewise((x, x > 0), (a*expm1(b*x), True))",
        params=(
            Param("a", 1.0, Interval(0.0, INF), learnable=True, doc="Saturation -a (learned)."),
            Param("b", 1.0, POSITIVE, learnable=True, doc="Rate of the exponential (learned)."),
            DIM,
        ),
        formula=r"\begin{cases} x & x > 0 \\ a \left(e^{b x} - 1\right) & x \le 0 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x > 0 \\ a b\, e^{b x} & x \le 0 \end{cases}",
        output_range=Interval(-1.0, INF, low_open=True),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-1.0, INF),
        facts=lambda p: _mpelu_facts(p["a"], p["b"]),
        test_params=({"a": 0.25, "b": 2.0}, {"a": 0.0, "b": 1.0}),
        paper="Li, Fan, Li, Wu & Ming, 'Improving deep neural network with Multiple Parametric "
        "Exponential Linear Units', Neurocomputing 301:11-24, 2018",
        checked="Paper body not retrievable here (arXiv:1606.00305 abstract only); the authors' "
        "pytorch/mpelu.py (Coldmooon/Code-for-MPELU) wraps a CUDA kernel (not read) and "
        "starts a = 0.25, b = 1; emergentmind's summary of the paper gives y for y > 0 and"
        " alpha (e^(beta y) - 1) for y <= 0, as fn and sym, and survey §4.2.48 Eq. 314 as "
        "given by a public PyTorch port that transcribes the survey's §4 with equation "
        "numbers agrees.",
        notes="Starts as ELU (a = b = 1); the authors' PyTorch module starts at a = 0.25, b = 1 and "
        "their Caffe examples use a = 0, 0.25 and 1. C^1 when ab = 1 (f'' jumps from ab^2 to 0), otherwise "
        "f' jumps from ab to 1 at 0. Kunc & Kléma 2024, §4.2.48.",
    )
)


def _preu(x, a, b, dim):
    x, a, b = along(x, dim, a, b)
    body = lambda t: a * where_safe(t >= 0, t, _identity, lambda n: n * torch.exp(b * n))
    return finite(x, body, 0.0, INF, 0.0, a)


def _preu_facts(a: float, b: float) -> Facts:
    return Facts(
        Interval(-a / (math.e * b), INF),
        Properties(monotonic=False, smoothness=1, zero_centred=True),
        (0.0, INF),
        (0.0,),
        {0.0: a},
    )


register(
    ActivationSpec(
        name="preu",
        class_name="PREU",
        family="adaptive",
        summary="Parametric rectified exponential unit: a x for x >= 0 and a x e^(bx) below, REU "
        "with a learned scale a and decay b (minimum -a/(e b) at x = -1/b).",
        fn=_preu,
        sym="Piecewise((a*x, x >= 0), (a*x*exp(b*x), True))",
        params=(
            Param("a", 1.0, POSITIVE, learnable=True, doc="Scale (learned)."),
            Param("b", 1.0, POSITIVE, learnable=True, doc="Decay of the negative side (learned)."),
            DIM,
        ),
        formula=r"\begin{cases} a x & x \ge 0 \\ a x e^{b x} & x < 0 \end{cases}",
        formula_d1=r"\begin{cases} a & x \ge 0 \\ a (1 + b x) e^{b x} & x < 0 \end{cases}",
        output_range=Interval(-1.0 / math.e, INF),
        properties=Properties(monotonic=False, smoothness=1, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(0.0, INF),
        facts=lambda p: _preu_facts(p["a"], p["b"]),
        test_params=({"a": 2.0, "b": 0.5},),
        paper="Ying, Su, Shan, Miao, Wang & Peng, 'Rectified Exponential Units for Convolutional "
        "Neural Networks', IEEE Access 7:101633-101640, 2019",
        checked="Paper body not retrievable here (DOAJ record of IEEE Access 7:101633-101640: "
        "abstract only); a x for x >= 0 and a x e^(b x) below matches survey §4.2.9 Eq. "
        "267 as given by a public PyTorch port that transcribes the survey's §4 with "
        "equation numbers.",
        notes="C^1: f'' jumps from 2ab to 0 at 0. a = b = 1 is REU. Kunc & Kléma 2024, §4.2.9.",
    )
)


def _ptelu(x, a, b, dim):
    x, a, b = along(x, dim, a, b)
    return finite(x, lambda t: torch.where(t >= 0, t, a * torch.tanh(b * t)), -a, INF, 0.0, 1.0)


def _ptelu_facts(a: float, b: float) -> Facts:
    # f'(0-) = ab; when ab = 1 the tanh matches x to second order (tanh'' (0) = 0): C^2.
    return Facts(
        Interval(-a, INF, low_open=True),
        Properties(monotonic=True, smoothness=2 if a * b == 1.0 else 0, zero_centred=True),
        (-a, INF),
        (0.0,),
        {0.0: 1.0},
    )


register(
    ActivationSpec(
        name="ptelu",
        class_name="PTELU",
        family="adaptive",
        summary="Parametric tanh linear unit: x for x >= 0 and a tanh(b x) below, learned "
        "saturation -a and rate b; saturates faster than an ELU.",
        fn=_ptelu,
        sym="Piecewise((x, x >= 0), (a*tanh(b*x), True))",
        params=(
            Param("a", 1.0, POSITIVE, learnable=True, doc="Saturation level -a (learned)."),
            Param("b", 1.0, POSITIVE, learnable=True, doc="Rate (learned)."),
            DIM,
        ),
        formula=r"\begin{cases} x & x \ge 0 \\ a \tanh(b x) & x < 0 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x \ge 0 \\ a b \left(1 - \tanh^2(b x)\right) & x < 0 "
        r"\end{cases}",
        output_range=Interval(-1.0, INF, low_open=True),
        properties=Properties(monotonic=True, smoothness=2, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-1.0, INF),
        facts=lambda p: _ptelu_facts(p["a"], p["b"]),
        test_params=({"a": 0.5, "b": 3.0},),
        paper="Duggal & Gupta, 'P-TELU: Parametric Tan Hyperbolic Linear Unit Activation for Deep "
        "Neural Networks', ICCV Workshops 2017",
        checked="Paper body not retrievable here (CVF open-access page, ICCVW 2017 pp. 974-978: "
        "abstract only); x for x >= 0 and a tanh(b x) below matches survey §4.2.30 Eq. 291"
        " as given by a public PyTorch port that transcribes the survey's §4 with equation"
        " numbers.",
        notes="At a = b = 1 (the start) f'' is continuous too and f''' jumps (C^2). Kunc & Kléma "
        "2024, §4.2.30.",
    )
)


def _erf_relu(x, a, dim):
    x, a = along(x, dim, a)
    return finite(x, lambda t: torch.where(t >= 0, t, a * torch.erf(t)), -a, INF, 0.0, 1.0)


register(
    ActivationSpec(
        name="erf_relu",
        class_name="ErfReLU",
        family="adaptive",
        summary="ErfReLU: x for x >= 0 and a erf(x) below with learned a, an ELU-like unit "
        "saturating at -a.",
        fn=_erf_relu,
        sym="Piecewise((x, x >= 0), (a*erf(x), True))",
        params=(
            Param("a", 1.0, POSITIVE, learnable=True, doc="Saturation level -a (learned)."),
            DIM,
        ),
        formula=r"\begin{cases} x & x \ge 0 \\ a \operatorname{erf}(x) & x < 0 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x \ge 0 \\ \frac{2a}{\sqrt\pi} e^{-x^2} & x < 0 \end{cases}",
        output_range=Interval(-1.0, INF, low_open=True),
        properties=Properties(monotonic=True, smoothness=0, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-1.0, INF),
        facts=lambda p: Facts(
            Interval(-p["a"], INF, low_open=True),
            Properties(True, 1 if p["a"] == math.sqrt(math.pi) / 2 else 0, True),
            (-p["a"], INF),
            (0.0,),
            {0.0: 1.0},
        ),
        test_params=({"a": 0.25},),
        paper="Rajanand & Singh, 'ErfReLU: adaptive activation function for deep neural "
        "network', Pattern Analysis and Applications 27, 2024",
        checked="Paper behind a paywall (Springer and arXiv:2306.01822 records: abstract only); x "
        "for x >= 0 and a erf(x) below matches survey §4.2.52 Eq. 320 as given by a public"
        " PyTorch port that transcribes the survey's §4 with equation numbers.",
        notes="f' jumps from 2a/sqrt(pi) to 1 at 0 (they meet for a = sqrt(pi)/2). Kunc & Kléma "
        "2024, §4.2.52.",
    )
)


def _exprel(z: torch.Tensor) -> torch.Tensor:
    """(e^z - 1)/z, 1 at 0: its series below |z| = 1e-3, so the gradient is right there too."""
    series = lambda u: 1.0 + u * (0.5 + u * (1.0 / 6.0 + u * (1.0 / 24.0 + u / 120.0)))
    return torch.where(
        z.abs() < 1e-3,
        series(z),
        torch.expm1(z) / torch.where(z.abs() < 1e-3, torch.ones_like(z), z),
    )


def _log1prel(w: torch.Tensor) -> torch.Tensor:
    """ln(1 + w)/w, 1 at 0 (its series below |w| = 1e-3); nan for w <= -1, outside the domain."""
    series = lambda u: 1.0 + u * (-0.5 + u * (1.0 / 3.0 + u * (-0.25 + u / 5.0)))
    return torch.where(
        w.abs() < 1e-3,
        series(w),
        torch.log1p(w) / torch.where(w.abs() < 1e-3, torch.ones_like(w), w),
    )


def _soft_exponential(x, a, dim):
    x, a = along(x, dim, a)
    zero = torch.zeros((), dtype=x.dtype, device=x.device)
    # a > 0: (e^{ax} - 1)/a + a = x exprel(ax) + a; a < 0: -ln(1 - a(x + a))/a = (x + a)
    # log1prel(-a (x + a)); both are x at a = 0 and C^1 in a there, so a can cross 0 in
    # training with the right gradient. Each branch sees a only where it is taken (0
    # elsewhere), so the unused one cannot overflow into a NaN gradient.
    grow, shrink = torch.where(a >= 0, a, zero), torch.where(a < 0, a, zero)

    def body(t: torch.Tensor) -> torch.Tensor:
        positive = t * _exprel(grow * t) + grow
        negative = (t + shrink) * _log1prel(-shrink * (t + shrink))
        return torch.where(a >= 0, positive, negative)

    nan, inf = torch.full_like(a, NAN), torch.full_like(a, INF)
    # f(-inf): a - 1/a for a > 0, -inf at a = 0, undefined (nan) for a < 0; f'(+inf): inf,
    # 1, 0 as e^{ax}, 1, 1/(1 - a(x + a)).
    low = torch.where(a > 0, a - 1.0 / torch.where(a > 0, a, 1.0), torch.where(a == 0, -inf, nan))
    slope_low = torch.where(a > 0, 0.0, torch.where(a == 0, 1.0, nan))
    slope_high = torch.where(a > 0, inf, torch.where(a == 0, 1.0, 0.0))
    return finite(x, body, low, INF, slope_low, slope_high)


def _soft_exponential_facts(a: float) -> Facts:
    shape = Properties(monotonic=True, smoothness=SMOOTH, zero_centred=a == 0.0)
    if a == 0.0:
        return Facts(REALS, shape, (-INF, INF))
    if a > 0:
        return Facts(Interval(a - 1.0 / a, INF, low_open=True), shape, (a - 1.0 / a, INF))
    return Facts(REALS, shape, (NAN, INF))  # defined for x > 1/a - a only


register(
    ActivationSpec(
        name="soft_exponential",
        family="adaptive",
        summary="Soft exponential: a learned continuum between the logarithm (a = -1), the "
        "identity (a = 0) and the exponential (a = 1).",
        fn=_soft_exponential,
        sym="Piecewise((x, Eq(a, 0)), (expm1(a*x)/a + a, a > 0), (-log1p(-a*(x + a))/a, True))",
        params=(
            Param("a", 0.0, REALS, learnable=True, doc="The continuum parameter (learned)."),
            DIM,
        ),
        formula=r"\begin{cases} -\frac{\ln(1 - a(x + a))}{a} & a < 0 \\ x & a = 0 \\ "
        r"\frac{e^{a x} - 1}{a} + a & a > 0 \end{cases}",
        formula_d1=r"\begin{cases} \frac{1}{1 - a(x + a)} & a < 0 \\ 1 & a = 0 \\ e^{a x} & a > 0 "
        r"\end{cases}",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        limits=(-INF, INF),
        facts=lambda p: _soft_exponential_facts(p["a"]),
        test_params=({"a": 0.5},),
        xfail={
            "gradgradcheck": "the paper's branches meet at a = 0 (the start) with equal f and "
            "df/da but different d2f/da2 (x^3/3 for a > 0, 2x + 2x^3/3 for a < 0), so the "
            "numerical second derivative in a straddles them"
        },
        paper="Godfrey & Gashler, 'A continuum among logarithmic, linear, and exponential "
        "functions, and its potential to improve generalization in neural networks', IC3K "
        "2015 (arXiv:1602.01321)",
        checked="Paper body not retrievable here; the three branches (-ln(1 - a(x + a))/a, x, "
        "(e^(ax) - 1)/a + a) and f' = 1/(1 - a(a + x)) or e^(ax) match survey §4.2.50 Eq. "
        "318 as given by a public PyTorch port that transcribes the survey's §4 with "
        "equation numbers and the Wikipedia-derived activation table on gabormelli.com.",
        notes="Starts as the identity (a = 0). For a < 0 it is defined only for x > 1/a - a (nan "
        "below, where the logarithm's argument is negative); for a > 0 it grows like e^(ax), so "
        "large inputs overflow. Kunc & Kléma 2024, §4.2.50.",
    )
)
