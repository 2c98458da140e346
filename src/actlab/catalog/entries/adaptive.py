"""Learnable (adaptive) activations: their parameters are trained with the network.

Module forms hold one set of parameters, shared (default) or one per channel along `dim`
(`actlab.make(name, num_parameters=C)`, as `nn.PReLU`). Vector params (coefficients) have
shape (C, K). None of these parameters should get weight decay (it pulls a rational's
coefficients, a spline's weights or a mixture's logits towards an arbitrary shape, and
PELU's a, b towards the positivity floor): `actlab.param_groups(model, weight_decay)`
leaves them out. The math lives in `actlab.catalog.maths`; this file states the claims.

Every entry here but the mixture first asks `actlab.catalog.fused` for its fused CPU kernel
(float32/float64, forward and backward in one pass each, parameter gradients reduced in the
same pass) and otherwise runs its torch form from `actlab.catalog.maths`, the reference.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import interpolate

from actlab.catalog.edges import as_floating
from actlab.catalog.entries import _ref as R
from actlab.catalog.fused import fused
from actlab.catalog.maths import hinges as HI
from actlab.catalog.maths import mixture as MX
from actlab.catalog.maths import rational as RA
from actlab.catalog.maths.channels import vector_along
from actlab.catalog.maths.parametric import PELU_FLOOR, pelu_torch, swish_torch
from actlab.catalog.maths.spline import SILU_MIN, knots, spline_facts, spline_torch
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

DIM = Param(
    "dim",
    1,
    kind=int,
    doc="Input dimension the per-channel parameters run along "
    "(1 as nn.PReLU; -1 for channels-last). Unused when parameters are shared.",
)


def _swish(x, beta, dim):
    y = fused("swish_learnable", x, (beta,), dim)
    return swish_torch(x, beta, dim) if y is None else y


def _swish_facts(beta: float) -> Facts:
    """x sigmoid(beta x) = (u sigmoid(u))/beta with u = beta x: SiLU scaled by 1/beta, and
    mirrored for beta < 0 (f -> -inf at -inf, -> 0 at +inf); beta = 0 is the line x/2."""
    if beta == 0.0:
        return Facts(REALS, Properties(True, SMOOTH, True), (-INF, INF))
    gated = Properties(monotonic=False, smoothness=SMOOTH, zero_centred=True)
    if beta > 0:
        return Facts(Interval(SILU_MIN / beta, INF), gated, (0.0, INF))
    return Facts(Interval(-INF, SILU_MIN / beta), gated, (-INF, 0.0))


register(
    ActivationSpec(
        name="swish_learnable",
        family="adaptive",
        summary="Swish with a learned gate sharpness: x*sigmoid(beta x), beta per channel or shared; "
        "beta = 1 is SiLU, beta -> inf approaches ReLU, beta = 0 gives x/2.",
        fn=_swish,
        ref=lambda x, beta, dim: x * R.sigmoid(beta * x),
        ref_d1=lambda x, beta, dim: R.sigmoid(beta * x) + beta * x * R.sigmoid_d1(beta * x),
        params=(Param("beta", 1.0, learnable=True, doc="Gate sharpness (learned)."), DIM),
        formula=r"x\,\sigma(\beta x)",
        formula_d1=r"\sigma(\beta x) + \beta x\,\sigma(\beta x)(1 - \sigma(\beta x))",
        output_range=Interval(SILU_MIN, INF),
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=True),
        limits=(0.0, INF),
        paper="Ramachandran, Zoph & Le, 'Searching for Activation Functions', arXiv:1710.05941, 2017",
        checked="Paper body not retrievable here (the search tool holds page openings: title, "
        "abstract); x sigmoid(beta x) with beta trained matches survey §4.4.1 Eq. 353 as "
        "given by a public PyTorch port that transcribes the survey's §4 with equation "
        "numbers.",
        facts=lambda p: _swish_facts(p["beta"]),
        test_params=({"beta": 2.5}, {"beta": -0.5}, {"beta": 0.0}),
        notes="Minimum -W(1/e)/beta (-0.278465 at x = -1.278465 for beta = 1); for beta < 0 "
        "the curve is mirrored: a maximum W(1/e)/|beta| and f -> -inf at -inf.",
    )
)


def _pelu_facts(a: float, b: float) -> Facts:
    """Saturates at -a; both sides have slope a/b at 0 (C^1), f'' jumps from a/b^2 to 0."""
    return Facts(
        Interval(-a, INF, low_open=True),
        Properties(monotonic=True, smoothness=1, zero_centred=True),
        (-a, INF),
        (0.0,),
        {0.0: a / b},
    )


def _pelu(x, a, b, dim):
    # Positivity: a and b are clamped to >= PELU_FLOOR in the forward pass (our choice; the
    # valid range of the functional form is the same), so a trained module can never reach
    # a <= 0 or b <= 0, and the positive slope a/b stays <= 10 a.
    y = fused("pelu", x, (a, b), dim, (PELU_FLOOR,))
    return pelu_torch(x, a, b, dim) if y is None else y


register(
    ActivationSpec(
        name="pelu",
        class_name="PELU",
        family="adaptive",
        summary="Parametric ELU: (a/b) x for x > 0, a (e^(x/b) - 1) below, with learned a, b > 0; "
        "f is C^1 for every a, b (the slopes meet at a/b).",
        fn=_pelu,
        ref=lambda x, a, b, dim: np.where(x > 0, a / b * x, a * np.expm1(np.minimum(x, 0.0) / b)),
        ref_d1=lambda x, a, b, dim: np.where(x > 0, a / b, a / b * np.exp(np.minimum(x, 0.0) / b)),
        params=(
            Param(
                "a",
                1.0,
                Interval(PELU_FLOOR, INF),
                learnable=True,
                doc="Saturation -a for x -> -inf (learned; clamped to >= 0.1).",
            ),
            Param(
                "b",
                1.0,
                Interval(PELU_FLOOR, INF),
                learnable=True,
                doc="Scale of the exponential decay (learned; clamped to >= 0.1).",
            ),
            DIM,
        ),
        formula=r"\begin{cases} \frac{a}{b} x & x > 0 \\ a (e^{x/b} - 1) & x \le 0 \end{cases}",
        formula_d1=r"\begin{cases} \frac{a}{b} & x > 0 \\ \frac{a}{b} e^{x/b} & x \le 0 \end{cases}",
        output_range=Interval(-1.0, INF, low_open=True),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=True),
        kinks=(0.0,),  # f'' jumps from a/b^2 to 0
        kink_derivative={0.0: 1.0},
        limits=(-1.0, INF),
        paper="Trottier, Giguère & Chaib-draa, 'Parametric Exponential Linear Unit for Deep "
        "Convolutional Neural Networks', ICMLA 2017 (arXiv:1605.09332)",
        checked="Paper body not retrievable here (ar5iv arXiv:1605.09332 opening: abstract only); "
        "(a/b) x for x >= 0 and a (e^(x/b) - 1) below, a, b > 0, matches survey §4.2.43 "
        "Eq. 307 as given by a public PyTorch port that transcribes the survey's §4 with "
        "equation numbers, and paperswithcode's page names the same a, b roles.",
        facts=lambda p: _pelu_facts(p["a"], p["b"]),
        test_params=({"a": 2.0, "b": 0.5}, {"a": 0.3, "b": 3.0}),
        notes="a = b = 1 is ELU (the paper's init). Both parameters are clamped to >= 0.1 in the "
        "forward pass, which keeps them positive however the optimiser moves them.",
    )
)


def _resolve_rational(p: dict) -> dict:
    m, n = p["m"], p["n"]
    if p["numerator"] is None or p["denominator"] is None:
        num, den = RA.rational_init(p["init"], m, n, -p["fit_bound"], p["fit_bound"])
        p = {
            **p,
            "numerator": num if p["numerator"] is None else p["numerator"],
            "denominator": den if p["denominator"] is None else p["denominator"],
        }
    for key, size in (("numerator", m + 1), ("denominator", n)):
        value = p[key]
        got = value.shape[-1] if isinstance(value, torch.Tensor) else len(value)
        if got != size:
            raise ValueError(
                f"rational: {key} needs {size} coefficients for (m, n) = ({m}, {n}); got {got}"
            )
    return p


def _rational(x, init, m, n, fit_bound, dim, numerator, denominator):
    x = as_floating(x)  # the coefficients take x's dtype: integers would truncate them
    y = fused("rational", x, (numerator, denominator), dim)
    if y is not None:
        return y
    return RA.rational_torch(x, vector_along(numerator, x, dim), vector_along(denominator, x, dim))


def _rational_ref(x, d1=False, **p):
    p = _resolve_rational(p)
    return (RA.rational_ref_d1 if d1 else RA.rational_ref)(x, p["numerator"], p["denominator"])


register(
    ActivationSpec(
        name="rational",
        aliases=("pau",),
        family="adaptive",
        summary="Padé activation unit: a learned ratio of polynomials P(x)/Q(x), degrees (m, n), "
        "with the safe denominator 1 + |b_1 x + ... + b_n x^n| (no poles); starts as a "
        "least-squares fit to a catalogue activation.",
        fn=_rational,
        ref=_rational_ref,
        ref_d1=lambda x, **p: _rational_ref(x, d1=True, **p),
        params=(
            Param(
                "init",
                "leaky_relu",
                kind=str,
                doc="Catalogue activation the coefficients are fitted to (at its defaults).",
            ),
            Param("m", 5, Interval(1, 12), kind=int, doc="Numerator degree."),
            Param("n", 4, Interval(1, 12), kind=int, doc="Denominator degree."),
            Param(
                "fit_bound",
                3.0,
                POSITIVE,
                doc="The fit minimises the error on [-fit_bound, fit_bound].",
            ),
            DIM,
            Param(
                "numerator",
                None,
                learnable=True,
                vector=True,
                doc="a_0..a_m (learned); None fits them (with the denominator) to `init`.",
            ),
            Param(
                "denominator",
                None,
                learnable=True,
                vector=True,
                doc="b_1..b_n (learned); None fits them (with the numerator) to `init`.",
            ),
        ),
        constraint=lambda p: MX.check_base(p["init"], "init"),
        resolve=_resolve_rational,
        facts=lambda p: RA.rational_facts(p["numerator"], p["denominator"]),
        formula=r"\frac{\sum_{j=0}^{m} a_j x^j}{1 + \left|\sum_{k=1}^{n} b_k x^k\right|}",
        formula_d1=r"\frac{P'(x)}{Q(x)} - \frac{P(x)\,\operatorname{sign}(S(x))\,S'(x)}{Q(x)^2},"
        r"\; S(x) = \sum_{k=1}^{n} b_k x^k,\; Q = 1 + |S|",
        # Claims for the default fit to leaky_relu on [-3, 3] (max error 1.31e-2 there): the fit
        # keeps b_1 = 0 and b_2 + b_3 x + b_4 x^2 has no real root, so f is C^inf; slopes a_5/|b_4|
        # ~ 0.505 > 0 at both ends, so f runs from -inf to inf; f(0) = a_0 ~ 0.013; it dips
        # (f' ~ -0.12) beyond the fitted interval, so it is not monotonic.
        output_range=Interval(),
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=False),
        limits=(-INF, INF),
        paper="Molina, Schramowski & Kersting, 'Padé Activation Units: End-to-end Learning of "
        "Flexible Activation Functions in Deep Networks', ICLR 2020 (safe PAU, eq. 2)",
        checked="Paper body not retrievable here (hf-mirror arXiv:1907.06732 page: abstract and "
        "introduction only); P(x)/(1 + |b_1 x + ... + b_n x^n|) is exactly the authors' "
        "kernel pau/cuda/versions/versionB.cu in ml-research/pau (read via read_file; "
        "their Python Pade.py is version A, 1 + sum |b_k| |x|^k), and the safe PAU of "
        "survey §4.49 Eq. 501 as given by a public PyTorch port that transcribes the "
        "survey's §4 with equation numbers agrees.",
        test_params=(
            {"init": "gelu"},
            {"m": 3, "n": 2, "numerator": (0.1, 1.0, -0.5, 0.2), "denominator": (0.7, -0.3)},
            # odd n: |Q| ~ |b_1 x| drops the sign of x, so f -> +inf at both ends
            {"m": 2, "n": 1, "numerator": (0.1, 0.5, 1.0), "denominator": (0.8,)},
        ),
        notes="Variant: the paper's safe PAU, Q = 1 + |b_1 x + ... + b_n x^n| (version 'B' of its "
        "reference code). Fitted coefficients are cached in memory and under "
        "$ACTLAB_DATA/rational/ (default ~/.cache/actlab). At x = ±inf f and f' take the limits "
        "of the leading terms, f ~ a_m sign(x)^m |x|^(m-n)/|b_n| (|Q| drops the sign of x^n). "
        "In float32 |x| above ~1e7 overflows x^m.",
    )
)


def _resolve_apl(p: dict) -> dict:
    s = p["hinges"]
    if p["slopes"] is None:
        p = {**p, "slopes": (0.0,) * s}
    if p["offsets"] is None:
        p = {**p, "offsets": tuple((2 * i + 1) / s - 1.0 for i in range(s))}
    for key in ("slopes", "offsets"):
        value = p[key]
        got = value.shape[-1] if isinstance(value, torch.Tensor) else len(value)
        if got != s:
            raise ValueError(f"apl: {key} needs hinges = {s} values; got {got}")
    return p


def _apl(x, hinges, dim, slopes, offsets):
    y = fused("apl", x, (slopes, offsets), dim)
    return HI.apl_torch(x, slopes, offsets, dim) if y is None else y


def _apl_ref(x, d1=False, **p):
    p = _resolve_apl(p)
    return HI.apl_ref(x, p["slopes"], p["offsets"], d1=d1)


register(
    ActivationSpec(
        name="apl",
        class_name="APL",
        family="adaptive",
        summary="Adaptive piecewise linear unit: relu(x) + sum_s a_s relu(b_s - x), S learned "
        "hinges (slopes a_s, positions b_s) left of which the slope changes.",
        fn=_apl,
        ref=_apl_ref,
        ref_d1=lambda x, **p: _apl_ref(x, d1=True, **p),
        params=(
            Param(
                "hinges",
                2,
                Interval(1, 64),
                kind=int,
                doc="Number of hinges S (a hyperparameter the paper tunes per task).",
            ),
            DIM,
            Param(
                "slopes",
                None,
                learnable=True,
                vector=True,
                doc="a_1..a_S (learned); None: all 0, so APL starts as ReLU exactly.",
            ),
            Param(
                "offsets",
                None,
                learnable=True,
                vector=True,
                doc="b_1..b_S (learned); None: evenly inside [-1, 1], b_s = (2s - 1)/S - 1.",
            ),
        ),
        resolve=_resolve_apl,
        facts=lambda p: HI.apl_facts(p["slopes"], p["offsets"]),
        formula=r"\max(0, x) + \sum_{s=1}^{S} a_s \max(0, b_s - x)",
        formula_d1=r"[x > 0] - \sum_{s=1}^{S} a_s [x < b_s]",
        output_range=Interval(0.0, INF),
        properties=Properties(monotonic=True, smoothness=0, zero_centred=False),
        kinks=(0.0,),  # claims at the defaults (a = 0: ReLU); a_s != 0 adds kinks at the b_s
        kink_derivative={0.0: 0.0},
        limits=(0.0, INF),
        paper="Agostinelli, Hoffman, Sadowski & Baldi, 'Learning Activation Functions to Improve "
        "Deep Neural Networks', ICLR 2015 workshop (arXiv:1412.6830)",
        checked="Paper body not retrievable here (abstract only); max(0, x) + sum_s a_s max(0, b_s"
        " - x) matches survey §4.29 Eq. 445 as given by a public PyTorch port that "
        "transcribes the survey's §4 with equation numbers; the init (a = 0) is this "
        "catalogue's, as the notes say.",
        test_params=(
            {"slopes": (0.2, -0.5), "offsets": (-1.0, 1.5)},
            {"hinges": 3, "slopes": (0.3, 0.1, 0.05), "offsets": (0.0, -2.0, 4.0)},
        ),
        notes="The paper initialises slopes and positions at random; actlab starts from ReLU "
        "(a = 0) so an APL network begins as the ReLU network it is compared with. At "
        "x = -inf f gives its limit: sign(sum a) inf, or sum a_s b_s when sum a = 0. Hinge "
        "derivative convention as relu: 0 at each switch.",
    )
)


def _resolve_mixture(p: dict) -> dict:
    k = len(MX.base_names(p["bases"]))
    if p["weights"] is None:
        p = {**p, "weights": (0.0,) * k}
    value = p["weights"]
    got = value.shape[-1] if isinstance(value, torch.Tensor) else len(value)
    if got != k:
        raise ValueError(f"mixture: weights needs one logit per base ({k}); got {got}")
    return p


def _mixture(x, bases, dim, weights):
    return MX.mixture_torch(x, bases, torch.softmax(vector_along(weights, x, dim), dim=-1))


# Default: (relu + tanh + silu)/3. Minimum found with scipy (bounded Brent, xatol 1e-12).
MIXTURE_MIN = -0.4011481834230269  # at x = -1.902935


register(
    ActivationSpec(
        name="mixture",
        family="adaptive",
        summary="Learned convex mixture of catalogue activations: sum_k softmax(w)_k g_k(x), per "
        "layer or per channel; starts as the plain average and learns which base fits.",
        fn=_mixture,
        ref=lambda x, **p: MX.mixture_ref(x, p["bases"], _resolve_mixture(p)["weights"]),
        ref_d1=lambda x, **p: MX.mixture_ref_d1(x, p["bases"], _resolve_mixture(p)["weights"]),
        params=(
            Param(
                "bases",
                "relu+tanh+silu",
                kind=str,
                doc="Base activations joined by '+', each at its default parameters.",
            ),
            DIM,
            Param(
                "weights",
                None,
                learnable=True,
                vector=True,
                doc="Logits w_k, one per base (learned); None: all 0 (uniform mixture).",
            ),
        ),
        constraint=lambda p: MX.check_bases(p["bases"]),
        resolve=_resolve_mixture,
        facts=lambda p: MX.mixture_facts(p["bases"], p["weights"]),
        formula=r"\sum_{k} \frac{e^{w_k}}{\sum_j e^{w_j}}\, g_k(x)",
        formula_d1=r"\sum_{k} \frac{e^{w_k}}{\sum_j e^{w_j}}\, g_k'(x)",
        output_range=Interval(MIXTURE_MIN, INF),
        properties=Properties(monotonic=False, smoothness=0, zero_centred=True),
        kinks=(0.0,),  # relu's; f'(0) = (0 + 1 + 1/2)/3
        kink_derivative={0.0: 0.5},
        limits=(-1.0 / 3.0, INF),
        paper="Manessi & Rozza, 'Learning Combinations of Activation Functions', ICPR 2018 "
        "(arXiv:1801.09403)",
        checked="Paper body not retrievable here (ar5iv arXiv:1801.09403 opening: abstract, which "
        "confirms two learned combinations of base activations and ICPR 2018); the "
        "softmax-weighted convex form was not checked term by term against the paper.",
        test_params=(
            {"weights": (2.0, -1.0, 0.5)},
            {"bases": "gelu+sigmoid", "weights": (0.3, -0.3)},
        ),
        notes="Facts for other bases and weights come from the bases' own facts; the extremes are "
        "searched numerically. Manessi & Rozza also study "
        "unconstrained (affine) combinations; the convex one is used here so the shape stays "
        "between its bases.",
    )
)


def _resolve_spline(p: dict) -> dict:
    size = p["grid_size"] + p["order"]
    if p["coefficients"] is None:
        p = {**p, "coefficients": (0.0,) * size}
    value = p["coefficients"]
    got = value.shape[-1] if isinstance(value, torch.Tensor) else len(value)
    if got != size:
        raise ValueError(f"spline: coefficients needs grid_size + order = {size} values; got {got}")
    return p


def _spline(x, grid_size, order, bound, dim, w_base, w_spline, coefficients):
    params = (w_base, w_spline, coefficients)
    y = fused("spline", x, params, dim, (bound, grid_size, order))
    if y is None:
        return spline_torch(x, *params, bound, grid_size, order, dim)
    return y


def _spline_ref(x, d1=False, **p):
    p = _resolve_spline(p)
    t = knots(p["bound"], p["grid_size"], p["order"])
    curve = interpolate.BSpline(t, np.asarray(p["coefficients"]), p["order"], extrapolate=False)
    inside = np.abs(x) <= p["bound"]  # clamp passes the gradient at the grid ends too
    xc = np.clip(x, -p["bound"], p["bound"])
    if d1:
        silu_d1 = R.sigmoid(x) + x * R.sigmoid_d1(x)
        return p["w_base"] * silu_d1 + p["w_spline"] * np.where(inside, curve.derivative()(xc), 0)
    return p["w_base"] * x * R.sigmoid(x) + p["w_spline"] * curve(xc)


register(
    ActivationSpec(
        name="spline",
        aliases=("kan_spline",),
        family="adaptive",
        summary="KAN-style spline activation: w_b silu(x) + w_s sum_i c_i B_i(x), a learned cubic "
        "B-spline on [-bound, bound] (grid_size intervals) plus a SiLU base term.",
        fn=_spline,
        ref=_spline_ref,
        ref_d1=lambda x, **p: _spline_ref(x, d1=True, **p),
        params=(
            Param("grid_size", 5, Interval(1, 256), kind=int, doc="Grid intervals G."),
            Param("order", 3, Interval(1, 5), kind=int, doc="Spline degree k (3: cubic)."),
            Param(
                "bound",
                3.0,
                POSITIVE,
                doc="The grid covers [-bound, bound]; outside, the "
                "spline part holds its edge value (inputs are clamped for it).",
            ),
            DIM,
            Param("w_base", 1.0, learnable=True, doc="Weight of the SiLU base term (learned)."),
            Param("w_spline", 1.0, learnable=True, doc="Weight of the spline term (learned)."),
            Param(
                "coefficients",
                None,
                learnable=True,
                vector=True,
                doc="c_1..c_(G+k) (learned); None: all 0, so f starts as SiLU.",
            ),
        ),
        resolve=_resolve_spline,
        facts=lambda p: spline_facts(
            p["grid_size"],
            p["order"],
            p["bound"],
            p["w_base"],
            p["w_spline"],
            p["coefficients"],
            lambda x: _spline_ref(x, **p),
            lambda x: _spline_ref(x, d1=True, **p),
        ),
        formula=r"w_b\, x\,\sigma(x) + w_s \sum_{i=1}^{G+k} c_i B_{i,k}(\operatorname{clamp}(x, -r, r))",
        formula_d1=r"w_b (\sigma(x) + x\sigma(x)(1-\sigma(x))) + w_s [|x| \le r] \sum_i c_i B_{i,k}'(x)",
        output_range=Interval(SILU_MIN, INF),
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=True),
        limits=(0.0, INF),
        paper="Liu et al., 'KAN: Kolmogorov-Arnold Networks', ICLR 2025 (arXiv:2404.19756)",
        checked="Paper body not retrievable here; the authors' kan/KANLayer.py "
        "(KindXiaoming/pykan, read via read_file) computes scale_base * silu(x) + scale_sp"
        " * spline(x) with scale_base = scale_sp = 1, G = 5 intervals and k = 3, as here; "
        "it differs in grid_range [-1, 1] (bound 3 here), small random initial "
        "coefficients (0 here) and a spline that is not clamped outside the grid (held at "
        "its edge value here).",
        test_params=(
            {
                "coefficients": (0.5, -0.3, 0.8, 0.1, -0.6, 0.4, 0.2, -0.1),
                "w_base": 0.5,
                "w_spline": 1.5,
            },
            {"grid_size": 3, "order": 2, "bound": 2.0, "coefficients": (1, -1, 2, 0, 1)},
        ),
        notes="At the default c = 0, f is SiLU. With c != 0 f is C^(k-1) at the "
        "knots and only C^0 at ±bound, where the spline part stops changing: it never "
        "extrapolates a cubic, so large inputs cannot blow up.",
    )
)
