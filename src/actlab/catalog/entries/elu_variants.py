"""Hard and square-based ELU-like units from the survey (Kunc & Kléma 2024, §3.7.1, §3.7.18,
§3.8.2): HardELiSH, SQLU, TaLU and maxtanh: the identity (or close to it) for x >= 0 and a cheap
saturating or dipping curve below.

As in elu_family.py, each negative branch goes through `where_safe`, so no exp() sees the other
side's inputs and no inf·0 reaches a backward pass.
"""

from __future__ import annotations

import math

import torch

from actlab.catalog.entries._torch import finite, where_safe
from actlab.catalog.entries.elu_family import RAMACHANDRAN, WURAOLA_2021
from actlab.catalog.registry import register
from actlab.catalog.spec import (
    INF,
    ActivationSpec,
    Facts,
    Interval,
    Param,
    Properties,
)


def _hard_elish(t: torch.Tensor) -> torch.Tensor:
    # The hard sigmoid (x + 1)/2 clipped to [0, 1]: only its upper clip matters for x >= 0 and
    # only its lower one for x < 0. clamp passes the gradient at the clip point itself.
    def positive(p: torch.Tensor) -> torch.Tensor:
        return p * ((p + 1.0) / 2.0).clamp(max=1.0)

    def negative(n: torch.Tensor) -> torch.Tensor:
        return torch.expm1(n) * ((n + 1.0) / 2.0).clamp(min=0.0)

    return where_safe(t >= 0, t, positive, negative)


register(
    ActivationSpec(
        name="hard_elish",
        class_name="HardELiSH",
        family="exponential",
        summary="Hard ELiSH: ELiSH with the hard sigmoid max(0, min(1, (x + 1)/2)) in place of "
        "the sigmoid; piecewise, exp only on [-1, 0).",
        fn=lambda x: finite(x, _hard_elish, 0.0, INF, 0.0, 1.0),
        sym="Piecewise((x, x > 1), (x*(x + 1)/2, x >= 0), (expm1(x)*(x + 1)/2, x >= -1), (0, True))",
        formula=r"\begin{cases} x \max\left(0, \min\left(1, \tfrac{x + 1}{2}\right)\right) & x \ge 0 "
        r"\\ (e^{x} - 1) \max\left(0, \min\left(1, \tfrac{x + 1}{2}\right)\right) & x < 0 "
        r"\end{cases}",
        formula_d1=r"\begin{cases} 1 & x > 1 \\ x + \tfrac12 & 0 \le x \le 1 \\ "
        r"\tfrac{(x + 2) e^{x} - 1}{2} & -1 \le x < 0 \\ 0 & x < -1 \end{cases}",
        output_range=Interval(-0.09967315152874263, INF),  # min at x = -0.4428544010737162
        properties=Properties(monotonic=False, smoothness=0, zero_centred=True),
        kinks=(-1.0, 0.0, 1.0),
        kink_derivative={-1.0: (math.exp(-1.0) - 1.0) / 2.0, 0.0: 0.5, 1.0: 1.5},
        limits=(0.0, INF),
        paper="Basirat & Roth, 'The Quest for the Golden Activation Function', arXiv:1808.00783, "
        "2018",
        checked="paperswithcode's HardELiSH page (via the search tool) gives x max(0, min(1, (x + "
        "1)/2)) for x >= 0 (printed 'x >= 1') and (e^x - 1) max(0, min(1, (x + 1)/2)) below: "
        "matches; survey Eq. (179), per a public PyTorch transcription of the survey's Section 3 "
        "equations (GitHub, read via the search tool), prints (1 + e^-x) instead, read as e^x - 1.",
        notes="f' is continuous at 0 (1/2 from both sides); it jumps at -1 (from 0 to "
        "(e^-1 - 1)/2) and at 1 (from 3/2 to 1). Kunc & Kléma 2024, §3.7.18; the survey's printed "
        "(1 + e^-x) for the negative part is read as ELiSH's e^x - 1.",
    )
)


def _sqlu(t: torch.Tensor) -> torch.Tensor:
    c = t.clamp(min=-2.0)
    return torch.where(c > 0, c, c + c * c / 4.0)


register(
    ActivationSpec(
        name="sqlu",
        class_name="SQLU",
        family="exponential",
        summary="Square linear unit: x for x > 0, x + x^2/4 on [-2, 0] and -1 below; an ELU "
        "made of squares (no exp) with a linear derivative.",
        fn=lambda x: finite(x, _sqlu, -1.0, INF, 0.0, 1.0),
        sym="Piecewise((x, x > 0), (x + x**2/4, x >= -2), (-1, True))",
        formula=r"\begin{cases} x & x > 0 \\ x + x^2/4 & -2 \le x \le 0 \\ -1 & x < -2 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x > 0 \\ 1 + x/2 & -2 \le x \le 0 \\ 0 & x < -2 \end{cases}",
        output_range=Interval(-1.0, INF),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=True),
        kinks=(-2.0, 0.0),
        kink_derivative={-2.0: 0.0, 0.0: 1.0},
        limits=(-1.0, INF),
        paper=WURAOLA_2021,
        checked="Wuraola et al. not retrievable here; survey §3.8.2 says SQLU keeps SQNL's "
        "negative part, and a public PyTorch transcription of the survey's Section 3 equations "
        "(GitHub, read via the search tool) writes x above 0, x + x^2/4 on [-2, 0], -1 below: "
        "matches.",
        notes="C^1: f'' jumps at -2 (0 to 1/2) and at 0 (1/2 to 0). Kunc & Kléma 2024, §3.8.2.",
    )
)


def _talu(t: torch.Tensor, a: float) -> torch.Tensor:
    return torch.where(~(t < 0), t, torch.where(t > a, torch.tanh(t), math.tanh(a)))


register(
    ActivationSpec(
        name="talu",
        class_name="TaLU",
        family="exponential",
        summary="TaLU: x for x >= 0, tanh(x) on (a, 0) and the constant tanh(a) below a; tanh "
        "and ReLU joined, with a flat floor.",
        fn=lambda x, a: finite(x, lambda t: _talu(t, a), math.tanh(a), INF, 0.0, 1.0),
        sym="Piecewise((x, x >= 0), (tanh(x), x > a), (tanh(a), True))",
        params=(
            Param("a", -0.75, Interval(-INF, 0.0, high_open=True), doc="Where the floor starts."),
        ),
        formula=r"\begin{cases} x & x \ge 0 \\ \tanh x & a < x < 0 \\ \tanh a & x \le a "
        r"\end{cases}",
        formula_d1=r"\begin{cases} 1 & x \ge 0 \\ 1 - \tanh^2 x & a < x < 0 \\ 0 & x \le a "
        r"\end{cases}",
        output_range=Interval(math.tanh(-0.75), INF),
        properties=Properties(monotonic=True, smoothness=0, zero_centred=True),
        kinks=(-0.75, 0.0),
        kink_derivative={-0.75: 0.0, 0.0: 1.0},
        limits=(math.tanh(-0.75), INF),
        facts=lambda p: Facts(
            Interval(math.tanh(p["a"]), INF),
            Properties(True, 0, True),
            (math.tanh(p["a"]), INF),
            (p["a"], 0.0),
            {p["a"]: 0.0, 0.0: 1.0},
        ),
        test_params=({"a": -2.0},),
        paper="Hasan, Hossain, Srizon & Sayeed, 'TaLU: A Hybrid Activation Function Combining "
        "Tanh and Rectified Linear Unit to Enhance Neural Networks', arXiv:2305.04402, 2023",
        checked="Hasan et al.'s text not retrievable here (abstract only); survey §4.2.31 (text "
        "copy, via the search tool) defines TaLU with a fixed or learnable threshold a < 0 and "
        "gives a = -0.75 as Mercioni & Holban's PTaLU start: consistent; the attribution is "
        "unconfirmed.",
        notes="At 0 tanh and the identity agree to second order (only f''' jumps); the kink is at "
        "a, where f' drops from 1 - tanh^2 a to 0. a = -0.75 is the initial value Mercioni and "
        "Holban use for the learnable PTaLU. Kunc & Kléma 2024, §4.2.31, describes this floored "
        "TaLU (threshold a < 0, fixed or learnable); whether Hasan et al.'s TaLU has the floor "
        "could not be checked against their text.",
    )
)

register(
    ActivationSpec(
        name="maxtanh",
        family="exponential",
        summary="Maxtanh: max(x, tanh x), found by Ramachandran et al.'s search: x for x >= 0 "
        "and tanh below; an ELU-like unit saturating at -1.",
        fn=lambda x: finite(
            x, lambda t: torch.where(t >= 0, t, torch.tanh(t)), -1.0, INF, 0.0, 1.0
        ),
        sym="Piecewise((x, x >= 0), (tanh(x), True))",
        formula=r"\max(x, \tanh x)",
        formula_d1=r"\begin{cases} 1 & x \ge 0 \\ 1 - \tanh^2 x & x < 0 \end{cases}",
        output_range=Interval(-1.0, INF, low_open=True),
        properties=Properties(monotonic=True, smoothness=2, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-1.0, INF),
        paper=RAMACHANDRAN,
        checked="Ramachandran et al.'s list not retrievable here; survey §3.7.1 (text copy) writes "
        "maxtanh as max(z, tanh z), ThLU without its scale (a public PyTorch transcription of the "
        "survey's Section 3 equations (GitHub, read via the search tool) gives ThLU as tanh(x/2) "
        "below 0): matches.",
        notes="tanh x = x - x^3/3 + ..., so f, f' and f'' are continuous at 0 and f''' jumps from "
        "-2 to 0: C^2. Kunc & Kléma 2024, §3.7.1.",
    )
)
