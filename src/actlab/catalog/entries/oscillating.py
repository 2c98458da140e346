"""Oscillating and bump-shaped units from the survey (Kunc & Kléma 2024, §3.23-3.36): sinc and
its shifted forms, the amplifying sine, the search-found min(x, sin x), and the piecewise
Mexican-hat and radial-basis units of multistable networks.

sin and cos have no limit at ±inf: those entries give nan there (f and f'), as `sine` does;
the decaying ones (sinc) tend to 0.
"""

from __future__ import annotations

import math

import torch

from actlab.catalog.entries._shapes import DIM, along
from actlab.catalog.entries._torch import finite, sinc
from actlab.catalog.registry import register
from actlab.catalog.spec import (
    INF,
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
WAVE = Properties(monotonic=False, smoothness=SMOOTH, zero_centred=True)
# sin(x)/x is smallest at the first root of tan x = x beyond 0.
SINC_MIN_AT = 4.493409457909064
SINC_MIN = math.sin(SINC_MIN_AT) / SINC_MIN_AT
DSU_PEAK = 1.6364081368248817  # at x = ±2.630995890965375 (odd, so the minimum is -peak)
NOEL_2021 = (
    "Noel, Bharadwaj, Muthiah-Nakarajan, Dutta & Amali, 'Biologically Inspired Oscillating "
    "Activation Functions Can Bridge the Performance Gap between Biological and Artificial "
    "Neurons', arXiv:2111.04020, 2021"
)


def _sinc_about(x: torch.Tensor, c: float) -> torch.Tensor:
    """sin(x - c)/(x - c) for c = ±pi, accurate everywhere: the series in x - c near c, and
    -sin(x)/(x - c) elsewhere (sin(x - c) = -sin x exactly, while sin of the rounded x - c
    would lose the digits of small results near x = 0). Each side sees harmless values where
    the other is taken, so neither divides by 0 in the backward pass."""
    u = x - c
    near = u.abs() < 0.5
    one = torch.ones((), dtype=x.dtype, device=x.device)
    zero = torch.zeros((), dtype=x.dtype, device=x.device)
    far = -torch.sin(torch.where(near, zero, x)) / torch.where(near, one, u)
    return torch.where(near, sinc(torch.where(near, u, zero)), far)


def _sinc_about_sym(c: str) -> str:
    return f"Piecewise((sinc(x - {c}), Abs(x - {c}) < 1/2), (-sin(x)/(x - {c}), True))"


LIU_2018 = (
    "Liu, Zeng & Wang, 'Multistability of Recurrent Neural Networks With Nonmonotonic "
    "Activation Functions and Unbounded Time-Varying Delays', IEEE Transactions on Neural "
    "Networks and Learning Systems 29(7), 2018"
)

register(
    ActivationSpec(
        name="sinc",
        family="periodic",
        summary="Sinc: sin(x)/x (1 at 0), a decaying oscillation: one central bump, ripples "
        "that shrink like 1/x.",
        fn=lambda x: finite(x, sinc, 0.0, 0.0),
        sym="sinc(x)",
        formula=r"\frac{\sin x}{x}\ (1 \text{ at } 0)",
        formula_d1=r"\frac{x \cos x - \sin x}{x^2}\ (0 \text{ at } 0)",
        output_range=Interval(SINC_MIN, 1.0),
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=False),
        limits=(0.0, 0.0),
        paper="Efe, 'Novel Neuronal Activation Functions for Feedforward Neural Networks', "
        "Neural Processing Letters 28(2):63-79, 2008",
        checked="Paper body not retrievable here (hinet record of Neural Processing Letters 2008: "
        "the abstract names a sinc activation); sin(x)/x with 1 at 0 and range [-0.217234,"
        " 1] matches the Wikipedia-derived activation table on gabormelli.com.",
        notes=f"Unnormalised (torch.sinc is sin(pi x)/(pi x)). Minimum {SINC_MIN:.6f} at "
        f"x = ±{SINC_MIN_AT:.6f}, the first root of tan x = x. Kunc & Kléma 2024, §3.35.",
    )
)

register(
    ActivationSpec(
        name="ssu",
        class_name="SSU",
        aliases=("shifted_sinc_unit",),
        family="periodic",
        summary="Shifted sinc unit: pi sinc(x - pi), the sinc's bump moved to x = pi so f(0) = 0; "
        "a single unit can solve XOR.",
        fn=lambda x: finite(x, lambda t: math.pi * _sinc_about(t, math.pi), 0.0, 0.0),
        sym="pi*" + _sinc_about_sym("pi"),
        formula=r"\pi \frac{\sin(x - \pi)}{x - \pi}",
        formula_d1=r"\pi \frac{(x - \pi) \cos(x - \pi) - \sin(x - \pi)}{(x - \pi)^2}",
        output_range=Interval(math.pi * SINC_MIN, math.pi),
        properties=WAVE,
        limits=(0.0, 0.0),
        paper=NOEL_2021,
        checked="Paper body not retrievable here (ar5iv arXiv:2111.04020 opening: abstract naming "
        "SSU); pi sinc(x - pi) is how public ports write it, read with the unnormalised "
        "sinc sin(z)/z, the reading that gives f(0) = 0 (ports that use the normalised "
        "sin(pi z)/(pi z) do not).",
        notes="Maximum pi at x = pi. Kunc & Kléma 2024, §3.35.",
    )
)

register(
    ActivationSpec(
        name="dsu",
        class_name="DSU",
        aliases=("decaying_sine_unit",),
        family="periodic",
        summary="Decaying sine unit: (pi/2)(sinc(x - pi) - sinc(x + pi)), an odd oscillation "
        "whose amplitude decays like 1/x.",
        fn=lambda x: finite(
            x,
            lambda t: 0.5 * math.pi * (_sinc_about(t, math.pi) - _sinc_about(t, -math.pi)),
            0.0,
            0.0,
        ),
        sym=f"pi*({_sinc_about_sym('pi')} - {_sinc_about_sym('(-pi)')})/2",
        formula=r"\frac{\pi}{2}\left(\operatorname{sinc}(x - \pi) - \operatorname{sinc}(x + \pi)"
        r"\right),\; \operatorname{sinc} z = \frac{\sin z}{z}",
        formula_d1=r"\frac{\pi}{2}\left(\operatorname{sinc}'(x - \pi) - \operatorname{sinc}'(x + "
        r"\pi)\right)",
        output_range=Interval(-DSU_PEAK, DSU_PEAK),
        properties=WAVE,
        limits=(0.0, 0.0),
        paper=NOEL_2021,
        checked="Paper body not retrievable here (abstract only); (pi/2)(sinc(x - pi) - sinc(x + "
        "pi)) as public ports write it, with the unnormalised sinc (odd, f(0) = 0).",
        notes="Odd: f(-x) = -f(x). Kunc & Kléma 2024, §3.36.",
    )
)

register(
    ActivationSpec(
        name="asu",
        class_name="ASU",
        aliases=("amplifying_sine_unit",),
        family="periodic",
        summary="Amplifying sine unit: x sin x, the even counterpart of GCU (x cos x): "
        "oscillation with linearly growing amplitude.",
        fn=lambda x: finite(x, lambda t: t * torch.sin(t), NAN, NAN, NAN, NAN),
        sym="x*sin(x)",
        formula=r"x \sin x",
        formula_d1=r"\sin x + x \cos x",
        output_range=REALS,
        properties=WAVE,
        limits=(NAN, NAN),
        paper="Rahman, Makhdoom & Lu, 'Amplifying Sine Unit: An Oscillatory Activation Function "
        "for Deep Neural Networks to Recover Nonlinear Oscillations Efficiently', "
        "arXiv:2304.09759, 2023",
        checked="Paper body not retrievable here (arXiv:2304.09759 abstract on deepai, first "
        "author Jamshaid Ul Rahman); x sin x agrees with the survey's text ('the sine "
        "equivalent of the GCU', x cos x) in the formula-less copy found via find_string, "
        "and with the torch_activation package's ASU.",
        notes="No limit at ±inf (nan there). Kunc & Kléma 2024, §3.34.",
    )
)

register(
    ActivationSpec(
        name="minsin",
        family="periodic",
        summary="Minsin: min(x, sin x), found by Ramachandran et al.'s search: x for x < 0 and "
        "sin x for x >= 0.",
        fn=lambda x: finite(
            x, lambda t: torch.where(~(t < 0), torch.sin(t), t), -INF, NAN, 1.0, NAN
        ),
        sym="Piecewise((sin(x), x >= 0), (x, True))",
        formula=r"\min(x, \sin x)",
        formula_d1=r"\begin{cases} \cos x & x \ge 0 \\ 1 & x < 0 \end{cases}",
        output_range=Interval(-INF, 1.0),
        properties=Properties(monotonic=False, smoothness=2, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-INF, NAN),
        paper="Ramachandran, Zoph & Le, 'Searching for Activation Functions', arXiv:1710.05941, "
        "2017",
        checked="Not checked against the paper (only the abstract of arXiv:1710.05941 is "
        "retrievable here); sin x for x >= 0 and x below, which is min(x, sin x) since sin"
        " x <= x exactly for x >= 0, matches the torch_activation package's Minsin (a port"
        " of the survey's list).",
        notes="sin x = x - x^3/6 + ...: f, f' and f'' are continuous at 0 and f''' jumps (C^2). "
        "No limit at +inf. Kunc & Kléma 2024, §3.6.8.",
    )
)

# The Mexican-hat (Ricker) wavelet, normalised as the survey writes it.
MEXICAN_HAT_C = 2.0 / (math.sqrt(3.0) * math.pi**0.25)


def _hat(u: torch.Tensor) -> torch.Tensor:
    v = u * u
    return MEXICAN_HAT_C * (1.0 - v) * torch.exp(-0.5 * v)


def _hat_d1(u: float) -> float:
    return MEXICAN_HAT_C * math.exp(-0.5 * u * u) * (u**3 - 3.0 * u)


def _pmaf_facts(a: float) -> Facts:
    # Both branches reach the wavelet's maximum c (at x = ±a) and its minimum -2c e^(-3/2) (at
    # |x ∓ a| = sqrt 3); f' jumps at 0 from psi'(a) to psi'(-a) unless a = sqrt 3.
    smooth = 1 if a == math.sqrt(3.0) else 0
    return Facts(
        Interval(-2.0 * MEXICAN_HAT_C * math.exp(-1.5), MEXICAN_HAT_C),
        Properties(monotonic=False, smoothness=smooth, zero_centred=False),
        (0.0, 0.0),
        (0.0,),
        {0.0: _hat_d1(-a)},
    )


register(
    ActivationSpec(
        name="pmaf",
        class_name="PMAF",
        aliases=("piecewise_mexican_hat", "mexican_hat"),
        family="periodic",
        summary="Piecewise Mexican-hat: two Mexican-hat wavelets centred at ±a, joined at 0; a "
        "non-monotonic unit that gives recurrent networks many stable states.",
        fn=lambda x, a: finite(
            x, lambda t: torch.where(~(t < 0), _hat(t - a), _hat(t + a)), 0.0, 0.0
        ),
        sym="Piecewise((2*(1 - (x - a)**2)*exp(-(x - a)**2/2)/(sqrt(3)*pi**(1/4)), x >= 0), "
        "(2*(1 - (x + a)**2)*exp(-(x + a)**2/2)/(sqrt(3)*pi**(1/4)), True))",
        params=(Param("a", 4.0, POSITIVE, doc="Centres ±a of the two hats."),),
        formula=r"\begin{cases} \psi(x + a) & x < 0 \\ \psi(x - a) & x \ge 0 \end{cases},\; "
        r"\psi(u) = \frac{2}{\sqrt3\,\pi^{1/4}} (1 - u^2) e^{-u^2/2}",
        formula_d1=r"\begin{cases} \psi'(x + a) & x < 0 \\ \psi'(x - a) & x \ge 0 \end{cases},\; "
        r"\psi'(u) = \frac{2}{\sqrt3\,\pi^{1/4}} (u^3 - 3u) e^{-u^2/2}",
        output_range=Interval(-2.0 * MEXICAN_HAT_C * math.exp(-1.5), MEXICAN_HAT_C),
        properties=Properties(monotonic=False, smoothness=0, zero_centred=False),
        kinks=(0.0,),
        kink_derivative={0.0: _hat_d1(-4.0)},
        limits=(0.0, 0.0),
        facts=lambda p: _pmaf_facts(p["a"]),
        test_params=({"a": 2.5},),
        paper=LIU_2018,
        checked="Paper body not retrievable here (CityU record: Liu, Zeng & Wang, TNNLS July 2018,"
        " abstract only); the survey's text (formula-less copy) says a = 4 was used, and a"
        " public survey port has the prefactor 2/(sqrt 3 pi^(1/4)) and e^(-(x +- a)^2/2) "
        "of fn and sym, but writes (1 - (x +- a)) without the square that the Mexican-hat "
        "(Ricker) wavelet has, so the (1 - u^2) factor rests on the wavelet, not on a "
        "source read here.",
        notes="a = 4 as in the paper. f(0) = psi(a) is slightly negative (-0.004364 at a = 4), so "
        "it is not zero-centred. Kunc & Kléma 2024, §3.23.",
    )
)


def _prbf(t: torch.Tensor, a: float, b: float) -> torch.Tensor:
    return torch.where(
        t >= a,
        torch.exp(-((t - 2.0 * a) ** 2) / b**2),
        torch.where(t > -a, torch.exp(-(t**2) / b**2), torch.exp(-((t + 2.0 * a) ** 2) / b**2)),
    )


def _prbf_facts(a: float, b: float) -> Facts:
    slope = 2.0 * a / b**2 * math.exp(-(a**2) / b**2)
    return Facts(
        Interval(0.0, 1.0, low_open=True),
        Properties(monotonic=False, smoothness=0, zero_centred=False),
        (0.0, 0.0),
        (-a, a),
        {-a: -slope, a: slope},
    )


register(
    ActivationSpec(
        name="prbf",
        class_name="PRBF",
        aliases=("piecewise_radial_basis",),
        family="periodic",
        summary="Piecewise radial basis function: three Gaussian bumps (at -2a, 0 and 2a) of "
        "width b, joined at ±a.",
        fn=lambda x, a, b: finite(x, lambda t: _prbf(t, a, b), 0.0, 0.0),
        sym="Piecewise((exp(-(x - 2*a)**2/b**2), x >= a), (exp(-x**2/b**2), x > -a), "
        "(exp(-(x + 2*a)**2/b**2), True))",
        params=(
            Param("a", 3.0, POSITIVE, doc="Half the distance between the bumps."),
            Param("b", 1.0, POSITIVE, doc="Width of each bump."),
        ),
        formula=r"\begin{cases} e^{-(x - 2a)^2/b^2} & x \ge a \\ e^{-x^2/b^2} & -a < x < a \\ "
        r"e^{-(x + 2a)^2/b^2} & x \le -a \end{cases}",
        formula_d1=r"\begin{cases} -\frac{2(x - 2a)}{b^2} e^{-(x - 2a)^2/b^2} & x \ge a \\ "
        r"-\frac{2x}{b^2} e^{-x^2/b^2} & |x| < a \\ -\frac{2(x + 2a)}{b^2} e^{-(x + 2a)^2/b^2} "
        r"& x \le -a \end{cases}",
        output_range=Interval(0.0, 1.0, low_open=True),
        properties=Properties(monotonic=False, smoothness=0, zero_centred=False),
        kinks=(-3.0, 3.0),
        kink_derivative={-3.0: -6.0 * math.exp(-9.0), 3.0: 6.0 * math.exp(-9.0)},
        limits=(0.0, 0.0),
        facts=lambda p: _prbf_facts(p["a"], p["b"]),
        test_params=({"a": 1.0, "b": 1.0},),
        paper=LIU_2018,
        checked="Not checked against the paper: the survey's text (formula-less copy) says Liu, "
        "Zeng & Wang used a = 3 and b = 1, and a public survey port writes the same three "
        "Gaussian branches joined at +-a; which of their papers defines PRBF was not "
        "confirmed.",
        notes="a = 3, b = 1 as in the paper; f' jumps from -(2a/b^2) e^(-a^2/b^2) to its "
        "negative at ±a. Kunc & Kléma 2024, §3.24.",
    )
)


def _snake_beta(x, alpha, beta, dim):
    x, a, b = along(x, dim, alpha, beta)
    # f' = 1 + (a/b) sin(2 a x) has no limit at ±inf: the gradient there is nan.
    return finite(x, lambda t: t + torch.sin(a * t).square() / b, -INF, INF, NAN, NAN)


register(
    ActivationSpec(
        name="snake_beta",
        class_name="SnakeBeta",
        family="periodic",
        summary="Snake-beta: x + sin^2(alpha x)/beta, snake with separate learned frequency alpha "
        "and magnitude 1/beta (BigVGAN's periodic activation).",
        fn=_snake_beta,
        sym="x + sin(alpha*x)**2/beta",
        params=(
            Param("alpha", 1.0, POSITIVE, learnable=True, doc="Frequency (learned)."),
            Param("beta", 1.0, POSITIVE, learnable=True, doc="Inverse magnitude (learned)."),
            DIM,
        ),
        formula=r"x + \frac{\sin^2(\alpha x)}{\beta}",
        formula_d1=r"1 + \frac{\alpha}{\beta} \sin(2 \alpha x)",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        limits=(-INF, INF),
        facts=lambda p: Facts(
            REALS, Properties(p["alpha"] <= p["beta"], SMOOTH, True), (-INF, INF)
        ),
        test_params=({"alpha": 2.0, "beta": 0.5}, {"alpha": 0.5, "beta": 2.0}),
        paper="Lee, Ping, Ginsburg, Catanzaro & Yoon, 'BigVGAN: A Universal Neural Vocoder with "
        "Large-Scale Training', ICLR 2023 (arXiv:2206.04658, 2022)",
        checked="Paper body not retrievable here; x + sin^2(alpha x)/beta matches BigVGAN's "
        "activations.py as copied (under its MIT licence note) in several public "
        "repositories, which store log alpha and log beta.",
        notes="alpha = beta is snake; increasing exactly when alpha <= beta (f' = 1 + (alpha/beta) "
        "sin(2 alpha x)). BigVGAN stores log alpha and log beta; here they are plain positive "
        "parameters.",
    )
)
