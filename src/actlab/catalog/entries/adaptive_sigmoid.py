"""Squashing units with learned slope or amplitude from the survey (Kunc & Kléma 2024, §4.1):
adaptive tanh (physics-informed networks), the generalized tanh of function shape autotuning,
sigmoids with a learned gain or amplitude, and TanhLU.

Parameters are shared or per channel along `dim` (as in adaptive.py); the claims are for one
shared set. tanh and sigmoid saturate without overflow, so most torch forms are the formula.
"""

from __future__ import annotations

import math

import torch

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

# -- learnable-slope squashing units ----------------------------------------------------------


def _adaptive_tanh(x, a, n, dim):
    x, a = along(x, dim, a)
    return torch.tanh((n * a) * x)


register(
    ActivationSpec(
        name="adaptive_tanh",
        family="adaptive",
        summary="Adaptive tanh: tanh(n a x) with a learned slope a and a fixed scale factor "
        "n >= 1 that speeds up its training (physics-informed networks).",
        fn=_adaptive_tanh,
        sym="tanh(n*a*x)",
        params=(
            Param("a", 0.1, POSITIVE, learnable=True, doc="Slope (learned); n a = 1 at start."),
            Param("n", 10.0, Interval(1.0, INF), doc="Scale factor of the learned slope."),
            DIM,
        ),
        formula=r"\tanh(n a x)",
        formula_d1=r"n a \operatorname{sech}^2(n a x)",
        output_range=Interval(-1.0, 1.0, low_open=True, high_open=True),
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        limits=(-1.0, 1.0),
        test_params=({"a": 0.5, "n": 2.0},),
        paper="Jagtap, Kawaguchi & Karniadakis, 'Adaptive activation functions accelerate "
        "convergence in deep and physics-informed neural networks', Journal of Computational "
        "Physics 404:109136, 2020",
        checked="Paper text not retrievable here; emergentmind's summary of arXiv:1906.01170 (via "
        "the search tool) gives the activation as sigma(n a L(x)) with a trainable a and a "
        "fixed scale factor n >= 1: tanh(n a x) and n >= 1 match; the defaults n = 10, a = "
        "0.1 were not read in the paper",
        notes="Initialised with n a = 1 (plain tanh); the paper's layer-wise and neuron-wise "
        "variants are the shared and per-channel forms here.",
    )
)


def _generalized_tanh(x, a, b, dim):
    x, a, b = along(x, dim, a, b)
    return a * torch.tanh(b * x / 2.0)


register(
    ActivationSpec(
        name="generalized_tanh",
        family="adaptive",
        summary="Generalized hyperbolic tangent: a (1 - e^(-bx))/(1 + e^(-bx)) = a tanh(bx/2), "
        "a bipolar sigmoid with learned amplitude a and slope b.",
        fn=_generalized_tanh,
        sym="a*tanh(b*x/2)",
        params=(
            Param("a", 1.0, POSITIVE, learnable=True, doc="Amplitude (learned)."),
            Param("b", 1.0, POSITIVE, learnable=True, doc="Slope (learned)."),
            DIM,
        ),
        formula=r"a\, \frac{1 - e^{-b x}}{1 + e^{-b x}}",
        formula_d1=r"\frac{2 a b\, e^{-b x}}{\left(1 + e^{-b x}\right)^2}",
        output_range=Interval(-1.0, 1.0, low_open=True, high_open=True),
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        limits=(-1.0, 1.0),
        facts=lambda p: Facts(
            Interval(-p["a"], p["a"], low_open=True, high_open=True),
            Properties(True, SMOOTH, True),
            (-p["a"], p["a"]),
        ),
        test_params=({"a": 2.0, "b": 0.5},),
        paper="Chen & Chang, 'A feedforward neural network with function shape autotuning', "
        "Neural Networks 9(4):627-641, 1996",
        checked="Paper text not retrievable here (only its citation, Neural Networks 1996, found "
        "in a reference list via the search tool); the form a(1 - e^-bx)/(1 + e^-bx) was "
        "not re-checked against a primary text",
        notes="The printed form equals a tanh(bx/2), which the reference and the torch form use "
        "(no overflow of e^(-bx)). a = 1, b = 1 is bipolar_sigmoid.",
    )
)


def _tanhlu(x, alpha, lam, beta, dim):
    x, a, k, b = along(x, dim, alpha, lam, beta)
    low = torch.where(b > 0, torch.full_like(b, -INF), -a)
    high = torch.where(b > 0, torch.full_like(b, INF), a)
    return finite(x, lambda t: a * torch.tanh(k * t) + b * t, low, high, b, b)


def _tanhlu_facts(alpha: float, lam: float, beta: float) -> Facts:
    shape = Properties(beta + min(0.0, alpha * lam) >= 0.0, SMOOTH, alpha != 0.0 or beta != 0.0)
    if beta > 0:
        return Facts(REALS, shape, (-INF, INF))
    edge = abs(alpha)
    return Facts(Interval(-edge, edge, low_open=True, high_open=True), shape, (-alpha, alpha))


register(
    ActivationSpec(
        name="tanhlu",
        class_name="TanhLU",
        family="adaptive",
        summary="TanhLU: alpha tanh(lambda x) + beta x, tanh plus a learned linear part that "
        "keeps the gradient from vanishing.",
        fn=_tanhlu,
        sym="alpha*tanh(lam*x) + beta*x",
        params=(
            Param("alpha", 1.0, REALS, learnable=True, doc="Weight of the tanh (learned)."),
            Param("lam", 1.0, POSITIVE, learnable=True, doc="Slope of the tanh (learned)."),
            Param("beta", 1.0, NONNEGATIVE, learnable=True, doc="Linear slope (learned)."),
            DIM,
        ),
        formula=r"\alpha \tanh(\lambda x) + \beta x",
        formula_d1=r"\alpha \lambda \operatorname{sech}^2(\lambda x) + \beta",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        limits=(-INF, INF),
        facts=lambda p: _tanhlu_facts(p["alpha"], p["lam"], p["beta"]),
        test_params=(
            {"alpha": -1.0, "lam": 2.0, "beta": 0.5},
            {"alpha": 2.0, "lam": 0.5, "beta": 0.0},
        ),
        paper="Shen, Zhang, Zhou & Yin, 'Enhancement of neural networks with an alternative "
        "activation function tanhLU', Expert Systems with Applications 199:117181, 2022",
        checked="Paper text not retrievable here; its abstract (Expert Systems with Applications "
        "199:117181, 2022; researcher.life, bohrium and PolyU pages) describes tanh "
        "integrated with a linear unit under three parameters alpha, beta, lambda, "
        "consistent with alpha tanh(lambda x) + beta x; the equation and defaults were not "
        "read",
        notes="Increasing exactly when beta + min(0, alpha lambda) >= 0. Kunc & Kléma 2024, §4.",
    )
)


def _tanh_d1(v):
    t = torch.tanh(v)
    return 1.0 - t * t


def _reltanh(x, a, b, dim):
    x, a, b = along(x, dim, a, b)
    left = _tanh_d1(a) * (x - a) + torch.tanh(a)
    right = _tanh_d1(b) * (x - b) + torch.tanh(b)
    return torch.where(x <= a, left, torch.where(x < b, torch.tanh(x), right))


def _reltanh_facts(a: float, b: float) -> Facts:
    # Lines tangent to tanh at a and b: f' is continuous; f'' jumps where tanh'' != 0.
    at_zero = 0.0 if a <= 0.0 <= b else None
    return Facts(
        REALS,
        Properties(monotonic=True, smoothness=1, zero_centred=at_zero == 0.0),
        (-INF, INF),
        (a, b),
        {a: 1.0 - math.tanh(a) ** 2, b: 1.0 - math.tanh(b) ** 2},
    )


register(
    ActivationSpec(
        name="reltanh",
        class_name="ReLTanh",
        family="adaptive",
        summary="Rectified linear tanh: tanh between learned thresholds a < b, continued by its "
        "tangent lines beyond, so the gradient never vanishes in the saturated regions.",
        fn=_reltanh,
        sym="Piecewise(((1 - tanh(a)**2)*(x - a) + tanh(a), x <= a), (tanh(x), x < b), "
        "((1 - tanh(b)**2)*(x - b) + tanh(b), True))",
        params=(
            Param("a", -1.5, Interval(-INF, -1.5), learnable=True, doc="Left threshold (learned)."),
            Param("b", 0.0, Interval(0.0, 0.5), learnable=True, doc="Right threshold (learned)."),
            DIM,
        ),
        formula=r"\begin{cases} \tanh'(a)(x - a) + \tanh a & x \le a \\ \tanh x & a < x < b \\ "
        r"\tanh'(b)(x - b) + \tanh b & x \ge b \end{cases}",
        formula_d1=r"\begin{cases} 1 - \tanh^2 a & x \le a \\ 1 - \tanh^2 x & a < x < b \\ "
        r"1 - \tanh^2 b & x \ge b \end{cases}",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=1, zero_centred=True),
        kinks=(-1.5, 0.0),
        kink_derivative={-1.5: 1.0 - math.tanh(-1.5) ** 2, 0.0: 1.0},
        limits=(-INF, INF),
        facts=lambda p: _reltanh_facts(p["a"], p["b"]),
        test_params=({"a": -2.5, "b": 0.5},),
        paper="Wang, Qin, Wang, Xiang & Chen, 'ReLTanh: An activation function with vanishing "
        "gradient resistance for SAE-based DNNs and its application to rotating machinery "
        "fault diagnosis', Neurocomputing 363:88-98, 2019",
        checked="Paper text not retrievable (Neurocomputing 363:88-98, abstract only); the "
        "authors' MATLAB code (Qin & Wang, found via find_string) has f' = 1 - tanh^2 of "
        "the threshold outside [thn, thp] and tanh' inside, and clamps thn <= -1.5 and 0 "
        "<= thp <= 0.5: the form, ranges and defaults here match",
        notes="The paper's limits a <= -1.5, 0 <= b <= 0.5 are the valid ranges and its initial "
        "a = -1.5, b = 0 the defaults (shared per layer there). At b = 0 the right line is x "
        "itself. Kunc & Kléma 2024, §4.2.36.",
    )
)


register(
    ActivationSpec(
        name="gain_sigmoid",
        aliases=("adaptive_gain_sigmoid",),
        family="adaptive",
        summary="Sigmoid with a learned gain: sigmoid(g x), whose steepness g is trained with the "
        "weights (speeds up backpropagation).",
        fn=lambda x, g, dim: (lambda t, k: torch.sigmoid(k * t))(*along(x, dim, g)),
        sym="sigmoid(g*x)",
        params=(Param("g", 1.0, POSITIVE, learnable=True, doc="Gain (learned)."), DIM),
        formula=r"\sigma(g x)",
        formula_d1=r"g\, \sigma(g x)\big(1 - \sigma(g x)\big)",
        output_range=Interval(0.0, 1.0, low_open=True, high_open=True),
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=False),
        limits=(0.0, 1.0),
        test_params=({"g": 4.0},),
        paper="Kruschke & Movellan, 'Benefits of gain: speeded learning and minimal hidden "
        "layers in back-propagation networks', IEEE Transactions on Systems, Man, and "
        "Cybernetics 21(1):273-280, 1991",
        checked="Abstract of IEEE SMC 21(1):273-280, 1991 and the authors' 1990 report "
        "announcement (via the search tool): the gain is a multiplicative constant on a "
        "node's net input, adapted by gradient descent, i.e. sigmoid(g x): match; "
        "equations not read",
        notes="Kunc & Kléma 2024, §4.1.",
    )
)

register(
    ActivationSpec(
        name="amplitude_sigmoid",
        aliases=("trainable_amplitude_sigmoid",),
        family="adaptive",
        summary="Sigmoid with a learned amplitude: lambda sigmoid(x), whose output range "
        "(0, lambda) is trained with the weights.",
        fn=lambda x, lam, dim: (lambda t, a: a * torch.sigmoid(t))(*along(x, dim, lam)),
        sym="lam*sigmoid(x)",
        params=(Param("lam", 1.0, POSITIVE, learnable=True, doc="Amplitude (learned)."), DIM),
        formula=r"\lambda\, \sigma(x)",
        formula_d1=r"\lambda\, \sigma(x)\big(1 - \sigma(x)\big)",
        output_range=Interval(0.0, 1.0, low_open=True, high_open=True),
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=False),
        limits=(0.0, 1.0),
        facts=lambda p: Facts(
            Interval(0.0, p["lam"], low_open=True, high_open=True),
            Properties(True, SMOOTH, False),
            (0.0, p["lam"]),
        ),
        test_params=({"lam": 3.0},),
        paper="Trentin, 'Networks with trainable amplitude of activation functions', Neural "
        "Networks 14(4-5):471-493, 2001",
        checked="Abstract of Trentin's 'Activation Functions with Learnable Amplitude' (FBK record "
        "dated 1999, the precursor of the 2001 paper; via the search tool): a learned "
        "amplitude for any nonlinearity, shared, per layer or per neuron; lambda "
        "sigmoid(x) is its logistic case; the 2001 journal text was not read",
        notes="The paper learns the amplitude of any activation; this is its logistic instance. "
        "An FBK record of Trentin's 'Activation Functions with Learnable Amplitude', dated "
        "1999, has the same abstract. Kunc & Kléma 2024, §4.1.",
    )
)
