"""Sigmoid-weighted linear units from the survey (Kunc & Kléma 2024, §3.3): x times a gate that
rises from 0 to a constant, and close relatives (PFLU, SechSig, TanhSig).

Every torch form is `x * gate(x)` evaluated on finite inputs, with the gate's exponentials
clamped where the gate is already 0 or 1 to the last bit, so the backward pass never meets
inf·0; ±inf get the limits (0 and inf for all of them) and the limiting slopes.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from actlab.catalog.entries._torch import finite, hypot, sech, where_safe
from actlab.catalog.maths.extrema import minimum
from actlab.catalog.registry import register
from actlab.catalog.spec import (
    INF,
    NONNEGATIVE,
    POSITIVE,
    SMOOTH,
    ActivationSpec,
    Facts,
    Interval,
    Param,
    Properties,
)

GATED = Properties(monotonic=False, smoothness=SMOOTH, zero_centred=True)
LN2 = math.log(2.0)


def _gated_range(f, low: float = -60.0) -> Facts:
    """Facts of x * gate: a dip to its minimum (searched on [low, 0]), 0 at -inf, ~x at +inf."""
    _, lowest = minimum(f, low, 0.0)
    return Facts(Interval(lowest, INF), GATED, (0.0, INF))


register(
    ActivationSpec(
        name="sgelu",
        class_name="SGELU",
        family="smooth-gated",
        summary="Symmetrical GELU: a x erf(x/sqrt 2), GELU made even: non-negative, and the "
        "same for x and -x.",
        fn=lambda x, a: finite(x, lambda t: a * t * torch.erf(t / math.sqrt(2.0)), INF, INF, -a, a),
        sym="a*x*erf(x/sqrt(2))",
        params=(Param("a", 1.0, POSITIVE, doc="Scale of the output."),),
        formula=r"a\, x \operatorname{erf}(x/\sqrt2)",
        formula_d1=r"a \operatorname{erf}(x/\sqrt2) + a x \sqrt{2/\pi}\, e^{-x^2/2}",
        output_range=NONNEGATIVE,
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=False),
        limits=(INF, INF),
        test_params=({"a": 0.5},),
        paper="Yu & Su, 'Symmetrical Gaussian Error Linear Units (SGELUs)', arXiv:1911.03925, 2019",
        checked="Only the abstract of arXiv:1911.03925 retrieved (deepai, scholarfeed): GELU made "
        "symmetric, 'two-to-one' (even); f = a x erf(x/sqrt 2) matches the survey-based "
        "torch_activation SGELU docstring. A rewritten review's x Phi(a x) is not even: not used.",
        notes="x erf(x/sqrt 2) = 2 GELU(x) - x for x >= 0 and its mirror for x < 0; minimum 0 at "
        "x = 0. Kunc & Kléma 2024, §3.3.2.",
    )
)


def _colu(t: torch.Tensor) -> torch.Tensor:
    # x / (1 - x e^{-(x + e^x)}). For x > 0 the exponent is clamped at 40, where
    # e^{-(x + e^x)} is already 0, so e^x never overflows; for x <= 0 both sides are multiplied
    # by w = e^{x + e^x} <= e: x w / (w - x), which cannot overflow either.
    def positive(p: torch.Tensor) -> torch.Tensor:
        return p / (1.0 - p * torch.exp(-(p + torch.exp(p.clamp(max=40.0)))))

    def negative(n: torch.Tensor) -> torch.Tensor:
        w = torch.exp(n + torch.exp(n))
        return n * w / (w - n)

    return where_safe(t > 0, t, positive, negative)


register(
    ActivationSpec(
        name="colu",
        class_name="CoLU",
        family="smooth-gated",
        summary="Collapsing linear unit: x / (1 - x e^(-(x + e^x))), SiLU-like: ~x for x > 0, "
        "a shallow dip below 0 that collapses back to 0.",
        fn=lambda x: finite(x, _colu, 0.0, INF, 0.0, 1.0),
        sym="Piecewise((x/(1 - x*exp(-(x + exp(x)))), x > 0), "
        "(x*exp(x + exp(x))/(exp(x + exp(x)) - x), True))",
        formula=r"\frac{x}{1 - x\, e^{-(x + e^{x})}}",
        formula_d1=r"\frac{1 - x^2 (1 + e^{x})\, e^{-(x + e^{x})}}"
        r"{\left(1 - x\, e^{-(x + e^{x})}\right)^2}",
        output_range=Interval(-0.37715856839612916, INF),  # min at x = -0.7269249991994191
        properties=GATED,
        limits=(0.0, INF),
        paper="Vagerwal, 'Deeper Learning with CoLU Activation', arXiv:2112.12078, 2021",
        checked="Abstract of arXiv:2112.12078 (paperswithcode, arxivlens, deepai via the search "
        "tool): f(x) = x/(1 - x e^{-(x + e^x)}); smooth, unbounded above, bounded below, "
        "non-monotonic: all match.",
        notes="Kunc & Kléma 2024, §3.3.5.",
    )
)


def _gish_gate(t: torch.Tensor) -> torch.Tensor:
    # ln(2 - e^{-e^x}) = log1p(-expm1(-e^x)); beyond x = 50 it is ln 2 to the last bit.
    return torch.log1p(-torch.expm1(-torch.exp(t.clamp(max=50.0))))


register(
    ActivationSpec(
        name="gish",
        family="smooth-gated",
        summary="Gish: x ln(2 - e^(-e^x)), a SiLU-like gate whose slope tends to ln 2 for large x.",
        fn=lambda x: finite(x, lambda t: t * _gish_gate(t), 0.0, INF, 0.0, LN2),
        sym="x*log1p(-expm1(-exp(x)))",
        formula=r"x \ln\left(2 - e^{-e^{x}}\right)",
        formula_d1=r"\ln\left(2 - e^{-e^{x}}\right) + \frac{x\, e^{x} e^{-e^{x}}}{2 - e^{-e^{x}}}",
        output_range=Interval(-0.27815946089638693, INF),  # min at x = -1.282051068325836
        properties=GATED,
        limits=(0.0, INF),
        paper="Kaytan, Aydilek & Yeroğlu, 'Gish: a novel activation function for image "
        "classification', Neural Computing and Applications 35(34):24259-24281, 2023",
        checked="Abstract (Springer page via the search tool): y = x ln(2 - e^{-e^x}) matches; "
        "volume, issue and pages from the authors' institutional repository record.",
        notes="f(x) ~ x ln 2 for large x. Kunc & Kléma 2024, §3.3.10.",
    )
)


def _golu(t: torch.Tensor) -> torch.Tensor:
    # The Gompertz gate e^{-e^{-x}} is exactly 0 below x = -50; the clamp keeps e^{-x} finite.
    return t * torch.exp(-torch.exp(-t.clamp(min=-50.0)))


register(
    ActivationSpec(
        name="golu",
        aliases=("expexpish",),
        class_name="GoLU",
        family="smooth-gated",
        summary="Gompertz linear unit: x e^(-e^(-x)), x gated by the Gompertz (Gumbel) CDF; "
        "asymmetric: the gate opens slowly and closes fast.",
        fn=lambda x: finite(x, _golu, 0.0, INF, 0.0, 1.0),
        sym="x*exp(-exp(-x))",
        formula=r"x\, e^{-e^{-x}}",
        formula_d1=r"e^{-e^{-x}} \left(1 + x e^{-x}\right)",
        output_range=Interval(-0.09726013122763941, INF),  # min at x = -0.5671432905216036
        properties=GATED,
        limits=(0.0, INF),
        paper="Das, Safari, Adriaensen & Hutter, 'Gompertz Linear Units: Leveraging Asymmetry for "
        "Enhanced Learning Dynamics', arXiv:2502.03654, 2025",
        checked="Abstract and Section 1 of arXiv:2502.03654 (HTML transcription via the search "
        "tool): GoLU(x) = x Gompertz(x), Gompertz(x) = e^{-e^{-x}}, the Gumbel CDF: matches.",
        notes="The same function is the survey's ExpExpish (Kunc & Kléma 2024, §3.3.13), so it "
        "predates the GoLU paper; the year shown is that paper's.",
    )
)


def _plogish_facts(a: float, b: float) -> Facts:
    return _gated_range(lambda t: a * t * np.log1p(1.0 / (1.0 + np.exp(-b * t))), -60.0 / b)


register(
    ActivationSpec(
        name="plogish",
        aliases=("parametric_logish",),
        family="smooth-gated",
        summary="Parametric logish: a x ln(1 + sigmoid(b x)), logish with an output scale a and "
        "a gate sharpness b.",
        fn=lambda x, a, b: finite(
            x, lambda t: a * t * torch.log1p(torch.sigmoid(b * t)), 0.0, INF, 0.0, a * LN2
        ),
        sym="a*x*log1p(sigmoid(b*x))",
        params=(
            Param("a", 1.0, POSITIVE, doc="Output scale."),
            Param("b", 10.0, POSITIVE, doc="Gate sharpness."),
        ),
        formula=r"a x \ln\left(1 + \sigma(b x)\right)",
        formula_d1=r"a \ln(1 + \sigma(b x)) + a b x\, \frac{\sigma(b x)(1 - \sigma(b x))}"
        r"{1 + \sigma(b x)}",
        output_range=Interval(-0.025276881678944037, INF),  # min at x = -0.13724541433112486
        properties=GATED,
        limits=(0.0, INF),
        facts=lambda p: _plogish_facts(p["a"], p["b"]),
        test_params=({"a": 1.0, "b": 1.0}, {"a": 2.0, "b": 0.5}),
        paper="Zhu, Zeng, Liu & Zhang, 'Logish: A new nonlinear nonmonotonic activation function "
        "for convolutional neural network', Neurocomputing 458:490-499, 2021",
        checked="Abstract (Neurocomputing, bohrium and researcher.life via the search tool): the "
        "variant f(x) = alpha x ln(1 + sigmoid(beta x)), best with alpha = 1, beta = 10: f and "
        "the defaults match.",
        notes="a = b = 1 is logish; the paper's parametric variant uses a = 1, b = 10. Kunc & "
        "Kléma 2024, §3.3.15.",
    )
)

register(
    ActivationSpec(
        name="phish",
        family="smooth-gated",
        summary="Phish: x tanh(GELU(x)), the mish construction with GELU in place of softplus.",
        # GELU as x Phi(x) with ndtr, which keeps its relative accuracy in the left tail (F.gelu's
        # 1 + erf(x/sqrt 2) cancels there in float32).
        fn=lambda x: finite(
            x, lambda t: t * torch.tanh(t * torch.special.ndtr(t)), 0.0, INF, 0.0, 1.0
        ),
        sym="x*tanh(x*Phi(x))",
        formula=r"x \tanh\left(x \Phi(x)\right)",
        formula_d1=r"\tanh(x\Phi(x)) + x \left(1 - \tanh^2(x\Phi(x))\right) "
        r"\left(\Phi(x) + x \varphi(x)\right)",
        output_range=NONNEGATIVE,
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=False),
        limits=(0.0, INF),
        paper="Naveen, 'Phish: A Novel Hyper-Optimizable Activation Function', TechRxiv, 2021",
        checked="TechRxiv abstract (doi 10.36227/techrxiv.17283824, via the search tool): "
        "f(x) = x TanH(GELU(x)) matches (GELU taken as the exact x Phi(x)); version 1 is 2021.",
        notes="Never negative: for x < 0, GELU(x) < 0 too, so x tanh(GELU(x)) > 0; it rises "
        "from 0 at -inf to a bump and returns to 0 at x = 0. Kunc & Kléma 2024, §3.3.16.",
    )
)


def _aria2_facts(a: float, b: float) -> Facts:
    return _gated_range(lambda t: t * np.exp(-a * np.logaddexp(0.0, -b * t)), -60.0 / b)


register(
    ActivationSpec(
        name="aria2",
        class_name="ARiA2",
        family="smooth-gated",
        summary="ARiA2: x (1 + e^(-b x))^(-a), swish with the sigmoid raised to a power a (a "
        "Richards curve), which moves the dip; a = b = 1 is SiLU.",
        fn=lambda x, a, b: finite(
            x, lambda t: t * torch.exp(a * F.logsigmoid(b * t)), 0.0, INF, 0.0, 1.0
        ),
        sym="x*exp(-a*softplus(-b*x))",
        params=(
            Param("a", 1.5, POSITIVE, doc="Exponent of the gate (alpha)."),
            Param("b", 2.0, POSITIVE, doc="Gate sharpness (beta)."),
        ),
        formula=r"x \left(1 + e^{-b x}\right)^{-a} = x\, \sigma(b x)^{a}",
        formula_d1=r"\sigma(b x)^{a} \left(1 + a b x \left(1 - \sigma(b x)\right)\right)",
        output_range=Interval(-0.06997764131970144, INF),  # min at x = -0.46488222070653035
        properties=GATED,
        limits=(0.0, INF),
        facts=lambda p: _aria2_facts(p["a"], p["b"]),
        test_params=({"a": 1.0, "b": 1.0}, {"a": 0.5, "b": 1.75}),
        paper="Patwardhan, Ingalhalikar & Walambe, 'ARiA: Utilizing Richard's Curve for "
        "Controlling the Non-monotonicity of the Activation Function in Deep Neural Nets', "
        "arXiv:1805.08878, 2018",
        checked="Only the paper's abstract and introduction retrieved (docslib copy of "
        "arXiv:1805.08878); f = x (1 + e^{-b x})^{-a} and a = 1.5, b = 2 match the pywick and "
        "echoAI ARiA2 docstrings (ARiA with nu = 1/a), not the paper's own equation.",
        notes="Defaults: the paper's best MNIST setting (alpha = 1.5, beta = 2). Kunc & Kléma 2024, "
        "§4.38 (ARiA2 as a special case of ARiA).",
    )
)

register(
    ActivationSpec(
        name="e_swish",
        family="smooth-gated",
        summary="E-swish: a x sigmoid(x), SiLU scaled by a (1 <= a <= 2 recommended).",
        fn=lambda x, a: finite(x, lambda t: a * t * torch.sigmoid(t), 0.0, INF, 0.0, a),
        sym="a*x*sigmoid(x)",
        params=(Param("a", 1.375, POSITIVE, doc="Output scale (beta in the paper)."),),
        formula=r"a\, x\, \sigma(x)",
        formula_d1=r"a \sigma(x) + a x \sigma(x)(1 - \sigma(x))",
        output_range=Interval(-0.2784645427610738 * 1.375, INF),
        properties=GATED,
        limits=(0.0, INF),
        facts=lambda p: Facts(Interval(-0.2784645427610738 * p["a"], INF), GATED, (0.0, INF)),
        test_params=({"a": 1.0}, {"a": 2.0}),
        paper="Alcaide, 'E-swish: Adjusting Activations to Different Network Depths', "
        "arXiv:1801.07145, 2018",
        checked="ar5iv text of arXiv:1801.07145 (abstract, Section 1) via the search tool: title, "
        "author; f = beta x sigmoid(x) as quoted by a follow-up's abstract (doi "
        "10.1007/978-981-33-6129-4_19) and the echoAI docstring; 1 <= beta <= 2 not re-read.",
        notes="Minimum -a W(1/e) = -0.278465 a at x = -1.278465. The paper recommends "
        "1 <= beta <= 2 and reports 1.375 among its best. Kunc & Kléma 2024, §4.4.4.",
    )
)


PFLU_MIN = -0.1501415530003888  # PFLU's minimum, at x = -0.7861513778754824


def _swim(t: torch.Tensor, a: float) -> torch.Tensor:
    # x (1 + a x / sqrt(1 + a^2 x^2)) / 2 = x (1 + x / h) / 2 with h = hypot(x, 1/a). For x < 0,
    # 1 + x/h cancels; there it is written (h + x)/h = (c/h) (c/(h - x)), c = 1/a, exact.
    c = 1.0 / a

    def right(p: torch.Tensor) -> torch.Tensor:
        return 0.5 * p * (1.0 + p / hypot(p, c))

    def left(n: torch.Tensor) -> torch.Tensor:
        h = hypot(n, c)
        return 0.5 * n * (c / h) * (c / (h - n))  # both ratios <= 1: no overflow

    return where_safe(t >= 0, t, right, left)


register(
    ActivationSpec(
        name="swim",
        family="smooth-gated",
        summary="Swim: x (1 + a x/sqrt(1 + a^2 x^2))/2 = PFLU(a x)/a, an algebraic (exp-free) "
        "swish; a = 1 is PFLU, a plays the role of swish's beta.",
        fn=lambda x, a: finite(x, lambda t: _swim(t, a), 0.0, INF, 0.0, 1.0),
        sym="x*(1 + a*x/sqrt(1 + a**2*x**2))/2",
        params=(
            Param(
                "a",
                0.5,
                POSITIVE,
                doc="Input scale (0.5 in the authors' code; a = 1: PFLU; a -> inf: ReLU).",
            ),
        ),
        formula=r"\frac{x}{2}\left(1 + \frac{a x}{\sqrt{1 + a^2 x^2}}\right)",
        formula_d1=r"\frac12 + \frac{a x\,(2 + a^2 x^2)}{2\,(1 + a^2 x^2)^{3/2}}",
        output_range=Interval(PFLU_MIN / 0.5, INF),  # min at x = -0.7861513778754824 / a
        properties=GATED,
        limits=(0.0, INF),
        facts=lambda p: Facts(Interval(PFLU_MIN / p["a"], INF), GATED, (0.0, INF)),
        test_params=({"a": 0.25}, {"a": 1.0}, {"a": 3.0}),
        paper="Abdool & Dear, 'Swim: A General-Purpose, High-Performing, and Efficient Activation "
        "Function for Locomotion Control Tasks', arXiv:2303.02640, 2023",
        checked="The paper's equation not retrieved (ar5iv and abstract pages give only the "
        "abstract); the authors' code, which their README names as Swim's definition "
        "(maryam-abdool/Swim-Control, TD3.py `new`), computes x (0.5 x / sqrt(1 + (0.5 x)^2) + "
        "1)/2: f with a = 0.5. Fixed to it (was x (1 + a x/sqrt(1 + x^2))/2).",
        notes="Swim(x) = PFLU(a x)/a, as swish_beta(x) = silu(beta x)/beta: the minimum is "
        "PFLU's scaled, -0.150142/a at x = -0.786151/a, and f -> 0 as x -> -inf for every a. "
        "The form x (1 + a x/sqrt(1 + x^2))/2, which the survey-based torch_activation library "
        "gives for Swim (Kunc & Kléma 2024 list swim among the adaptive PFLUs, §4.8), is not "
        "the authors' function for a != 1; the authors' code is followed here.",
    )
)

register(
    ActivationSpec(
        name="pflu",
        class_name="PFLU",
        family="smooth-gated",
        summary="Power function linear unit: x (1 + x/sqrt(1 + x^2))/2, a swish-like gate made "
        "of a square root instead of an exponential.",
        fn=lambda x: finite(x, lambda t: 0.5 * t * (1.0 + t / hypot(t, 1.0)), 0.0, INF, 0.0, 1.0),
        sym="x*(1 + x/sqrt(1 + x**2))/2",
        formula=r"\frac{x}{2}\left(1 + \frac{x}{\sqrt{1 + x^2}}\right)",
        formula_d1=r"\frac12 + \frac{x\,(2 + x^2)}{2\,(1 + x^2)^{3/2}}",
        output_range=Interval(PFLU_MIN, INF),  # min at x = -0.7861513778754824
        properties=GATED,
        limits=(0.0, INF),
        paper="Zhu, Min, Wang, Zou & Chen, 'PFLU and FPFLU: Two novel non-monotonic activation "
        "functions in convolutional neural networks', Neurocomputing 429:110-117, 2021",
        checked="Abstract (researcher.life via the search tool) and the first author's code "
        "(mengzhu0308/PFLU-FPFLU, pflu.py citing doi 10.1016/j.neucom.2020.11.068): "
        "x (1 + x/sqrt(1 + x^2))/2 matches; negative part non-monotonic and -> 0, as claimed.",
        notes="f ~ -1/(4|x|) as x -> -inf: it returns to 0 only algebraically. Kunc & Kléma 2024, "
        "§3.7.7.",
    )
)

# Both from one paper, of which only the abstract could be read.
SECHSIG_CHECKED = (
    "Abstract only (Springer page, doi 10.1007/s00500-023-09279-2, via the search tool: negative "
    "part non-monotonic, -> 0); f matches the survey-based torch_activation library's "
)

register(
    ActivationSpec(
        name="sech_sig",
        class_name="SechSig",
        family="smooth-gated",
        summary="SechSig: (x + sech x) sigmoid(x), SiLU with a sech bump added to the linear part.",
        fn=lambda x: finite(x, lambda t: (t + sech(t)) * torch.sigmoid(t), 0.0, INF, 0.0, 1.0),
        sym="(x + sech(x))*sigmoid(x)",
        formula=r"\left(x + \operatorname{sech} x\right) \sigma(x)",
        formula_d1=r"(1 - \operatorname{sech} x \tanh x)\,\sigma(x) + (x + \operatorname{sech} x)"
        r"\,\sigma(x)(1 - \sigma(x))",
        output_range=Interval(-0.2097429015687291, INF),  # min at x = -1.8232942891100061
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=False),
        limits=(0.0, INF),
        paper="Közkurt, Kiliçarslan, Baş & Elen, 'αSechSig and αTanhSig: two novel "
        "non-monotonic activation functions', Soft Computing, 2023 "
        "(doi:10.1007/s00500-023-09279-2)",
        checked=SECHSIG_CHECKED + "(z + sech z) sigma(z), the non-parametric SechSig there.",
        notes="f(0) = 1/2. Kunc & Kléma 2024, §3.2.22.",
    )
)

register(
    ActivationSpec(
        name="tanh_sig",
        class_name="TanhSig",
        family="smooth-gated",
        summary="TanhSig: (x + tanh x) sigmoid(x), SiLU with tanh added to the linear part.",
        fn=lambda x: finite(
            x, lambda t: (t + torch.tanh(t)) * torch.sigmoid(t), 0.0, INF, 0.0, 1.0
        ),
        sym="(x + tanh(x))*sigmoid(x)",
        formula=r"\left(x + \tanh x\right) \sigma(x)",
        formula_d1=r"(2 - \tanh^2 x)\,\sigma(x) + (x + \tanh x)\,\sigma(x)(1 - \sigma(x))",
        output_range=Interval(-0.4749160673582663, INF),  # min at x = -1.0660517452438865
        properties=GATED,
        limits=(0.0, INF),
        paper="Közkurt, Kiliçarslan, Baş & Elen, 'αSechSig and αTanhSig: two novel "
        "non-monotonic activation functions', Soft Computing, 2023 "
        "(doi:10.1007/s00500-023-09279-2)",
        checked=SECHSIG_CHECKED + "(z + tanh z) sigma(z), the non-parametric TanhSig there.",
        notes="Kunc & Kléma 2024, §3.2.23.",
    )
)
