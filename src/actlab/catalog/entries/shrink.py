"""Shrinkage units: they pull small inputs to (or towards) zero, as in sparse coding and
wavelet denoising, and pass large ones through."""

from __future__ import annotations

import numpy as np
import torch.nn.functional as F

from actlab.catalog.registry import register
from actlab.catalog.spec import (
    INF,
    NONNEGATIVE,
    REALS,
    SMOOTH,
    ActivationSpec,
    Facts,
    Param,
    Properties,
)

TORCH7 = (
    "Collobert, Kavukcuoglu & Farabet, 'Torch7: A Matlab-like Environment for Machine "
    "Learning', BigLearn, NIPS Workshop, 2011 (nn.TanhShrink)"
)

# Taylor coefficients of x - tanh(x) = x^3/3 - 2x^5/15 + 17x^7/315 - ..., odd powers 3..13.
_TANHSHRINK_SERIES = (1 / 3, -2 / 15, 17 / 315, -62 / 2835, 1382 / 155925, -21844 / 6081075)
_SERIES_BELOW = 0.1  # next term is < 5e-15 of the sum here; above it the subtraction loses < 7e-14


def _tanhshrink_ref(x: np.ndarray) -> np.ndarray:
    # x - tanh(x) cancels to O(x^3) near 0, so small |x| uses the series (Horner in x^2).
    x2 = x * x
    series = np.zeros_like(x)
    for c in reversed(_TANHSHRINK_SERIES):
        series = series * x2 + c
    return np.where(np.abs(x) < _SERIES_BELOW, series * x * x2, x - np.tanh(x))


register(
    ActivationSpec(
        name="tanhshrink",
        family="shrink",
        summary="Tanh shrink: x - tanh(x), near-zero (~x^3/3) around 0 and x - sign(x) far out.",
        fn=F.tanhshrink,
        native="torch.nn.functional.tanhshrink",
        ref=_tanhshrink_ref,
        ref_d1=lambda x: np.tanh(x) ** 2,
        formula=r"x - \tanh x",
        formula_d1=r"\tanh^2 x",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True),
        limits=(-INF, INF),
        paper=TORCH7,
        checked="The Torch7 paper not retrievable here; the entry is PyTorch's native tanhshrink, "
        "x - tanh(x), which it is tested against: matches that definition.",
        notes="PyTorch computes x - tanh(x) directly, so near 0 it keeps only an absolute accuracy "
        "of a few ulps of x (tanhshrink(1e-8) is 0, not 3.3e-25), and its gradient "
        "1 - sech^2(x) the same; the reference uses the Taylor series for |x| < 0.1.",
    )
)


def _shrink_facts(lambd: float, smoothness: int) -> Facts:
    """Kinks at ±lambd with f' = 0 there (autograd's closed band); lambd = 0 is the identity,
    still with f'(0) = 0 by that convention."""
    identity = Properties(monotonic=True, smoothness=SMOOTH, zero_centred=True)
    if lambd == 0.0:
        return Facts(REALS, identity, (-INF, INF), (), {0.0: 0.0})
    return Facts(
        REALS,
        Properties(monotonic=True, smoothness=smoothness, zero_centred=True),
        (-INF, INF),
        (-lambd, lambd),
        {-lambd: 0.0, lambd: 0.0},
    )


LAMBD = Param("lambd", 0.5, NONNEGATIVE, doc="Half-width of the band mapped to 0 (lambd >= 0).")

register(
    ActivationSpec(
        name="softshrink",
        family="shrink",
        summary="Soft shrink (soft thresholding): moves x towards 0 by lambd and zeroes |x| <= lambd; "
        "the proximal map of lambd * |x| (ISTA, sparse coding).",
        fn=lambda x, lambd: F.softshrink(x, lambd),
        native="torch.nn.functional.softshrink",
        ref=lambda x, lambd: np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0.0)),
        # PyTorch's backward is 0 on the closed band -lambd <= x <= lambd, end points included.
        ref_d1=lambda x, lambd: np.where(np.abs(x) > lambd, 1.0, 0.0),
        params=(LAMBD,),
        formula=r"\begin{cases} x - \lambda & x > \lambda \\ x + \lambda & x < -\lambda \\ "
        r"0 & \text{otherwise} \end{cases}",
        formula_d1=r"\begin{cases} 1 & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=0, zero_centred=True),
        kinks=(-0.5, 0.5),
        kink_derivative={-0.5: 0.0, 0.5: 0.0},
        limits=(-INF, INF),
        paper="Donoho, 'De-noising by Soft-Thresholding', IEEE Transactions on Information Theory, 1995",
        checked="Donoho not retrievable here; survey §3.6.23 (text copy without equations, via the "
        "search tool) gives soft thresholding with a fixed threshold a > 0; the entry is PyTorch's "
        "native softshrink: consistent.",
        facts=lambda p: _shrink_facts(p["lambd"], smoothness=0),
        test_params=({"lambd": 1.5}, {"lambd": 0.0}),
        notes="lambd = 0 is the identity (with f'(0) = 0 by the same convention). Kinks at ±lambd.",
    )
)

register(
    ActivationSpec(
        name="hardshrink",
        family="shrink",
        summary="Hard shrink (hard thresholding): zeroes |x| <= lambd and passes the rest unchanged.",
        fn=lambda x, lambd: F.hardshrink(x, lambd),
        native="torch.nn.functional.hardshrink",
        ref=lambda x, lambd: np.where(np.abs(x) > lambd, x, 0.0),
        ref_d1=lambda x, lambd: np.where(np.abs(x) > lambd, 1.0, 0.0),
        params=(LAMBD,),
        formula=r"\begin{cases} x & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}",
        formula_d1=r"\begin{cases} 1 & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}",
        output_range=REALS,
        properties=Properties(monotonic=True, smoothness=-1, zero_centred=True),
        kinks=(-0.5, 0.5),
        kink_derivative={-0.5: 0.0, 0.5: 0.0},
        limits=(-INF, INF),
        paper="Donoho & Johnstone, 'Ideal Spatial Adaptation by Wavelet Shrinkage', Biometrika, 1994",
        checked="Donoho & Johnstone not retrievable here; survey §3.6.22 (text copy, via the "
        "search tool) gives hard thresholding with a fixed a > 0 (also called the thresholded "
        "linear AF); the entry is PyTorch's native hardshrink: consistent.",
        facts=lambda p: _shrink_facts(p["lambd"], smoothness=-1),
        test_params=({"lambd": 1.5}, {"lambd": 0.0}),
        notes="Discontinuous: f jumps by lambd at ±lambd (outputs skip (-lambd, 0) and (0, lambd)); "
        "at the jumps f(±lambd) = 0 and autograd gives 0.",
    )
)
