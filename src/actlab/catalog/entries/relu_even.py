"""Even and bi-firing rectifiers from the survey (Kunc & Kléma 2024, §3.6.25-3.6.31, §3.21-3.22):
the modulus (V-ReLU) and its soft versions, and the bi-firing units that fire for large inputs
of either sign.

Kinks are written with `torch.where` (or clamp/abs, whose backward rules are stated) so each
entry's f' at a kink is a stated convention, and the `sym` Piecewise conditions pick the same
side.
"""

from __future__ import annotations

import torch

from actlab.catalog.edges import as_floating
from actlab.catalog.entries._torch import finite
from actlab.catalog.entries.relu_family import LIEW_2016
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

MODULUS_2023 = (
    "Vallés-Pérez, Soria-Olivas, Martínez-Sober, Serrano-López, Vila-Francés & "
    "Gómez-Sanchís, 'Empirical study of the modulus as activation function in computer vision "
    "applications', Engineering Applications of Artificial Intelligence 120:105863, 2023"
)
EVEN = Properties(monotonic=False, smoothness=0, zero_centred=False)


def _bfire(x: torch.Tensor, a: float) -> torch.Tensor:
    m = x.abs()
    return torch.where(m <= a, x * x / (2.0 * a), m - a / 2.0)


register(
    ActivationSpec(
        name="bfire",
        family="relu-like",
        summary="Bi-firing: x^2/(2a) near 0 and |x| - a/2 beyond ±a, a smoothed absolute value "
        "(fires for large inputs of either sign).",
        fn=lambda x, a: finite(x, lambda t: _bfire(t, a), INF, INF, -1.0, 1.0),
        sym="Piecewise((x - a/2, x > a), (x**2/(2*a), x >= -a), (-x - a/2, True))",
        params=(Param("a", 1.0, POSITIVE, doc="Half-width of the quadratic part."),),
        formula=r"\begin{cases} x - a/2 & x > a \\ x^2/(2a) & -a \le x \le a \\ -x - a/2 & "
        r"x < -a \end{cases}",
        formula_d1=r"\begin{cases} 1 & x > a \\ x/a & |x| \le a \\ -1 & x < -a \end{cases}",
        output_range=NONNEGATIVE,
        properties=Properties(monotonic=False, smoothness=1, zero_centred=False),
        kinks=(-1.0, 1.0),
        limits=(INF, INF),
        facts=lambda p: Facts(
            NONNEGATIVE, Properties(False, 1, False), (INF, INF), (-p["a"], p["a"])
        ),
        test_params=({"a": 0.25},),
        paper="Li, Ng, Yeung & Chan, 'Bi-firing deep neural networks', International Journal of "
        "Machine Learning and Cybernetics 5(1):73-83, 2014",
        checked="Li et al. not retrievable here; survey §3.21 says bfire tends to |x| as a -> 0 "
        "and a public PyTorch transcription of the survey's Section 3 equations (GitHub, read via "
        "the search tool) gives x - a/2, x^2/(2a), -x - a/2 with breaks at a and -a: matches.",
        notes="C^1: f'' jumps from 1/a to 0 at ±a. It tends to |x| (vReLU) as a -> 0. Kunc & "
        "Kléma 2024, §3.21.",
    )
)


def _bbfire(x: torch.Tensor, a: float, b: float) -> torch.Tensor:
    return torch.clamp(_bfire(x, a), max=b)


def _bbfire_facts(a: float, b: float) -> Facts:
    edge = b + a / 2.0
    return Facts(
        Interval(0.0, b),
        Properties(monotonic=False, smoothness=0, zero_centred=False),
        (b, b),
        (-edge, -a, a, edge),
        {-edge: -1.0, -a: -1.0, a: 1.0, edge: 1.0},
    )


register(
    ActivationSpec(
        name="bbfire",
        family="relu-like",
        summary="Bounded bi-firing: bi-firing capped at b, an inverse bell: 0 at 0, b for large "
        "inputs of either sign.",
        fn=lambda x, a, b: finite(x, lambda t: _bbfire(t, a, b), b, b),
        sym="Piecewise((b, x > b + a/2), (x - a/2, x > a), (x**2/(2*a), x >= -a), "
        "(-x - a/2, x >= -b - a/2), (b, True))",
        params=(
            Param("a", 1.0, POSITIVE, doc="Half-width of the quadratic part."),
            Param("b", 3.0, POSITIVE, doc="The cap (above a/2)."),
        ),
        constraint=lambda p: (
            None if p["b"] > p["a"] / 2 else f"b ({p['b']}) must exceed a/2 ({p['a'] / 2})"
        ),
        formula=r"\min\left(\operatorname{bfire}_a(x),\, b\right)",
        formula_d1=r"\begin{cases} \operatorname{bfire}_a'(x) & |x| \le b + a/2 \\ 0 & "
        r"\text{otherwise} \end{cases}",
        output_range=Interval(0.0, 3.0),
        properties=Properties(monotonic=False, smoothness=0, zero_centred=False),
        kinks=(-3.5, -1.0, 1.0, 3.5),
        kink_derivative={-3.5: -1.0, -1.0: -1.0, 1.0: 1.0, 3.5: 1.0},
        limits=(3.0, 3.0),
        facts=lambda p: _bbfire_facts(p["a"], p["b"]),
        test_params=({"a": 2.0, "b": 4.0},),
        paper=LIEW_2016,
        checked="Liew et al. not retrievable here; survey §3.22 (text copy) describes bfire "
        "bounded by b, and a public PyTorch transcription of the survey's Section 3 equations "
        "(GitHub, read via the search tool) and another implementation compute min(bfire, b), b "
        "beyond ±(b + a/2): matches.",
        notes="At ±a the slope is continuous (±1); the kinks listed there only carry autograd's "
        "value. clamp passes the gradient at the cap itself, so f'(±(b + a/2)) = ±1. Kunc & "
        "Kléma 2024, §3.22.",
    )
)


def _soft_modulus_q(x: torch.Tensor) -> torch.Tensor:
    m = x.abs()
    return torch.where(m <= 1.0, x * x * (2.0 - m), m)


register(
    ActivationSpec(
        name="soft_modulus_q",
        family="relu-like",
        summary="SoftModulusQ: x^2 (2 - |x|) on [-1, 1] and |x| outside, a quadratic-cubic "
        "smoothing of the absolute value.",
        fn=lambda x: finite(x, _soft_modulus_q, INF, INF, -1.0, 1.0),
        sym="Piecewise((x, x > 1), (x**2*(2 - x), x >= 0), (x**2*(2 + x), x >= -1), (-x, True))",
        formula=r"\begin{cases} x^2 (2 - |x|) & |x| \le 1 \\ |x| & |x| > 1 \end{cases}",
        formula_d1=r"\begin{cases} 4x - 3x|x| & |x| \le 1 \\ \operatorname{sign} x & |x| > 1 "
        r"\end{cases}",
        output_range=NONNEGATIVE,
        properties=Properties(monotonic=False, smoothness=1, zero_centred=False),
        kinks=(-1.0, 1.0),
        limits=(INF, INF),
        paper=MODULUS_2023,
        checked="Vallés-Pérez et al. (arXiv:2301.05993) not retrievable here; a public PyTorch "
        "transcription of the survey's Section 3 equations (GitHub, read via the search tool) "
        "gives Eq. (128) as x^2 (2 - |x|) for |x| <= 1, |x| outside (noting the printed inequality "
        "is inconsistent), as do implementations citing the paper: matches.",
        notes="f' is continuous at ±1 (±1 on both sides) and f'' jumps there (-2 to 0); at 0 "
        "only f''' jumps. Kunc & Kléma 2024, §3.6.30.",
    )
)

register(
    ActivationSpec(
        name="soft_modulus_t",
        family="relu-like",
        summary="SoftModulusT: x tanh(x/a), a tanh smoothing of |x|; a = 1 is LiSHT.",
        fn=lambda x, a: finite(x, lambda t: t * torch.tanh(t / a), INF, INF, -1.0, 1.0),
        sym="x*tanh(x/a)",
        params=(Param("a", 0.01, POSITIVE, doc="Width of the rounded bottom."),),
        formula=r"x \tanh(x/a)",
        formula_d1=r"\tanh(x/a) + \frac{x}{a}\left(1 - \tanh^2(x/a)\right)",
        output_range=NONNEGATIVE,
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=False),
        limits=(INF, INF),
        test_params=({"a": 1.0},),
        paper=MODULUS_2023,
        checked="Vallés-Pérez et al. not retrievable here; survey §3.6.31 (text copy): x "
        "tanh(x/a), LiSHT at a = 1, a = 0.01 in the paper, and a public PyTorch transcription of "
        "the survey's Section 3 equations (GitHub, read via the search tool) agrees: matches the "
        "formula and the default.",
        notes="The paper's a = 0.01 is the default. Kunc & Kléma 2024, §3.6.31.",
    )
)

register(
    ActivationSpec(
        name="vrelu",
        aliases=("modulus",),
        class_name="VReLU",
        family="relu-like",
        summary="V-shaped ReLU (the modulus): |x|, a rectifier that keeps the magnitude of "
        "negative inputs, so no unit dies.",
        fn=lambda x: torch.abs(as_floating(x)),
        sym="Piecewise((x, x > 0), (-x, x < 0), (0, True))",
        formula=r"|x|",
        formula_d1=r"\operatorname{sign} x",
        output_range=NONNEGATIVE,
        properties=EVEN,
        kinks=(0.0,),
        kink_derivative={0.0: 0.0},
        limits=(INF, INF),
        paper=MODULUS_2023,
        checked="Survey §3.6.25 (text copy, via the search tool): vReLU is the absolute value with "
        "range [0, inf), identical to Vallés-Pérez et al.'s modulus: matches; the modulus paper "
        "itself was not read.",
        notes="The survey's vReLU (Kunc & Kléma 2024, §3.6.25), proposed earlier under that "
        "name; the paper cited studies it as the modulus. f'(0) = 0 (torch.abs). Integer "
        "inputs are promoted to float: |-128| does not fit int8.",
    )
)
