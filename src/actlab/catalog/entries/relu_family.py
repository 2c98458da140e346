"""The ReLU family from the survey (Kunc & Kléma 2024, §3.6): rectifiers that are shifted,
bounded, made leaky, V-shaped, powered or smoothed only near their kinks.

Kinks are written with `torch.where` (or clamp/hardtanh, whose backward rules are stated) so
each entry's f' at a kink is a stated convention, and the `sym` Piecewise conditions pick the
same side.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from actlab.catalog.edges import refuse_integers
from actlab.catalog.entries._torch import finite, where_safe
from actlab.catalog.registry import register
from actlab.catalog.spec import (
    INF,
    NONNEGATIVE,
    POSITIVE,
    REALS,
    ActivationSpec,
    Facts,
    Interval,
    Param,
    Properties,
)

LIEW_2016 = (
    "Liew, Khalil-Hani & Bakhteri, 'Bounded activation functions for enhanced training "
    "stability of deep neural networks on visual pattern recognition problems', "
    "Neurocomputing 216:718-734, 2016"
)

register(
    ActivationSpec(
        name="shifted_relu",
        family="relu-like",
        summary="Shifted ReLU: max(x, -1), ReLU moved down and left by 1 so its outputs can be "
        "negative (mean closer to 0).",
        fn=lambda x: torch.clamp(x, min=-1.0),
        sym="Piecewise((x, x >= -1), (-1, True))",
        formula=r"\max(x, -1)",
        formula_d1=r"\begin{cases} 1 & x \ge -1 \\ 0 & x < -1 \end{cases}",
        output_range=Interval(-1.0, INF),
        properties=Properties(monotonic=True, smoothness=0, zero_centred=True),
        kinks=(-1.0,),
        kink_derivative={-1.0: 1.0},
        limits=(-1.0, INF),
        paper="Clevert, Unterthiner & Hochreiter, 'Fast and Accurate Deep Network Learning by "
        "Exponential Linear Units (ELUs)', ICLR 2016 (the SReLU baseline there)",
        checked="Clevert et al. not retrievable here; survey §3.6.1 (text copy without equations) "
        "calls it a translation of ReLU and a public PyTorch transcription of the survey's Section "
        "3 equations (GitHub, read via the search tool) writes it max(x, -1): matches; the SReLU "
        "baseline in the ELU paper itself was not read.",
        notes="clamp's backward passes the gradient at the bound itself: f'(-1) = 1. Kunc & Kléma "
        "2024, §3.6.1.",
    )
)

register(
    ActivationSpec(
        name="very_leaky_relu",
        aliases=("vlrelu",),
        class_name="VeryLeakyReLU",
        family="relu-like",
        summary="Very leaky ReLU: slope 1/3 for x < 0 (leaky ReLU's 0.01 made large), for faster "
        "training of sparse CNNs.",
        fn=lambda x: F.leaky_relu(x, 1.0 / 3.0),
        native="torch.nn.functional.leaky_relu",
        native_kwargs={"negative_slope": 1.0 / 3.0},
        sym="Piecewise((x, x > 0), (x/3, True))",
        formula=r"\begin{cases} x & x > 0 \\ x/3 & x \le 0 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x > 0 \\ 1/3 & x \le 0 \end{cases}",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=0, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0 / 3.0},
        limits=(-INF, INF),
        paper="Graham, 'Spatially-sparse convolutional neural networks', arXiv:1409.6070, 2014",
        checked="Graham's paper not retrievable here; survey §3.6.2 (text copy) gives the leaky "
        "ReLU x/a with a = 3 and a public PyTorch transcription of the survey's Section 3 "
        "equations (GitHub, read via the search tool) writes x/3 below 0: slope 1/3 matches.",
        notes="leaky_relu with negative_slope = 1/3 (the survey's a = 3 in x/a form). Kunc & "
        "Kléma 2024, §3.6.2.",
    )
)

register(
    ActivationSpec(
        name="nlrelu",
        class_name="NLReLU",
        family="relu-like",
        summary="Natural-logarithm ReLU: ln(a max(0, x) + 1), ReLU whose positive side grows "
        "only logarithmically.",
        fn=lambda x, a: torch.log1p(a * F.relu(x)),
        sym="Piecewise((log1p(a*x), x > 0), (0, True))",
        params=(Param("a", 1.0, POSITIVE, doc="Scale inside the logarithm."),),
        formula=r"\ln\left(a \max(0, x) + 1\right)",
        formula_d1=r"\begin{cases} \frac{a}{1 + a x} & x > 0 \\ 0 & x \le 0 \end{cases}",
        output_range=NONNEGATIVE,
        properties=Properties(monotonic=True, smoothness=0, zero_centred=False),
        kinks=(0.0,),
        kink_derivative={0.0: 0.0},
        limits=(0.0, INF),
        test_params=({"a": 3.0},),
        paper="Liu, Zhang, Gao, Qu & Ji, 'Natural-Logarithm-Rectified Activation Function in "
        "Convolutional Neural Networks', ICCC 2019 (arXiv:1908.03682)",
        checked="The paper's abstract (IEEE ICCC 2019 record and a docslib copy, via the search "
        "tool) defines f(x) = ln(beta max(0, x) + 1.0): matches with a = beta (survey §3.6.12 "
        "agrees); the body, with the beta values used, was not read, so the default a = 1 is not "
        "the paper's.",
        notes="f' jumps from 0 to a at 0 (ReLU's convention f'(0) = 0). Kunc & Kléma 2024, "
        "§3.6.12.",
    )
)


def _brelu_facts(a: float) -> Facts:
    return Facts(
        Interval(0.0, a),
        Properties(monotonic=True, smoothness=0, zero_centred=False),
        (0.0, a),
        (0.0, a),
        {0.0: 0.0, a: 0.0},
    )


register(
    ActivationSpec(
        name="brelu",
        aliases=("relun", "bounded_relu"),
        class_name="BReLU",
        family="relu-like",
        summary="Bounded ReLU: min(max(0, x), a), ReLU capped at a (ReLU6 is a = 6); bounded "
        "outputs for training stability.",
        fn=lambda x, a: F.hardtanh(x, 0.0, a),
        sym="Piecewise((0, x <= 0), (x, x < a), (a, True))",
        params=(Param("a", 1.0, POSITIVE, doc="The cap."),),
        formula=r"\min(\max(0, x), a)",
        formula_d1=r"\begin{cases} 1 & 0 < x < a \\ 0 & \text{otherwise} \end{cases}",
        output_range=Interval(0.0, 1.0),
        properties=Properties(monotonic=True, smoothness=0, zero_centred=False),
        kinks=(0.0, 1.0),
        kink_derivative={0.0: 0.0, 1.0: 0.0},
        limits=(0.0, 1.0),
        facts=lambda p: _brelu_facts(p["a"]),
        test_params=({"a": 6.0}, {"a": 0.5}),
        paper=LIEW_2016,
        checked="Liew et al. not retrievable here; survey §3.6.16 (text copy) describes ReLU "
        "capped at a predefined a, proposed again as ReLUN, and a public PyTorch transcription of "
        "the survey's Section 3 equations (GitHub, read via the search tool) clamps x to [0, a]: "
        "matches.",
        notes="Later proposed again as ReLUN (Pishchik, 'Trainable Activations for Image "
        "Classification', Preprints 2023). f' = 0 at both kinks, as PyTorch's hardtanh and "
        "relu6. Kunc & Kléma 2024, §3.6.16.",
    )
)


def _blrelu(x: torch.Tensor, a: float, b: float) -> torch.Tensor:
    return torch.where(x <= 0, a * x, torch.where(x < b, x, a * x + (1.0 - a) * b))


register(
    ActivationSpec(
        name="blrelu",
        class_name="BLReLU",
        family="relu-like",
        summary="Bounded leaky ReLU: slope a below 0 and above b, slope 1 in between; a leaky "
        "ReLU whose large outputs are damped too.",
        fn=lambda x, a, b: finite(x, lambda t: _blrelu(t, a, b), -INF, INF, a, a),
        sym="Piecewise((a*x, x <= 0), (x, x < b), (a*x + (1 - a)*b, True))",
        params=(
            Param("a", 0.1, Interval(0.0, 1.0, low_open=True, high_open=True), doc="Leak slope."),
            Param("b", 1.0, POSITIVE, doc="Where the damped part starts."),
        ),
        formula=r"\begin{cases} a x & x \le 0 \\ x & 0 < x < b \\ a x + (1 - a) b & x \ge b "
        r"\end{cases}",
        formula_d1=r"\begin{cases} 1 & 0 < x < b \\ a & \text{otherwise} \end{cases}",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=0, zero_centred=True),
        kinks=(0.0, 1.0),
        kink_derivative={0.0: 0.1, 1.0: 0.1},
        limits=(-INF, INF),
        facts=lambda p: Facts(
            REALS,
            Properties(True, 0, True),
            (-INF, INF),
            (0.0, p["b"]),
            {0.0: p["a"], p["b"]: p["a"]},
        ),
        test_params=({"a": 0.5, "b": 3.0},),
        paper=LIEW_2016,
        checked="Liew et al. not retrievable here; survey §3.6.24 (text copy) gives leak a, "
        "threshold b and c = (1 - a) b for continuity, and a public PyTorch transcription of the "
        "survey's Section 3 equations (GitHub, read via the search tool) writes Eq. (122) as a x, "
        "x, a x + c: matches; the default a = 0.1 is not from either.",
        notes="c = (1 - a) b makes it continuous at b. Kunc & Kléma 2024, §3.6.24.",
    )
)


def _sign_relu_facts(a: float) -> Facts:
    return Facts(
        Interval(-a, INF, low_open=True),
        Properties(monotonic=True, smoothness=1 if a == 1.0 else 0, zero_centred=True),
        (-a, INF),
        (0.0,),
        {0.0: 1.0},
    )


register(
    ActivationSpec(
        name="sign_relu",
        aliases=("dlu",),
        class_name="SignReLU",
        family="relu-like",
        summary="SignReLU: x for x >= 0 and the softsign a x/(1 + |x|) below, ReLU with a "
        "bounded negative side.",
        fn=lambda x, a: finite(
            x,
            lambda t: where_safe(t >= 0, t, lambda p: p, lambda n: a * n / (1.0 - n)),
            -a,
            INF,
            0.0,
            1.0,
        ),
        sym="Piecewise((x, x >= 0), (a*x/(1 - x), True))",
        params=(Param("a", 1.0, POSITIVE, doc="Scale of the negative side (saturates at -a)."),),
        formula=r"\begin{cases} x & x \ge 0 \\ \dfrac{a x}{1 + |x|} & x < 0 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x \ge 0 \\ \dfrac{a}{(1 - x)^2} & x < 0 \end{cases}",
        output_range=Interval(-1.0, INF, low_open=True),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 1.0},
        limits=(-1.0, INF),
        facts=lambda p: _sign_relu_facts(p["a"]),
        test_params=({"a": 0.5},),
        paper="Lin & Shen, 'Research on convolutional neural network based on improved Relu "
        "piecewise activation function', Procedia Computer Science 131:977-984, 2018",
        checked="Lin & Shen not retrievable here; survey §3.6.32 (text copy) describes ReLU joined "
        "to the softsign, ReLU at a = 0, proposed again as DLU, and a public PyTorch transcription "
        "of the survey's Section 3 equations (GitHub, read via the search tool) writes Eq. (130) "
        "as x above 0 and a x/(|x| + 1) below: matches; the default a = 1 is unconfirmed.",
        notes="Proposed again as DLU. a = 1 is C^1 (f'' jumps from 2 to 0); other a leave a "
        "kink in f'. Kunc & Kléma 2024, §3.6.32.",
    )
)


def _repu(x: torch.Tensor, a: int) -> torch.Tensor:
    refuse_integers(x, "repu", "relu(x)^a wraps around the integer type")
    return F.relu(x) ** a


def _repu_facts(a: int) -> Facts:
    return Facts(
        NONNEGATIVE,
        Properties(monotonic=True, smoothness=a - 1, zero_centred=False),
        (0.0, INF),
        (0.0,),
        {0.0: 0.0},
    )


register(
    ActivationSpec(
        name="repu",
        aliases=("rectified_power_unit",),
        class_name="RePU",
        family="relu-like",
        summary="Rectified power unit: max(0, x)^a; a = 1 is ReLU, 2 the squared ReLU (ReQU), 3 "
        "the cubic ReCU; C^(a-1), so smooth enough for PDE solvers.",
        fn=_repu,
        sym="Piecewise((x**a, x > 0), (0, True))",
        params=(Param("a", 2, Interval(1, 64), kind=int, doc="The power (an integer >= 1)."),),
        formula=r"\max(0, x)^{a}",
        formula_d1=r"a \max(0, x)^{a - 1}",
        output_range=NONNEGATIVE,
        properties=Properties(monotonic=True, smoothness=1, zero_centred=False),
        kinks=(0.0,),
        kink_derivative={0.0: 0.0},
        limits=(0.0, INF),
        facts=lambda p: _repu_facts(p["a"]),
        test_params=({"a": 3}, {"a": 1}),
        paper="Li, Tang & Yu, 'Better Approximations of High Dimensional Smooth Functions by Deep "
        "Neural Networks with Rectified Power Units', Communications in Computational Physics "
        "27(2):379-411, 2020; Berradi, 'Symmetric Power Activation Functions for Deep Neural "
        "Networks', LOPAL 2018 (the same power unit, proposed earlier)",
        checked="Li, Tang & Yu not retrievable here; survey §3.6.39 (text copy without equations, "
        "via the search tool): max(0, x)^a is ReLU at a = 1, ReQU or squared ReLU at 2 and ReCU at "
        "3, and was first proposed by Berradi (now cited too): matches.",
        notes="Kunc & Kléma 2024, §3.6.39, which credits Berradi's power activation as the "
        "first appearance and RePU as an independent later proposal.",
    )
)


def _sqrt_relu(x: torch.Tensor) -> torch.Tensor:
    # sqrt has an infinite slope at 0: the square root sees 1 where x <= 0, so its backward
    # pass never forms 0 * inf; f'(0) = 0 by the convention of ReLU (the left side).
    positive = ~(x <= 0)  # NaN takes this side and stays NaN
    return torch.where(positive, torch.sqrt(torch.where(positive, x, 1.0)), 0.0)


register(
    ActivationSpec(
        name="sqrt_relu",
        class_name="SqrtReLU",
        family="relu-like",
        summary="Square-root ReLU: sqrt(max(0, x)), the power unit with exponent 1/2: it grows "
        "slower than any ReLU but starts infinitely steep.",
        fn=lambda x: finite(x, _sqrt_relu, 0.0, INF),
        sym="Piecewise((sqrt(x), x > 0), (0, True))",
        formula=r"\sqrt{\max(0, x)}",
        formula_d1=r"\begin{cases} \dfrac{1}{2\sqrt{x}} & x > 0 \\ 0 & x \le 0 \end{cases}",
        output_range=NONNEGATIVE,
        properties=Properties(monotonic=True, smoothness=0, zero_centred=False),
        kinks=(0.0,),
        kink_derivative={0.0: 0.0},
        limits=(0.0, INF),
        paper="Berradi, 'Symmetric Power Activation Functions for Deep Neural Networks', "
        "LOPAL 2018 (the power unit max(0, x)^p; p = 1/2 is not a value the paper uses)",
        checked="Berradi's paper not retrievable here; survey §3.6.39 (text copy, via the search "
        "tool) says Berradi alternates max(0, x)^b and max(0, x)^(1/b) with b in {1.05, ..., "
        "1.25}, so the power 1/2 is this catalogue's member of that family, not a value from the "
        "paper.",
        notes="f'(x) = 1/(2 sqrt x) is unbounded as x -> 0+: at 0 itself autograd gives 0 (the "
        "left side), by convention. Continuous but only Hölder-1/2 there.",
    )
)


def _fts_facts(t: float) -> Facts:
    return Facts(
        Interval(t, INF),
        Properties(monotonic=True, smoothness=0, zero_centred=False),
        (t, INF),
        (0.0,),
        {0.0: 0.5},
    )


register(
    ActivationSpec(
        name="fts",
        aliases=("flatten_t_swish",),
        class_name="FTS",
        family="relu-like",
        summary="Flatten-T swish: x sigmoid(x) + T for x >= 0 and the constant T below, a "
        "thresholded ReLU-swish (T = 0 is the ReLU-swish).",
        fn=lambda x, T: finite(
            x, lambda t: torch.where(~(t < 0), t * torch.sigmoid(t), 0.0) + T, T, INF, 0.0, 1.0
        ),
        sym="Piecewise((x*sigmoid(x) + T, x >= 0), (T, True))",
        params=(Param("T", -0.2, REALS, doc="The flat level for x < 0 (the paper: -0.20)."),),
        formula=r"\begin{cases} x\,\sigma(x) + T & x \ge 0 \\ T & x < 0 \end{cases}",
        formula_d1=r"\begin{cases} \sigma(x) + x\,\sigma(x)(1 - \sigma(x)) & x \ge 0 \\ 0 & x < 0 "
        r"\end{cases}",
        output_range=Interval(-0.2, INF),
        properties=Properties(monotonic=True, smoothness=0, zero_centred=False),
        kinks=(0.0,),
        kink_derivative={0.0: 0.5},
        limits=(-0.2, INF),
        facts=lambda p: _fts_facts(p["T"]),
        test_params=({"T": 0.0},),
        paper="Chieng, Wahid, Pauline & Perla, 'Flatten-T Swish: a thresholded ReLU-Swish-like "
        "activation function for deep learning', International Journal of Advances in "
        "Intelligent Informatics 4(2):76-86, 2018 (arXiv:1812.06247)",
        checked="Paper text not retrievable here; its abstract (emergentmind, via the search tool) "
        "gives T = -0.20, machinecurve.com's transcription gives T below 0 and x/(1 + e^-x) + T "
        "above, and a public PyTorch transcription of the survey's Section 3 equations (GitHub, "
        "read via the search tool) writes Eq. (149) as relu(x) sigmoid(x) + T: matches.",
        notes="f' jumps from 0 to 1/2 at 0. Kunc & Kléma 2024, §3.6.46.",
    )
)


def _plu(x: torch.Tensor, a: float, c: float) -> torch.Tensor:
    return torch.where(x > c, a * (x - c) + c, torch.where(x < -c, a * (x + c) - c, x))


register(
    ActivationSpec(
        name="plu",
        class_name="PLU",
        family="relu-like",
        summary="Piecewise linear unit: the identity on [-c, c] and slope a beyond, a "
        "tanh-shaped but never saturating, invertible rectifier.",
        fn=lambda x, a, c: finite(x, lambda t: _plu(t, a, c), -INF, INF, a, a),
        sym="Piecewise((a*(x - c) + c, x > c), (a*(x + c) - c, x < -c), (x, True))",
        params=(
            Param("a", 0.1, POSITIVE, doc="Slope outside [-c, c]."),
            Param("c", 1.0, POSITIVE, doc="Half-width of the identity part."),
        ),
        formula=r"\max\left(a(x + c) - c,\ \min\left(a(x - c) + c,\ x\right)\right)",
        formula_d1=r"\begin{cases} 1 & |x| \le c \\ a & |x| > c \end{cases}",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=0, zero_centred=True),
        kinks=(-1.0, 1.0),
        kink_derivative={-1.0: 1.0, 1.0: 1.0},
        limits=(-INF, INF),
        facts=lambda p: Facts(
            REALS,
            Properties(True, 0, True),
            (-INF, INF),
            (-p["c"], p["c"]),
            {-p["c"]: 1.0, p["c"]: 1.0},
        ),
        test_params=({"a": 0.5, "c": 2.0},),
        paper="Nicolae, 'PLU: The Piecewise Linear Unit Activation Function', arXiv:1809.09534, "
        "2018",
        checked="Nicolae's text not retrievable here (abstract pages only); survey §4.35 (text "
        "copy) gives a = 0.1 and b = 1 (our a, c), and several public implementations citing the "
        "paper (GitHub, via the search tool) write max(a(x + c) - c, min(a(x - c) + c, x)) with "
        "those defaults: matches.",
        notes="The paper's a = 0.1, c = 1 are the defaults. Kunc & Kléma 2024, §4.35.",
    )
)


def _maxsig_crossing() -> float:
    """The x where x = sigmoid(x) (0.659046...), by Newton's method in float64."""
    import math

    x = 0.65
    for _ in range(60):
        s = 1.0 / (1.0 + math.exp(-x))
        x -= (x - s) / (1.0 - s * (1.0 - s))
    return x


MAXSIG_KINK = _maxsig_crossing()

register(
    ActivationSpec(
        name="maxsig",
        family="relu-like",
        summary="Maxsig: max(x, sigmoid(x)), found by Ramachandran et al.'s search: the sigmoid "
        "until it meets the identity at x = 0.659, then x.",
        fn=lambda x: finite(
            x, lambda t: torch.where(t >= MAXSIG_KINK, t, torch.sigmoid(t)), 0.0, INF, 0.0, 1.0
        ),
        sym=f"Piecewise((x, x >= {MAXSIG_KINK!r}), (sigmoid(x), True))",
        formula=r"\max\left(x, \sigma(x)\right)",
        formula_d1=r"\begin{cases} 1 & x \ge x_0 \\ \sigma(x)(1 - \sigma(x)) & x < x_0 \end{cases}"
        r",\; x_0 = \sigma(x_0) \approx 0.659046",
        output_range=Interval(0.0, INF, low_open=True),
        properties=Properties(monotonic=True, smoothness=0, zero_centred=False),
        kinks=(MAXSIG_KINK,),
        kink_derivative={MAXSIG_KINK: 1.0},
        limits=(0.0, INF),
        paper="Ramachandran, Zoph & Le, 'Searching for Activation Functions', arXiv:1710.05941, "
        "2017",
        checked="Ramachandran et al.'s list not retrievable here; survey §3.6.53 lists maxsig and "
        "a public PyTorch transcription of the survey's Section 3 equations (GitHub, read via the "
        "search tool) and other implementations of the searched functions write max(x, "
        "sigmoid(x)): matches.",
        notes="Written as a branch at the crossing x0 (the root of x = sigmoid(x)), so f'(x0) = 1 "
        "is a convention rather than torch.maximum's even split. Kunc & Kléma 2024, §3.7.",
    )
)
