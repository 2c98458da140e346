"""More sigmoid-weighted units from the survey (Kunc & Kléma 2024, §3.2.22-3.3.33): EANAF and the
alpha-parametrised SechSig and TanhSig.

Each is (x + bump) times a sigmoid gate; the torch forms evaluate it on finite inputs only
(±inf get the limits 0 and inf with slopes 0 and 1), and sech is the overflow-free helper.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import special

from actlab.catalog.entries._torch import finite, sech
from actlab.catalog.maths.extrema import minimum
from actlab.catalog.registry import register
from actlab.catalog.spec import (
    INF,
    NONNEGATIVE,
    SMOOTH,
    ActivationSpec,
    Facts,
    Interval,
    Param,
    Properties,
)

LN2 = math.log(2.0)
KOZKURT_2023 = (
    "Közkurt, Kiliçarslan, Baş & Elen, 'αSechSig and αTanhSig: two novel non-monotonic "
    "activation functions', Soft Computing, 2023 (doi:10.1007/s00500-023-09279-2)"
)


def _lowest(f) -> float:
    return minimum(f, -60.0, 0.0)[1]


register(
    ActivationSpec(
        name="eanaf",
        class_name="EANAF",
        family="smooth-gated",
        summary="EANAF: x e^x / (e^x + 2) = x sigmoid(x - ln 2), an asymmetric SiLU whose gate "
        "is shifted right by ln 2.",
        fn=lambda x: finite(x, lambda t: t * torch.sigmoid(t - LN2), 0.0, INF, 0.0, 1.0),
        sym="x*sigmoid(x - log(2))",
        formula=r"\frac{x\, e^{x}}{e^{x} + 2}",
        formula_d1=r"\frac{e^{x} (e^{x} + 2 + 2 x)}{(e^{x} + 2)^2}",
        output_range=Interval(_lowest(lambda x: x * special.expit(x - LN2)), INF),
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=True),
        limits=(0.0, INF),
        paper="Chai, Yu, Cui, Ren & Ding, 'An Efficient Asymmetric Nonlinear Activation Function "
        "for Deep Neural Networks', Symmetry 14(5):1027, 2022",
        checked="Symmetry 14(5):1027 (2022) abstract only (MDPI page via the search tool): EANAF "
        "is asymmetric, non-monotonic and self-regularised, consistent with x e^x/(e^x + "
        "2); the equation itself was not read",
        notes="e^x/(e^x + 2) = sigmoid(x - ln 2), the form the reference and the torch code use "
        "(no overflow of e^x). Kunc & Kléma 2024, §3.3.33.",
    )
)


def _sech_sig_facts(alpha: float) -> Facts:
    f = lambda x: (x + alpha / np.cosh(x + alpha)) * special.expit(x)
    return Facts(
        Interval(_lowest(f), INF),
        Properties(monotonic=False, smoothness=SMOOTH, zero_centred=alpha == 0.0),
        (0.0, INF),
    )


register(
    ActivationSpec(
        name="alpha_sech_sig",
        class_name="AlphaSechSig",
        aliases=("psech_sig",),
        family="smooth-gated",
        summary="αSechSig: (x + alpha sech(x + alpha)) sigmoid(x), SiLU with a sech bump of height "
        "alpha centred at -alpha added to its linear part.",
        fn=lambda x, alpha: finite(
            x, lambda t: (t + alpha * sech(t + alpha)) * torch.sigmoid(t), 0.0, INF, 0.0, 1.0
        ),
        sym="(x + alpha*sech(x + alpha))*sigmoid(x)",
        params=(Param("alpha", 1.0, NONNEGATIVE, doc="Height and offset of the sech bump."),),
        formula=r"\big(x + \alpha \operatorname{sech}(x + \alpha)\big)\, \sigma(x)",
        formula_d1=r"\big(1 - \alpha \operatorname{sech}(x + \alpha) \tanh(x + \alpha)\big)\, "
        r"\sigma(x) + \big(x + \alpha \operatorname{sech}(x + \alpha)\big)\, \sigma(x)(1 - "
        r"\sigma(x))",
        output_range=_sech_sig_facts(1.0).output_range,
        properties=_sech_sig_facts(1.0).properties,
        limits=(0.0, INF),
        facts=lambda p: _sech_sig_facts(p["alpha"]),
        test_params=({"alpha": 0.5}, {"alpha": 0.0}),
        paper=KOZKURT_2023,
        checked="Soft Computing abstract (doi:10.1007/s00500-023-09279-2, via the search tool): a "
        "non-monotonic negative part that tends to 0 as x -> -inf, consistent with the "
        "limits here; the formula itself was not read",
        notes="alpha = 0 is SiLU; f(0) = alpha sech(alpha)/2. The default alpha = 1 is this "
        "catalogue's. Kunc & Kléma 2024, §3.2.22.",
    )
)


def _tanh_sig_facts(alpha: float) -> Facts:
    f = lambda x: (x + alpha * np.tanh(x + alpha)) * special.expit(x)
    return Facts(
        Interval(_lowest(f), INF),
        Properties(monotonic=False, smoothness=SMOOTH, zero_centred=alpha == 0.0),
        (0.0, INF),
    )


register(
    ActivationSpec(
        name="alpha_tanh_sig",
        class_name="AlphaTanhSig",
        aliases=("ptanh_sig",),
        family="smooth-gated",
        summary="αTanhSig: (x + alpha tanh(x + alpha)) sigmoid(x), SiLU with a shifted tanh of "
        "amplitude alpha added to its linear part.",
        fn=lambda x, alpha: finite(
            x, lambda t: (t + alpha * torch.tanh(t + alpha)) * torch.sigmoid(t), 0.0, INF, 0.0, 1.0
        ),
        sym="(x + alpha*tanh(x + alpha))*sigmoid(x)",
        params=(Param("alpha", 1.0, NONNEGATIVE, doc="Amplitude and offset of the tanh."),),
        formula=r"\big(x + \alpha \tanh(x + \alpha)\big)\, \sigma(x)",
        formula_d1=r"\big(1 + \alpha \operatorname{sech}^2(x + \alpha)\big)\, \sigma(x) + "
        r"\big(x + \alpha \tanh(x + \alpha)\big)\, \sigma(x)(1 - \sigma(x))",
        output_range=_tanh_sig_facts(1.0).output_range,
        properties=_tanh_sig_facts(1.0).properties,
        limits=(0.0, INF),
        facts=lambda p: _tanh_sig_facts(p["alpha"]),
        test_params=({"alpha": 0.5}, {"alpha": 0.0}),
        paper=KOZKURT_2023,
        checked="Soft Computing abstract (doi:10.1007/s00500-023-09279-2, via the search tool): a "
        "non-monotonic negative part that tends to 0 as x -> -inf, consistent with the "
        "limits here; the formula itself was not read",
        notes="alpha = 0 is SiLU; f(0) = alpha tanh(alpha)/2. The default alpha = 1 is this "
        "catalogue's. Kunc & Kléma 2024, §3.2.23.",
    )
)
