"""Gated units: split the input in two along `dim` and let one half gate the other (GLU and its
variants, the gated tanh unit), or subtract the halves' activations (dual ReLU and dual ELU).

All follow PyTorch's `F.glu` convention: with ``a, b = x.chunk(2, dim)`` (a the first half,
b the second), the output is ``a * gate(b)`` and has half the size along `dim`.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from actlab.catalog.entries import _ref as R
from actlab.catalog.registry import register
from actlab.catalog.spec import INF, ActivationSpec, Interval, Param

SHAZEER = "Shazeer, 'GLU Variants Improve Transformer', arXiv:2002.05202, 2020"
SHAZEER_CHECKED = (
    "Shazeer's Section 2 equations, read in a transcription of arXiv:2002.05202 "
    "(arsetstudium.tistory.com, via the search tool; also tickerdossier's SwiGLU page): "
)
SHAZEER_ORDER = (
    "Shazeer writes the activated projection first, act(xW + b) ⊗ (xV + c); which chunk is "
    "which only renames W and V, so both describe the same layer."
)
CONVENTION = (
    "PyTorch's convention: a, b = x.chunk(2, dim) and the FIRST half a is gated by "
    "the activation of the SECOND half b. The size of `dim` must be even; the output "
    "has half that size."
)
DIM = Param(
    "dim",
    -1,
    kind=int,
    valid=Interval(-INF, INF),
    doc="The dimension split into the value half a and the gate half b; its size must be even.",
)


def halves(x: torch.Tensor, dim: int, owner: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(a, b) = x.chunk(2, dim), after checking that the size of `dim` is even."""
    check_even(x, dim, owner)
    a, b = x.chunk(2, dim)
    return a, b


def check_even(x: torch.Tensor, dim: int, owner: str) -> None:
    size = x.size(dim)  # torch's own IndexError names the valid dims if `dim` is out of range
    if size % 2:
        raise ValueError(
            f"{owner}: the size of dim {dim} must be even to split it into two "
            f"halves (value and gate); got size {size} for input shape {tuple(x.shape)}"
        )


def ref_halves(x: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.split(x, 2, axis=dim)
    return a, b


def _glu(x: torch.Tensor, dim: int) -> torch.Tensor:
    check_even(x, dim, "glu")  # before F.glu, whose RuntimeError does not say which entry
    return F.glu(x, dim)


def _gated(owner: str, gate):
    """The torch form a * gate(b) of a GLU variant."""

    def fn(x: torch.Tensor, dim: int) -> torch.Tensor:
        a, b = halves(x, dim, owner)
        return a * gate(b)

    fn.__name__ = owner
    return fn


def _ref_gated(gate):
    """The float64 reference a * gate(b) of a GLU variant."""

    def ref(x: np.ndarray, dim: int) -> np.ndarray:
        a, b = ref_halves(x, dim)
        return a * gate(b)

    return ref


def _gated_pair(owner: str, combine):
    """The torch form combine(a, b) of the two halves (a, b) = x.chunk(2, dim)."""

    def fn(x: torch.Tensor, dim: int) -> torch.Tensor:
        a, b = halves(x, dim, owner)
        return combine(a, b)

    fn.__name__ = owner
    return fn


def _ref_pair(combine):
    """The float64 reference combine(a, b) of the two halves."""

    def ref(x: np.ndarray, dim: int) -> np.ndarray:
        a, b = ref_halves(x, dim)
        return combine(a, b)

    return ref


def _np_elu(v: np.ndarray) -> np.ndarray:
    return np.where(v > 0, v, np.expm1(np.minimum(v, 0.0)))


register(
    ActivationSpec(
        name="glu",
        family="gated",
        summary="Gated linear unit: a ⊗ σ(b) — a sigmoid gate chooses how much of each value passes.",
        fn=_glu,
        native="torch.nn.functional.glu",
        ref=_ref_gated(R.sigmoid),
        ref_d1=None,
        formula=r"a \otimes \sigma(b),\quad (a, b) = \operatorname{chunk}_2(x, \mathrm{dim})",
        formula_d1=r"\frac{\partial f}{\partial a} = \sigma(b),\quad "
        r"\frac{\partial f}{\partial b} = a\,\sigma(b)(1 - \sigma(b))",
        params=(DIM,),
        output_range=None,
        elementwise=False,
        paper="Dauphin, Fan, Auli & Grangier, 'Language Modeling with Gated Convolutional Networks', "
        "ICML 2017",
        checked="Dauphin et al.'s text not retrievable via the search tool; Shazeer (2020) restates "
        "it as sigma(xW + b) ⊗ (xV + c) (his equations, transcribed on arsetstudium.tistory.com), "
        "the same layer with W, V named the other way; matches a ⊗ sigma(b) and F.glu.",
        notes=CONVENTION,
        test_params=({"dim": 0},),
    )
)


def _shazeer_variant(
    name: str,
    class_name: str,
    summary: str,
    gate,
    ref_gate,
    gate_tex: str,
    gate_d1_tex: str,
    note: str,
    checked: str,
) -> ActivationSpec:
    """a ⊗ gate(b), one of the GLU variants of Shazeer (2020): the same split, parameter,
    paper and conventions; only the gate, its formulas and a note differ.
    `gate_d1_tex` is ∂f/∂b, already multiplied by a."""
    return ActivationSpec(
        name=name,
        class_name=class_name,
        family="gated",
        summary=summary,
        fn=_gated(name, gate),
        ref=_ref_gated(ref_gate),
        ref_d1=None,
        formula=rf"a \otimes {gate_tex},\quad (a, b) = \operatorname{{chunk}}_2(x, \mathrm{{dim}})",
        formula_d1=rf"\frac{{\partial f}}{{\partial a}} = {gate_tex},\quad "
        rf"\frac{{\partial f}}{{\partial b}} = {gate_d1_tex}",
        params=(DIM,),
        output_range=None,
        elementwise=False,
        paper=SHAZEER,
        checked=checked,
        notes=CONVENTION + " " + SHAZEER_ORDER + " " + note,
        test_params=({"dim": 0},),
    )


register(
    _shazeer_variant(
        "reglu",
        "ReGLU",
        "ReGLU: a ⊗ relu(b), the GLU variant with a ReLU gate (Shazeer 2020).",
        F.relu,
        lambda b: np.maximum(b, 0.0),
        r"\max(0, b)",
        r"a\,[b > 0]",
        "As with relu, the derivative with respect to b at b = 0 is 0.",
        SHAZEER_CHECKED + "ReGLU = max(0, xW + b) ⊗ (xV + c) matches.",
    )
)
register(
    _shazeer_variant(
        "geglu",
        "GEGLU",
        "GEGLU: a ⊗ gelu(b) with the exact (erf) GELU; a strong Transformer FFN variant.",
        F.gelu,
        lambda b: b * R.Phi(b),
        r"b\,\Phi(b)",
        r"a\,(\Phi(b) + b\,\varphi(b))",
        "The gate is the exact GELU b·Φ(b) (F.gelu with approximate='none').",
        SHAZEER_CHECKED + "GEGLU = GELU(xW + b) ⊗ (xV + c) matches, GELU = x Phi(x).",
    )
)
register(
    _shazeer_variant(
        "swiglu",
        "SwiGLU",
        "SwiGLU: a ⊗ silu(b), the GLU variant used in the feed-forward layers of PaLM and LLaMA.",
        F.silu,
        lambda b: b * R.sigmoid(b),
        r"b\,\sigma(b)",
        r"a\,\sigma(b)(1 + b(1 - \sigma(b)))",
        "The gate is silu (Swish with beta = 1).",
        SHAZEER_CHECKED + "SwiGLU = Swish_beta(xW + b) ⊗ (xV + c), and the FFN uses Swish_1, "
        "i.e. silu: matches.",
    )
)
register(
    _shazeer_variant(
        "bilinear",
        "BilinearGLU",
        "Bilinear GLU: a ⊗ b, a gated unit with no nonlinearity in the gate (Shazeer 2020).",
        lambda b: b,
        lambda b: b,
        "b",
        "a",
        "Quadratic in x: the product of the halves is the only nonlinearity.",
        SHAZEER_CHECKED + "Bilinear = (xW + b) ⊗ (xV + c) matches.",
    )
)

register(
    ActivationSpec(
        name="gtu",
        class_name="GTU",
        family="gated",
        summary="Gated tanh unit: tanh(a) ⊗ σ(b), the gated activation of PixelCNN and WaveNet.",
        fn=_gated_pair("gtu", lambda a, b: torch.tanh(a) * torch.sigmoid(b)),
        ref=_ref_pair(lambda a, b: np.tanh(a) * R.sigmoid(b)),
        ref_d1=None,
        formula=r"\tanh(a) \otimes \sigma(b),\quad (a, b) = \operatorname{chunk}_2(x, \mathrm{dim})",
        formula_d1=r"\frac{\partial f}{\partial a} = (1 - \tanh^2 a)\,\sigma(b),\quad "
        r"\frac{\partial f}{\partial b} = \tanh(a)\,\sigma(b)(1 - \sigma(b))",
        params=(DIM,),
        output_range=Interval(-1.0, 1.0, low_open=True, high_open=True),
        elementwise=False,
        paper="van den Oord, Kalchbrenner, Vinyals, Espeholt, Graves & Kavukcuoglu, 'Conditional "
        "Image Generation with PixelCNN Decoders', NeurIPS 2016",
        checked="The paper's gated activation y = tanh(W_f * x) ⊙ sigma(W_g * x), as quoted from it "
        "by notes on the paper (hsheng.org, ruotianluo.github.io, a StackOverflow question; via "
        "the search tool); the paper itself not read: tanh of a, sigmoid of b matches.",
        notes=CONVENTION + " Kunc & Kléma 2024, §3.4.1.",
        test_params=({"dim": 0},),
    )
)

GODIN_2018 = (
    "Godin, Degrave, Dambre & De Neve, 'Dual Rectified Linear Units (DReLUs): A replacement for "
    "tanh activation functions in Quasi-Recurrent Neural Networks', Pattern Recognition Letters "
    "116:8-14, 2018"
)
DUAL = (
    "a, b = x.chunk(2, dim): the first half minus the second, each through the unit; the "
    "output has half the size along dim."
)

register(
    ActivationSpec(
        name="dual_relu",
        class_name="DualReLU",
        aliases=("drelu",),
        family="gated",
        summary="Dual ReLU: relu(a) - relu(b) of the two halves of x, a ReLU-based replacement "
        "for tanh that can output both signs and is unbounded.",
        fn=_gated_pair("dual_relu", lambda a, b: F.relu(a) - F.relu(b)),
        ref=_ref_pair(lambda a, b: np.maximum(a, 0.0) - np.maximum(b, 0.0)),
        ref_d1=None,
        formula=r"\max(0, a) - \max(0, b),\quad (a, b) = \operatorname{chunk}_2(x, \mathrm{dim})",
        formula_d1=r"\frac{\partial f}{\partial a} = [a > 0],\quad \frac{\partial f}{\partial b} "
        r"= -[b > 0]",
        params=(DIM,),
        output_range=None,
        elementwise=False,
        paper=GODIN_2018,
        checked="ar5iv text of arXiv:1707.08214 (abstract and introduction, via the search tool) "
        "confirms authors, journal and a unit with unbounded positive and negative image; its "
        "defining equation was not among the passages retrieved, so f itself is unchecked there.",
        notes=DUAL + " Kunc & Kléma 2024, §3.6.36.",
        test_params=({"dim": 0},),
    )
)

register(
    ActivationSpec(
        name="dual_elu",
        class_name="DualELU",
        family="gated",
        summary="Dual ELU: elu(a) - elu(b) of the two halves of x, the ELU form of the dual ReLU.",
        fn=_gated_pair("dual_elu", lambda a, b: F.elu(a) - F.elu(b)),
        ref=_ref_pair(lambda a, b: _np_elu(a) - _np_elu(b)),
        ref_d1=None,
        formula=r"\operatorname{elu}(a) - \operatorname{elu}(b),\quad (a, b) = "
        r"\operatorname{chunk}_2(x, \mathrm{dim})",
        formula_d1=r"\frac{\partial f}{\partial a} = \operatorname{elu}'(a),\quad "
        r"\frac{\partial f}{\partial b} = -\operatorname{elu}'(b)",
        params=(DIM,),
        output_range=None,
        elementwise=False,
        paper=GODIN_2018,
        checked="Same source as dual_relu (ar5iv text of arXiv:1707.08214, abstract and "
        "introduction): the DELU equation itself was not among the passages retrieved; unchecked.",
        notes=DUAL + " elu with alpha = 1. Kunc & Kléma 2024, §3.7.2.",
        test_params=({"dim": 0},),
    )
)
