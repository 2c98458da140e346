"""Periodic and oscillating units: snake, sine (SIREN), growing cosine, and the Gaussian bump.

Oscillation lets one unit carve several decision boundaries and lets networks extrapolate
periodic signals; the price is that sin and cos have no limit at ±inf (nan there).
"""

from __future__ import annotations

import numpy as np
import torch

from actlab.catalog.edges import as_floating, limits_at_infinity
from actlab.catalog.entries._torch import where_safe
from actlab.catalog.maths.channels import scalar_along
from actlab.catalog.registry import register
from actlab.catalog.spec import (
    INF,
    POSITIVE,
    REALS,
    SMOOTH,
    ActivationSpec,
    Interval,
    Param,
    Properties,
)

NAN = float("nan")


def _snake(x: torch.Tensor, alpha: float | torch.Tensor) -> torch.Tensor:
    a = scalar_along(alpha, x)
    # sin(±inf) is nan, yet x + sin^2(ax)/a -> ±inf; infinite inputs pass through unchanged
    # (NaN is not finite, so it takes that side too and stays NaN).
    return where_safe(
        torch.isfinite(x), x, lambda t: t + torch.sin(a * t).square() / a, lambda t: t
    )


register(
    ActivationSpec(
        name="snake",
        family="periodic",
        summary="Snake: x + sin^2(alpha x)/alpha, a monotone wiggle on the identity that lets "
        "networks learn and extrapolate periodic functions; alpha (frequency) is learned.",
        fn=_snake,
        ref=lambda x, alpha: x + np.sin(alpha * x) ** 2 / alpha,
        ref_d1=lambda x, alpha: 1.0 + np.sin(2.0 * alpha * x),
        params=(
            Param(
                "alpha",
                1.0,
                POSITIVE,
                learnable=True,
                doc="Frequency (alpha > 0); learned, shared or one per channel.",
            ),
        ),
        formula=r"x + \frac{\sin^2(\alpha x)}{\alpha}",
        formula_d1=r"1 + \sin(2 \alpha x)",
        output_range=REALS,
        # f' = 1 + sin(2 alpha x) >= 0, touching 0 at x = -pi/(4 alpha) + k pi/alpha: non-decreasing.
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        limits=(-INF, INF),
        paper="Ziyin, Hartwig & Ueda, 'Neural Networks Fail to Learn Periodic Functions and How to "
        "Fix It', NeurIPS 2020",
        checked="arXiv:2006.08195 abstract (copy of the paper via the search tool) gives x + "
        "sin^2(x), the a = 1 case; the general x + sin^2(a x)/a was not in the excerpt read, "
        "but public implementations citing the paper (BigVGAN-style, via find_string) document "
        "'Snake := x + 1/a * sin^2(xa)': match",
        test_params=({"alpha": 0.5}, {"alpha": 3.0}),
        notes="Monotonic for every alpha > 0, but not strictly: f' = 0 at x = -pi/(4 alpha) + k pi/alpha. "
        "The torch form returns x itself at ±inf, where sin(alpha x) is nan.",
    )
)


def _sine(x: torch.Tensor, omega: float) -> torch.Tensor:
    # At the default the input goes to torch.sin untouched, so sine is PyTorch's kernel exactly.
    return torch.sin(x if omega == 1.0 else omega * x)


register(
    ActivationSpec(
        name="sine",
        aliases=("sin",),
        family="periodic",
        summary="Sine: sin(omega x), the activation of SIREN implicit neural representations "
        "(fits signals and their derivatives; SIREN uses omega = 30 in the first layer).",
        fn=_sine,
        native="torch.sin",
        ref=lambda x, omega: np.sin(omega * x),
        ref_d1=lambda x, omega: omega * np.cos(omega * x),
        params=(
            Param(
                "omega", 1.0, POSITIVE, doc="Frequency omega_0 (> 0); SIREN's first layer uses 30."
            ),
        ),
        formula=r"\sin(\omega x)",
        formula_d1=r"\omega \cos(\omega x)",
        output_range=Interval(-1.0, 1.0),
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=True),
        limits=(NAN, NAN),
        paper="Sitzmann, Martel, Bergman, Lindell & Wetzstein, 'Implicit Neural Representations "
        "with Periodic Activation Functions', NeurIPS 2020",
        checked="NeurIPS 2020 paper text (abstract via the search tool) and a summary of its "
        "activation sin(omega_0 (Wx + b)) with omega_0 = 30 in the first layer: match",
        test_params=({"omega": 30.0}, {"omega": 0.5}),
        notes="No limit at ±inf (sin(±inf) is nan). SIREN also needs its special weight "
        "initialisation, U(-sqrt(6/n)/omega, sqrt(6/n)/omega); the activation alone is not SIREN.",
    )
)

register(
    ActivationSpec(
        name="gcu",
        class_name="GCU",
        aliases=("growing_cosine_unit",),
        family="periodic",
        summary="Growing cosine unit: x cos(x), an oscillation with growing amplitude; many zeros let "
        "one neuron draw several decision boundaries (a single unit solves XOR).",
        fn=lambda x: x * torch.cos(x),
        ref=lambda x: x * np.cos(x),
        ref_d1=lambda x: np.cos(x) - x * np.sin(x),
        formula=r"x \cos x",
        formula_d1=r"\cos x - x \sin x",
        output_range=REALS,
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=True),
        limits=(NAN, NAN),
        paper="Noel, Arunkumar L, Trivedi & Dutta, 'Growing Cosine Unit: A Novel Oscillatory "
        "Activation Function That Can Speedup Training and Reduce Parameters in Convolutional "
        "Neural Networks', arXiv:2108.12943, 2021",
        checked="arXiv:2108.12943 abstract (paperswithcode, ar5iv via the search tool): C(z) = z "
        "cos z: match",
        notes="No limit at ±inf: |f| grows while the sign keeps flipping (inf * cos(inf) is nan).",
    )
)


def _gaussian(x: torch.Tensor) -> torch.Tensor:
    # At ±inf f and f' tend to 0, but f' = -2x e^(-x^2) is inf * 0 there; integers are squared
    # in float (x^2 in uint8 wraps).
    return limits_at_infinity(as_floating(x), lambda t: torch.exp(-t.square()), 0.0, 0.0, 0.0, 0.0)


register(
    ActivationSpec(
        name="gaussian",
        family="periodic",
        summary="Gaussian bump: exp(-x^2), the radial-basis unit; responds only near 0 and vanishes "
        "on both sides (non-monotonic, not periodic, but one hump of an oscillation).",
        fn=_gaussian,
        ref=lambda x: np.exp(-x * x),
        ref_d1=lambda x: -2.0 * x * np.exp(-x * x),
        formula=r"e^{-x^2}",
        formula_d1=r"-2x\, e^{-x^2}",
        output_range=Interval(0.0, 1.0, low_open=True),
        properties=Properties(monotonic=False, smoothness=SMOOTH, zero_centred=False),
        limits=(0.0, 0.0),
        paper="Broomhead & Lowe, 'Multivariable Functional Interpolation and Adaptive Networks', "
        "Complex Systems, 1988",
        checked="Paper not retrievable here; encyclopaedic RBF-network pages (via the search tool) "
        "credit Broomhead & Lowe 1988 with RBF networks and give the Gaussian exp(-beta "
        "r^2) as the usual basis: e^(-x^2) is beta = 1",
        notes="The maximum 1 is reached at x = 0 only. Unnormalised: not the normal density.",
    )
)
