"""The rectifier family: piecewise-linear (or -quadratic) units with a kink at 0."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from actlab.catalog.edges import refuse_integers
from actlab.catalog.entries import _ref as R
from actlab.catalog.entries._torch import onnx_exporting
from actlab.catalog.fused import fused
from actlab.catalog.maths.channels import channel_shape, scalar_along
from actlab.catalog.registry import register
from actlab.catalog.spec import (
    INF,
    NONNEGATIVE,
    REALS,
    SMOOTH,
    ActivationSpec,
    Facts,
    Interval,
    Param,
    Properties,
)

ZERO_SLOPE_AT_NEG_INF = (
    "PyTorch's kernel multiplies x by the slope, so with slope 0 it returns 0 * -inf = NaN at "
    "x = -inf; the limit is 0."
)
RELU_PAPER = (
    "Nair & Hinton, 'Rectified Linear Units Improve Restricted Boltzmann Machines', "
    "ICML 2010; Glorot, Bordes & Bengio, 'Deep Sparse Rectifier Neural Networks', AISTATS 2011"
)


def slope_facts(slope: float) -> Facts:
    """x for x > 0 and slope * x below (leaky_relu, prelu, rrelu in evaluation): slope 0 is
    ReLU (range [0, inf), not zero-centred), slope 1 the identity (no kink), any other slope a
    kink at 0 where autograd takes the slope."""
    if slope == 1.0:
        return Facts(REALS, Properties(True, SMOOTH, True), (-INF, INF), (), {0.0: 1.0})
    return Facts(
        REALS if slope > 0 else NONNEGATIVE,
        Properties(monotonic=slope >= 0, smoothness=0, zero_centred=slope > 0),
        (-INF if slope > 0 else 0.0, INF),
        (0.0,),
        {0.0: slope},
    )


register(
    ActivationSpec(
        name="relu",
        family="relu-like",
        summary="Rectified linear unit: max(0, x). Units whose input stays negative get no gradient ('die').",
        fn=F.relu,
        native="torch.nn.functional.relu",
        ref=lambda x: np.maximum(x, 0.0),
        ref_d1=lambda x: R.step(x, at_zero=0.0),
        formula=r"\max(0, x)",
        formula_d1=r"\begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}",
        output_range=NONNEGATIVE,
        properties=Properties(monotonic=True, smoothness=0, zero_centred=False),
        kinks=(0.0,),
        kink_derivative={0.0: 0.0},
        limits=(0.0, INF),
        paper=RELU_PAPER,
        checked="Standard definition; survey §3.6 (text copy without equations, via the search "
        "tool) calls it the maximum of zero and the input: matches; Nair & Hinton and Glorot et "
        "al. not read.",
    )
)

register(
    ActivationSpec(
        name="leaky_relu",
        aliases=("lrelu",),
        family="relu-like",
        summary="Leaky ReLU: a small fixed slope for x < 0 keeps every unit's gradient alive.",
        fn=lambda x, negative_slope: F.leaky_relu(x, negative_slope),
        native="torch.nn.functional.leaky_relu",
        ref=lambda x, negative_slope: np.where(x > 0, x, negative_slope * x),
        ref_d1=lambda x, negative_slope: np.where(x > 0, 1.0, negative_slope),
        params=(Param("negative_slope", 0.01, Interval(0.0, INF), doc="Slope for x < 0."),),
        formula=r"\begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x > 0 \\ \alpha & x \le 0 \end{cases}",
        properties=Properties(monotonic=True, smoothness=0, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 0.01},
        limits=(-INF, INF),
        paper="Maas, Hannun & Ng, 'Rectifier Nonlinearities Improve Neural Network Acoustic Models', ICML 2013",
        checked="Maas et al. not retrievable here; survey §3.6.2 (text copy, via the search tool) "
        "notes that sources write the negative side as x/a or a x; this entry is PyTorch's a x "
        "with a = 0.01 (the native leaky_relu): matches its definition.",
        facts=lambda p: slope_facts(p["negative_slope"]),
        test_params=({"negative_slope": 0.2}, {"negative_slope": 0.0}, {"negative_slope": 1.0}),
        xfail={"limits-p2": ZERO_SLOPE_AT_NEG_INF, "limits-params": ZERO_SLOPE_AT_NEG_INF},
    )
)


def _prelu(x: torch.Tensor, weight: float | torch.Tensor) -> torch.Tensor:
    # On CPU float tensors a fused kernel (one pass each way, the weight's gradient reduced in
    # the backward's pass); F.prelu elsewhere, and as the reference.
    y = fused("prelu", x, (weight,), 1)
    if y is not None:
        return y
    w = torch.as_tensor(weight, dtype=x.dtype, device=x.device).reshape(-1)
    if w.numel() > 1:
        channel_shape(x, 1, w.numel())  # our error, naming both sizes, before F.prelu's
    return F.prelu(x, w)


register(
    ActivationSpec(
        name="prelu",
        family="relu-like",
        summary="Parametric ReLU: Leaky ReLU whose negative slope is learned (shared or per channel).",
        fn=_prelu,
        native="torch.nn.functional.prelu",
        ref=lambda x, weight: np.where(x > 0, x, weight * x),
        ref_d1=lambda x, weight: np.where(x > 0, 1.0, weight),
        params=(
            Param(
                "weight",
                0.25,
                Interval(0.0, INF),
                learnable=True,
                doc="Slope for x < 0 (learned; PyTorch's nn.PReLU init).",
            ),
        ),
        formula=r"\begin{cases} x & x > 0 \\ a x & x \le 0 \end{cases}",
        formula_d1=r"\begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}",
        properties=Properties(monotonic=True, smoothness=0, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 0.25},
        limits=(-INF, INF),
        paper="He, Zhang, Ren & Sun, 'Delving Deep into Rectifiers', ICCV 2015",
        checked="He et al. not retrievable here; the entry is PyTorch's native prelu (x for x > 0, "
        "a x below, weight initialised to 0.25), which it is tested against: matches that "
        "definition.",
        facts=lambda p: slope_facts(p["weight"]),
        test_params=({"weight": 0.0},),
        xfail={"limits-p1": ZERO_SLOPE_AT_NEG_INF, "limits-params": ZERO_SLOPE_AT_NEG_INF},
        notes="Same formula as leaky_relu; the only difference is that a is learned.",
    )
)

RRELU_ONNX = (
    "exports in evaluation mode only, as LeakyRelu with slope (lower + upper)/2; in training "
    "mode each element draws its own random slope, which ONNX cannot express"
)


def _rrelu(x: torch.Tensor, lower: float, upper: float, training: bool = False) -> torch.Tensor:
    if training and onnx_exporting():
        raise RuntimeError(f"rrelu cannot be exported to ONNX in training mode: {RRELU_ONNX}")
    if not training and (torch.compiler.is_exporting() or onnx_exporting()):
        # ONNX has no randomized op to translate F.rrelu to, also when a torch.export program
        # is converted later; the evaluation form is exactly leaky_relu with the mean slope
        # (what F.rrelu computes when not training).
        return F.leaky_relu(x, (lower + upper) / 2)
    return F.rrelu(x, lower, upper, training=training)


register(
    ActivationSpec(
        name="rrelu",
        family="relu-like",
        summary="Randomized leaky ReLU: the negative slope is drawn from U(lower, upper) in training "
        "and fixed to their mean in evaluation.",
        fn=_rrelu,
        native="torch.nn.functional.rrelu",
        ref=lambda x, lower, upper: np.where(x >= 0, x, 0.5 * (lower + upper) * x),
        ref_d1=lambda x, lower, upper: np.where(x > 0, 1.0, 0.5 * (lower + upper)),
        params=(
            Param("lower", 1 / 8, Interval(0.0, INF), doc="Lower bound of the slope distribution."),
            Param("upper", 1 / 3, Interval(0.0, INF), doc="Upper bound of the slope distribution."),
        ),
        constraint=lambda p: (
            None
            if p["lower"] <= p["upper"]
            else f"lower ({p['lower']}) must not exceed upper ({p['upper']})"
        ),
        formula=r"\begin{cases} x & x \ge 0 \\ a x & x < 0 \end{cases},\; a \sim U(l, u) \text{ (train)},\; a = \tfrac{l+u}{2} \text{ (eval)}",
        formula_d1=r"\begin{cases} 1 & x > 0 \\ a & x \le 0 \end{cases}",
        properties=Properties(monotonic=True, smoothness=0, zero_centred=True),
        kinks=(0.0,),
        kink_derivative={0.0: 0.5 * (1 / 8 + 1 / 3)},
        limits=(-INF, INF),
        stochastic=True,
        onnx=RRELU_ONNX,
        facts=lambda p: slope_facts(0.5 * (p["lower"] + p["upper"])),
        test_params=({"lower": 0.0, "upper": 0.0},),
        xfail={"limits-p1": ZERO_SLOPE_AT_NEG_INF, "limits-params": ZERO_SLOPE_AT_NEG_INF},
        paper="Xu, Wang, Chen & Li, 'Empirical Evaluation of Rectified Activations in Convolutional Network', arXiv:1505.00853, 2015",
        checked="paperswithcode's RReLU page (via the search tool) transcribes Xu et al.: a ~ U(l, "
        "u) drawn in training, U(3, 8) in the paper's x/a form and x/((l + u)/2) at test time; the "
        "entry is PyTorch's slope form, whose evaluation slope differs (see notes).",
        notes="The reference, the derivative and the claims describe evaluation mode "
        "(training=False). PyTorch's convention, followed here: the slope a ~ U(lower, upper) "
        "and the mean slope (lower + upper)/2 in evaluation. Xu et al. write the negative side "
        "as x/a with a ~ U(3, 8) (the same training slopes as the defaults 1/8 and 1/3) but "
        "divide by the mean a = (l + u)/2 at test time, a slope 2/11 ~ 0.182 rather than "
        "PyTorch's 11/48 ~ 0.229.",
    )
)

register(
    ActivationSpec(
        name="relu6",
        family="relu-like",
        summary="ReLU capped at 6 (MobileNet): robust in low precision.",
        fn=F.relu6,
        native="torch.nn.functional.relu6",
        ref=lambda x: np.clip(x, 0.0, 6.0),
        ref_d1=lambda x: np.where((x > 0) & (x < 6), 1.0, 0.0),
        formula=r"\min(\max(0, x), 6)",
        formula_d1=r"\begin{cases} 1 & 0 < x < 6 \\ 0 & \text{otherwise} \end{cases}",
        output_range=Interval(0.0, 6.0),
        properties=Properties(monotonic=True, smoothness=0, zero_centred=False),
        kinks=(0.0, 6.0),
        kink_derivative={0.0: 0.0, 6.0: 0.0},
        limits=(0.0, 6.0),
        paper="Krizhevsky, 'Convolutional Deep Belief Networks on CIFAR-10', unpublished "
        "manuscript, University of Toronto, 2010 (ReLU-n, capped at n); Howard et al., "
        "'MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications', "
        "arXiv:1704.04861, 2017",
        checked="Krizhevsky 2010, quoted in TensorFlow's relu6 documentation and a blog (via the "
        "search tool: 'ReLU units capped at n as ReLU-n units'), gives min(max(0, x), 6): matches; "
        "the citation now names that origin first; MobileNets was not read.",
    )
)


def _threshold_facts(threshold: float, value: float) -> Facts:
    """x above the threshold, `value` at or below it: the outputs are {value} and
    (threshold, inf), so f steps unless value == threshold and decreases if value > threshold."""
    at_zero = 0.0 if threshold < 0 else value
    return Facts(
        Interval(min(value, threshold), INF, low_open=value > threshold),
        Properties(
            monotonic=value <= threshold,
            smoothness=0 if value == threshold else -1,
            zero_centred=at_zero == 0.0 and (value < 0 or threshold < 0),
        ),
        (value, INF),
        (threshold,),
        {threshold: 0.0},
    )


register(
    ActivationSpec(
        name="threshold",
        aliases=("trec", "truncated_rectified"),
        family="relu-like",
        summary="Threshold: x above the threshold, a constant value at or below it.",
        fn=lambda x, threshold, value: F.threshold(x, threshold, value),
        native="torch.nn.functional.threshold",
        ref=lambda x, threshold, value: np.where(x > threshold, x, value),
        ref_d1=lambda x, threshold, value: np.where(x > threshold, 1.0, 0.0),
        params=(
            Param("threshold", 1.0, doc="Inputs at or below it are replaced."),
            Param("value", 0.0, doc="The replacement value."),
        ),
        formula=r"\begin{cases} x & x > \theta \\ v & x \le \theta \end{cases}",
        formula_d1=r"\begin{cases} 1 & x > \theta \\ 0 & x \le \theta \end{cases}",
        output_range=Interval(0.0, INF),
        properties=Properties(monotonic=True, smoothness=-1, zero_centred=False),
        kinks=(1.0,),
        kink_derivative={1.0: 0.0},
        limits=(0.0, INF),
        facts=lambda p: _threshold_facts(p["threshold"], p["value"]),
        paper="Konda, Memisevic & Krueger, 'Zero-bias autoencoders and the benefits of "
        "co-adapting features', ICLR 2015 (the truncated rectified unit, TRec: value 0)",
        checked="Konda et al. not retrievable here; survey §3.6.21 (text copy) gives a = 1 in most "
        "of their experiments and a public PyTorch transcription of the survey's Section 3 "
        "equations (GitHub, read via the search tool) writes TRec, Eq. (119), as x for x > a, else "
        "0: matches.",
        notes="At its defaults (threshold 1, value 0) this is Konda et al.'s truncated rectified "
        "unit TRec(x) = x for x > a, 0 otherwise, with their a = 1 (Kunc & Kléma 2024, "
        "§3.6.21); `value` generalises it as PyTorch's nn.Threshold does.",
        test_params=(
            {"threshold": -0.5, "value": -2.0},
            {"threshold": 0.0, "value": 0.0},
            {"threshold": -1.0, "value": 2.0},
        ),
    )
)

_WRAPS = "relu(x)^2 wraps around (254^2 is 4 in uint8)"


def _squared_relu(x: torch.Tensor) -> torch.Tensor:
    refuse_integers(x, "squared_relu", _WRAPS)
    return torch.square(F.relu(x))


register(
    ActivationSpec(
        name="squared_relu",
        class_name="SquaredReLU",
        aliases=("relu_squared",),
        family="relu-like",
        summary="Squared ReLU (Primer): relu(x)^2, found by architecture search for Transformers.",
        fn=_squared_relu,
        ref=lambda x: np.maximum(x, 0.0) ** 2,
        ref_d1=lambda x: 2.0 * np.maximum(x, 0.0),
        formula=r"\max(0, x)^2",
        formula_d1=r"2 \max(0, x)",
        output_range=NONNEGATIVE,
        properties=Properties(monotonic=True, smoothness=1, zero_centred=False),
        kinks=(0.0,),
        kink_derivative={0.0: 0.0},
        limits=(0.0, INF),
        paper="So et al., 'Primer: Searching for Efficient Transformers for Language Modeling', NeurIPS 2021",
        checked="Primer not retrievable here; survey §3.6.39 (text copy, via the search tool) "
        "names RePU with a = 2 the squared ReLU: matches relu(x)^2.",
    )
)

# StarReLU's defaults standardise relu(z)^2 for z ~ N(0, 1): E = 1/2 and Var = 3/2 - 1/4 = 5/4,
# so s = 1/sqrt(5/4) = 2/sqrt(5) and b = -(1/2)/sqrt(5/4) = -1/sqrt(5) (the paper rounds them
# to 0.8944 and -0.4472).
STAR_RELU_SCALE = 2.0 / 5.0**0.5
STAR_RELU_BIAS = -1.0 / 5.0**0.5


def _star_relu_facts(s: float, b: float) -> Facts:
    """s relu(x)^2 + b: from b, up (s > 0) or down (s < 0) like x^2, constant b for s = 0;
    f(0) = b and f never crosses b, so it is never zero-centred."""
    if s == 0.0:
        return Facts(Interval(b, b), Properties(True, SMOOTH, False), (b, b))
    rises = s > 0
    return Facts(
        Interval(b, INF) if rises else Interval(-INF, b),
        Properties(monotonic=rises, smoothness=1, zero_centred=False),
        (b, INF if rises else -INF),
        (0.0,),
        {0.0: 0.0},
    )


def _star_relu(x: torch.Tensor, s: float | torch.Tensor, b: float | torch.Tensor) -> torch.Tensor:
    refuse_integers(x, "star_relu", _WRAPS)
    return scalar_along(s, x) * torch.square(F.relu(x)) + scalar_along(b, x)


register(
    ActivationSpec(
        name="star_relu",
        class_name="StarReLU",
        aliases=("starrelu",),
        family="relu-like",
        summary="StarReLU (MetaFormer): s * relu(x)^2 + b, squared ReLU rescaled and shifted so a "
        "standard normal input gives zero mean and unit variance; s and b are learned.",
        fn=_star_relu,
        ref=lambda x, s, b: s * np.maximum(x, 0.0) ** 2 + b,
        ref_d1=lambda x, s, b: 2.0 * s * np.maximum(x, 0.0),
        params=(
            Param(
                "s",
                STAR_RELU_SCALE,
                learnable=True,
                doc="Scale (learned); 2/sqrt(5) ~ 0.8944 gives unit variance for N(0, 1) input.",
            ),
            Param(
                "b",
                STAR_RELU_BIAS,
                learnable=True,
                doc="Bias (learned); -1/sqrt(5) ~ -0.4472 gives zero mean for N(0, 1) input.",
            ),
        ),
        formula=r"s \max(0, x)^2 + b",
        formula_d1=r"2 s \max(0, x)",
        output_range=Interval(STAR_RELU_BIAS, INF),
        properties=Properties(monotonic=True, smoothness=1, zero_centred=False),
        kinks=(0.0,),  # f' is continuous; f'' jumps from 0 to 2s
        kink_derivative={0.0: 0.0},
        limits=(STAR_RELU_BIAS, INF),
        paper="Yu et al., 'MetaFormer Baselines for Vision', IEEE TPAMI 2023 (arXiv:2210.13452)",
        checked="Yu et al. not retrievable here; the reference code's StarReLU "
        "(sail-sg/metaformer, quoted in several GitHub copies, via the search tool) is s * "
        "relu(x)**2 + b with s = 1, b = 0 learnable, and the survey's StarReLU section gives "
        "0.8944 and -0.4472 when fixed: matches.",
        facts=lambda p: _star_relu_facts(p["s"], p["b"]),
        test_params=({"s": 1.0, "b": 0.0}, {"s": 0.5, "b": 0.25}, {"s": -1.0, "b": 0.5}),
        notes="The paper derives s, b as above; its reference code initialises s = 1, b = 0 and "
        "learns them (the first test parameter set). f(0) = b, "
        "so it is not zero-centred although N(0, 1) inputs give mean-zero outputs. (0, 1) is a "
        "fixed point of its moment map but not an attracting one (the map's Jacobian there has "
        "an eigenvalue ~2.48), so it is not self-normalising in Klambauer's sense.",
    )
)
