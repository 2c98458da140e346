"""More squashing units from the survey (Kunc & Kléma 2024, §3.1-3.8): SiLU's derivative (dSiLU),
the sign, smooth and hard steps, Mega's Laplace attention function and log-SQNL.

References come from each entry's `sym` (actlab.catalog.symbolic). `DSILU_MIN`/`DSILU_MAX`, the
extremes of dSiLU, also bound the slope of every x·sigmoid(k x) unit (ACON-C, Swish-T).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import special

from actlab.catalog.edges import as_floating
from actlab.catalog.entries._torch import finite
from actlab.catalog.entries.sigmoid_links import _sqnl
from actlab.catalog.maths.extrema import minimum
from actlab.catalog.registry import register
from actlab.catalog.spec import (
    POSITIVE,
    REALS,
    SMOOTH,
    ActivationSpec,
    Facts,
    Interval,
    Param,
    Properties,
)


def dsilu_np(x: np.ndarray) -> np.ndarray:
    """sigmoid(x)(1 + x sigmoid(-x)), the derivative of x sigmoid(x), in float64."""
    return special.expit(x) * (1.0 + x * special.expit(-x))


# dSiLU(x) + dSiLU(-x) = 1, so its maximum is 1 - its minimum (both attained, at x = ∓2.3994).
DSILU_MIN_AT, DSILU_MIN = minimum(dsilu_np, -10.0, 0.0)
DSILU_MAX = 1.0 - DSILU_MIN

register(
    ActivationSpec(
        name="dsilu",
        class_name="dSiLU",
        family="saturating",
        summary="dSiLU: the derivative of SiLU, sigmoid(x)(1 + x sigmoid(-x)), used as a "
        "sigmoid-like unit; it overshoots to 1.0998 and dips to -0.0998.",
        fn=lambda x: finite(
            x, lambda t: torch.sigmoid(t) * (1.0 + t * torch.sigmoid(-t)), 0.0, 1.0
        ),
        sym="sigmoid(x)*(1 + x*sigmoid(-x))",
        formula=r"\sigma(x)\big(1 + x\, \sigma(-x)\big)",
        formula_d1=r"\sigma(x)\sigma(-x)\big(2 + x(\sigma(-x) - \sigma(x))\big)",
        output_range=Interval(DSILU_MIN, DSILU_MAX),
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=False),
        limits=(0.0, 1.0),
        paper="Elfwing, Uchibe & Doya, 'Sigmoid-weighted linear units for neural network "
        "function approximation in reinforcement learning', Neural Networks 107:3-11, 2018 "
        "(arXiv:1702.03118, 2017)",
        checked="Survey arXiv:2402.09092 §3.3.21 prose (text copy without equations): dSiLU as a "
        "sigmoid-like AF with maximum about 1.1 and minimum about -0.1 - matches the extremes "
        "1.0998 and -0.0998; Elfwing et al.'s text not retrievable here.",
        notes="Extremes -0.0998 at x = -2.3994 and 1.0998 at x = 2.3994 (f(x) + f(-x) = 1). "
        "Kunc & Kléma 2024, §3.3.21.",
    )
)

register(
    ActivationSpec(
        name="sign",
        aliases=("signum",),
        family="saturating",
        summary="Sign: -1, 0 or 1 by the sign of x, the activation of binarized networks "
        "(trained through a straight-through estimator; its own gradient is 0).",
        fn=lambda x: finite(x, lambda t: torch.where(torch.isnan(t), t, torch.sign(t)), -1.0, 1.0),
        sym="Piecewise((1, x > 0), (-1, x < 0), (0, True))",
        formula=r"\operatorname{sign} x = \begin{cases} 1 & x > 0 \\ 0 & x = 0 \\ -1 & x < 0 "
        r"\end{cases}",
        formula_d1=r"0 \quad (x \ne 0)",
        output_range=Interval(-1.0, 1.0),
        properties=Properties(
            monotonic=True, smoothness=-1, zero_centred=True, self_normalising=True
        ),
        kinks=(0.0,),
        kink_derivative={0.0: 0.0},
        limits=(-1.0, 1.0),
        paper="Courbariaux, Hubara, Soudry, El-Yaniv & Bengio, 'Binarized Neural Networks: "
        "Training Deep Neural Networks with Weights and Activations Constrained to +1 or -1', "
        "arXiv:1602.02830, 2016",
        checked="Survey arXiv:2402.09092 §3.1 prose (text copy without equations): -1 for "
        "negative, 1 for positive and 0 for exactly zero - matches fn; the BNN authors' code "
        "(MatthieuCourbariaux/BinaryNet, binary_tanh_unit = 2 round(hard_sigmoid(x)) - 1) and "
        "summaries of its Eq. (1) give +1 at x = 0 instead (see notes).",
        notes="sign(0) = 0 as torch.sign and the survey's sign; the binarized networks of the "
        "paper cited map x = 0 to +1 instead (summaries of its Eq. (1); 2 round(hard_sigmoid(x)) "
        "- 1 in the authors' code), a difference at one point only. NaN stays NaN. "
        "Self-normalising in Klambauer et al.'s sense, trivially: sign(z) has mean 0 and "
        "variance 1 for z ~ N(0, nu) whatever nu. Kunc "
        "& Kléma 2024, §3.1 (with the binary step).",
    )
)


def _hard_sigmoid_bc(x: torch.Tensor) -> torch.Tensor:
    return torch.clamp((as_floating(x) + 1.0) / 2.0, 0.0, 1.0)


register(
    ActivationSpec(
        name="hard_sigmoid_bc",
        class_name="HardSigmoidBC",
        family="saturating",
        summary="BinaryConnect's hard sigmoid: clip((x + 1)/2, 0, 1), a piecewise-linear "
        "sigmoid (torch's hardsigmoid is the wider (x + 3)/6).",
        fn=_hard_sigmoid_bc,
        sym="Piecewise((0, x < -1), (1, x > 1), ((x + 1)/2, True))",
        formula=r"\max\left(0, \min\left(1, \frac{x + 1}{2}\right)\right)",
        formula_d1=r"\begin{cases} 1/2 & |x| \le 1 \\ 0 & |x| > 1 \end{cases}",
        output_range=Interval(0.0, 1.0),
        properties=Properties(monotonic=True, smoothness=0, zero_centred=False),
        kinks=(-1.0, 1.0),
        kink_derivative={-1.0: 0.5, 1.0: 0.5},
        limits=(0.0, 1.0),
        paper="Courbariaux, Bengio & David, 'BinaryConnect: Training Deep Neural Networks with "
        "binary weights during propagations', NeurIPS 2015",
        checked="Authors' code MatthieuCourbariaux/BinaryNet Train-time/binary_net.py "
        "(hard_sigmoid = clip((x + 1)/2, 0, 1), binarization taken from the BinaryConnect "
        "repository) and paperswithcode's Hard Sigmoid page (BinaryConnect) agree with fn; the "
        "paper's text not read.",
        notes="At x = ±1 autograd gives 1/2 (clamp passes the gradient at its bounds). Kunc & "
        "Kléma 2024, §3.6.17.",
    )
)


def _smooth_step(x: torch.Tensor, gamma: float) -> torch.Tensor:
    t = torch.clamp(as_floating(x), -gamma / 2.0, gamma / 2.0)
    return -2.0 * t**3 / gamma**3 + 1.5 * t / gamma + 0.5


def _smooth_step_facts(gamma: float) -> Facts:
    edge = gamma / 2.0
    return Facts(
        Interval(0.0, 1.0),
        Properties(monotonic=True, smoothness=1, zero_centred=False),
        (0.0, 1.0),
        (-edge, edge),
        {-edge: 0.0, edge: 0.0},
    )


register(
    ActivationSpec(
        name="smooth_step",
        family="saturating",
        summary="Smooth-step: a cubic from 0 at -gamma/2 to 1 at gamma/2 with zero slope at both "
        "ends; exactly 0 and 1 outside, so it gives sparse, hard decisions (tree ensembles).",
        fn=_smooth_step,
        sym="Piecewise((0, x <= -gamma/2), (1, x >= gamma/2), "
        "(-2*x**3/gamma**3 + 3*x/(2*gamma) + 1/2, True))",
        params=(Param("gamma", 1.0, POSITIVE, doc="Width of the transition."),),
        formula=r"\begin{cases} 0 & x \le -\gamma/2 \\ -\frac{2 x^3}{\gamma^3} + \frac{3 x}"
        r"{2 \gamma} + \frac12 & |x| < \gamma/2 \\ 1 & x \ge \gamma/2 \end{cases}",
        formula_d1=r"\begin{cases} \frac{3}{2 \gamma} - \frac{6 x^2}{\gamma^3} & |x| < \gamma/2 "
        r"\\ 0 & \text{otherwise} \end{cases}",
        output_range=Interval(0.0, 1.0),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=False),
        kinks=(-0.5, 0.5),
        kink_derivative={-0.5: 0.0, 0.5: 0.0},
        limits=(0.0, 1.0),
        facts=lambda p: _smooth_step_facts(p["gamma"]),
        test_params=({"gamma": 4.0},),
        paper="Hazimeh, Ponomareva, Mol, Tan & Mazumder, 'The Tree Ensemble Layer: "
        "Differentiability meets Conditional Computation', ICML 2020",
        checked="Authors' code google-research/google-research tf_trees/neural_trees_helpers.cc "
        "(SmoothIndicator with smooth_step_param 0): -2 u^3 + 3 u^2 in u = x + 1/2 on (-1/2, "
        "1/2), 0 and 1 outside - equal to f at gamma = 1; the gamma scaling (there via "
        "smooth_step_param = 1/gamma) and the paper's equation were not read.",
        notes="C^1: f'' jumps by 6/gamma^2 at ±gamma/2. Kunc & Kléma 2024, §3.2.14.",
    )
)


# Mega's constants: the Laplace function matches relu(x)^2's value and slope at x = sqrt(2)/2.
LAPLACE_MU = math.sqrt(0.5)
LAPLACE_SIGMA = math.sqrt(1.0 / (4.0 * math.pi))

register(
    ActivationSpec(
        name="laplace",
        family="saturating",
        summary="Laplace attention function: Phi((x - mu)/sigma), a Gaussian CDF placed to "
        "approximate relu(x)^2 near its working range but bounded in [0, 1] (Mega).",
        fn=lambda x, mu, sigma: finite(x, lambda t: torch.special.ndtr((t - mu) / sigma), 0.0, 1.0),
        sym="Phi((x - mu)/sigma)",
        params=(
            Param("mu", LAPLACE_MU, REALS, doc="Centre (Mega: sqrt(1/2))."),
            Param("sigma", LAPLACE_SIGMA, POSITIVE, doc="Width (Mega: sqrt(1/(4 pi)))."),
        ),
        formula=r"\frac12\left(1 + \operatorname{erf}\frac{x - \mu}{\sigma \sqrt2}\right)",
        formula_d1=r"\frac{1}{\sigma \sqrt{2\pi}} e^{-(x - \mu)^2 / (2 \sigma^2)}",
        output_range=Interval(0.0, 1.0, low_open=True, high_open=True),
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=False),
        limits=(0.0, 1.0),
        test_params=({"mu": 0.0, "sigma": 1.0},),
        paper="Ma, Zhou, Kong, He, Gui, Neubig, May & Zettlemoyer, 'Mega: Moving Average "
        "Equipped Gated Attention', ICLR 2023 (arXiv:2209.10655, 2022)",
        checked="Mega authors' code facebookresearch/mega fairseq/utils.py laplace(): 0.5 (1 + "
        "erf((x - mu)/(sigma sqrt 2))) with mu = 0.707107, sigma = 0.282095 - matches fn and "
        "defaults (sqrt(1/2), sqrt(1/(4 pi))); the paper's equation not read.",
        notes="The defaults are Mega's: mu = sqrt(1/2), sigma = sqrt(1/(4 pi)). With mu = 0, "
        "sigma = 1 it is probit.",
    )
)

register(
    ActivationSpec(
        name="log_sqnl",
        class_name="LogSQNL",
        family="saturating",
        summary="LogSQNL: (SQNL(x) + 1)/2, the square-based squash moved to [0, 1] as a "
        "sigmoid-like unit.",
        fn=lambda x: finite(x, lambda t: 0.5 * (_sqnl(t) + 1.0), 0.0, 1.0),
        sym="Piecewise((1, x > 2), ((x - x**2/4 + 1)/2, x >= 0), ((x + x**2/4 + 1)/2, x >= -2), "
        "(0, True))",
        formula=r"\begin{cases} 1 & x > 2 \\ \frac12\left(x - \frac{x^2}{4}\right) + \frac12 & "
        r"0 \le x \le 2 \\ \frac12\left(x + \frac{x^2}{4}\right) + \frac12 & -2 \le x < 0 \\ "
        r"0 & x < -2 \end{cases}",
        formula_d1=r"\begin{cases} \frac12 - \frac{|x|}{4} & |x| \le 2 \\ 0 & |x| > 2 "
        r"\end{cases}",
        output_range=Interval(0.0, 1.0),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=False),
        kinks=(-2.0, 0.0, 2.0),
        kink_derivative={-2.0: 0.0, 0.0: 0.5, 2.0: 0.0},
        limits=(0.0, 1.0),
        paper="Wuraola, Patel & Nguang, 'Efficient activation functions for embedded inference "
        "engines', Neurocomputing 442:73-88, 2021",
        checked="Not checked against the paper: Wuraola, Patel & Nguang 2021 not retrievable and "
        "the readable survey copy lacks §3.8.6; public ports disagree (one gives 1/2 z -+ z^2/4 + "
        "1/2, discontinuous at ±2, another (SQNL + 1)/2 as here).",
        notes="Kunc & Kléma 2024, §3.8.6.",
    )
)
