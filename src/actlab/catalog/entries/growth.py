"""Odd units that grow faster or slower than x, from the survey (Kunc & Kléma 2024, §3.14,
§3.26-3.27): symexp (the inverse of symlog), hyper-sinh and m-arcsinh.

symexp and hyper-sinh grow like e^|x|: beyond |x| = 710 they overflow float64 to ±inf, which
is the correctly rounded value; their spec says so (the ±1e4 probe expects finite outputs).
"""

from __future__ import annotations

import torch

from actlab.catalog.entries._torch import finite, where_safe
from actlab.catalog.registry import register
from actlab.catalog.spec import INF, REALS, ActivationSpec, Properties

HAFNER_2023 = (
    "Hafner, Pasukonis, Ba & Lillicrap, 'Mastering Diverse Domains through World Models', "
    "arXiv:2301.04104, 2023"
)
OVERFLOW = "f(1e4) is e^1e4, beyond float64 (the reference is inf too): f overflows past |x| = 710"

register(
    ActivationSpec(
        name="symexp",
        family="exponential",
        summary="Symexp: sign(x)(e^|x| - 1), the inverse of symlog; an odd exponential used to "
        "decode symlog-squashed predictions.",
        fn=lambda x: finite(
            x,
            lambda t: where_safe(t >= 0, t, torch.expm1, lambda n: -torch.expm1(-n)),
            -INF,
            INF,
            INF,
            INF,
        ),
        sym="Piecewise((expm1(x), x >= 0), (-expm1(-x), True))",
        formula=r"\operatorname{sign}(x)\left(e^{|x|} - 1\right)",
        formula_d1=r"e^{|x|}",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=1, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-INF, INF),
        paper=HAFNER_2023,
        checked="arXiv:2301.04104 text not read; torchrl's and DI-engine's symexp, both citing it "
        "(via the search tool), are sign(x)(exp|x| - 1), the inverse of symlog: match",
        notes="C^1: f'' jumps from -1 to 1 at 0. Kunc & Kléma 2024, §3.14.",
        xfail={"probes": OVERFLOW},
    )
)

register(
    ActivationSpec(
        name="hyper_sinh",
        class_name="HyperSinh",
        family="exponential",
        summary="Hyper-sinh: sinh(x)/3 for x > 0 and x^3/4 below, an odd-looking unit that grows "
        "exponentially on the right and cubically on the left.",
        fn=lambda x: finite(
            x,
            lambda t: where_safe(t > 0, t, lambda p: torch.sinh(p) / 3.0, lambda n: n**3 / 4.0),
            -INF,
            INF,
            INF,
            INF,
        ),
        sym="Piecewise((sinh(x)/3, x > 0), (x**3/4, True))",
        formula=r"\begin{cases} \sinh(x)/3 & x > 0 \\ x^3/4 & x \le 0 \end{cases}",
        formula_d1=r"\begin{cases} \cosh(x)/3 & x > 0 \\ 3 x^2/4 & x \le 0 \end{cases}",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=0, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 0.0},
        limits=(-INF, INF),
        paper="Parisi, Ma, RaviChandran & Lanzillotta, 'hyper-sinh: An Accurate and Reliable "
        "Function from Shallow to Deep Learning in TensorFlow and Keras', Machine Learning with "
        "Applications 6:100112, 2021 (arXiv:2011.07661, 2020)",
        checked="Paper text not retrievable here; the author's own code (Parisi's hyper-sinh for "
        "TensorFlow/Keras and PyTorch, via find_string) is sinh(x)/3 for x > 0 and x^3/4 "
        "otherwise, with derivatives cosh(x)/3 and 3x^2/4: match",
        notes="f' jumps from 0 to 1/3 at 0. Kunc & Kléma 2024, §3.27.",
        xfail={"probes": OVERFLOW},
    )
)


def _m_arcsinh(x: torch.Tensor) -> torch.Tensor:
    # asinh(x) sqrt|x| / 12. Near 0 it is sign(x)|x|^(3/2)(1 - x^2/6 + 3x^4/40)/12, whose
    # gradient is finite at 0 (the direct form's sqrt has an infinite slope there).
    def series(t: torch.Tensor) -> torch.Tensor:
        z = t * t
        return torch.sign(t) * t.abs() ** 1.5 * (1.0 - z / 6.0 + 3.0 * z * z / 40.0) / 12.0

    def direct(t: torch.Tensor) -> torch.Tensor:
        return torch.asinh(t) * torch.sqrt(t.abs()) / 12.0

    return where_safe(x.abs() < 1e-3, x, series, direct, fill_false=1.0)


register(
    ActivationSpec(
        name="m_arcsinh",
        class_name="MArcsinh",
        aliases=("modified_arcsinh",),
        family="linear",
        summary="m-arcsinh: asinh(x) sqrt(|x|)/12, an odd, slowly growing unit (about "
        "sqrt|x| ln|x|) with f'(0) = 0.",
        fn=lambda x: finite(x, _m_arcsinh, -INF, INF, 0.0, 0.0),
        sym="Piecewise((asinh(x)*sqrt(x)/12, x > 0), (asinh(x)*sqrt(-x)/12, x < 0), (0, True))",
        formula=r"\frac{1}{12} \sinh^{-1}(x) \sqrt{|x|}",
        formula_d1=r"\frac{1}{12}\left(\frac{\sqrt{|x|}}{\sqrt{1 + x^2}} + \frac{\sinh^{-1}(|x|)}"
        r"{2 \sqrt{|x|}}\right)",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=1, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 0.0},
        limits=(-INF, INF),
        paper="Parisi, 'm-arcsinh: An Efficient and Reliable Function for SVM and MLP in "
        "scikit-learn', arXiv:2009.07530, 2020",
        checked="The author's scikit-learn/TensorFlow code citing arXiv:2009.07530 (via "
        "find_string) and a CSDN summary of the paper: (1/3) arcsinh(x) (1/4) sqrt|x| and "
        "its derivative: match",
        notes="f' ~ sqrt|x|/8 near 0, so f'' is unbounded there (C^1). f' -> 0 at ±inf. Kunc & "
        "Kléma 2024, §3.26.",
    )
)
