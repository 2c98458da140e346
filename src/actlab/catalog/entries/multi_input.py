"""Activations that mix the features along a dimension: softmax, log-softmax, softmin, maxout."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from actlab.catalog.registry import register
from actlab.catalog.spec import INF, ActivationSpec, Interval, Param

DIM = Param(
    "dim",
    -1,
    kind=int,
    valid=Interval(-INF, INF),
    doc="The dimension the function normalises over.",
)
SOFTMAX_PAPER = (
    "Bridle, 'Probabilistic Interpretation of Feedforward Classification Network "
    "Outputs, with Relationships to Statistical Pattern Recognition', "
    "Neurocomputing (NATO ASI Series F68), 1990"
)


def _ref_log_softmax(x: np.ndarray, dim: int) -> np.ndarray:
    # Shifting by the max makes every exponent <= 0: no overflow, and the largest term is 1,
    # so the log of the sum never underflows either.
    shifted = x - np.max(x, axis=dim, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


def _ref_softmax(x: np.ndarray, dim: int) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=dim, keepdims=True))
    return e / np.sum(e, axis=dim, keepdims=True)


register(
    ActivationSpec(
        name="softmax",
        family="multi-input",
        summary="Softmax: exponentiate and normalise along dim, giving a probability vector.",
        fn=lambda x, dim: F.softmax(x, dim),
        native="torch.nn.functional.softmax",
        ref=_ref_softmax,
        ref_d1=None,
        formula=r"\frac{e^{x_i}}{\sum_j e^{x_j}}",
        formula_d1=r"\frac{\partial f_i}{\partial x_j} = f_i\,(\delta_{ij} - f_j)",
        params=(DIM,),
        output_range=Interval(0.0, 1.0, low_open=True),
        elementwise=False,
        paper=SOFTMAX_PAPER,
        checked="Bridle's abstract (typeset.io and paperexplained pages via the search tool): a "
        "'normalised exponential (softmax) multi-input generalisation of the logistic "
        "non-linearity': match; the chapter's equations were not read",
        notes="Outputs along dim sum to 1 and are unchanged by adding a constant to every input. "
        "In floating point small probabilities underflow to exactly 0; the range (0, 1] is "
        "the exact one (1 only when dim has size 1).",
        test_params=({"dim": 0},),
    )
)

register(
    ActivationSpec(
        name="log_softmax",
        family="multi-input",
        summary="Log-softmax: log of the softmax, computed directly so it stays finite where softmax "
        "underflows; pairs with NLL loss.",
        fn=lambda x, dim: F.log_softmax(x, dim),
        native="torch.nn.functional.log_softmax",
        ref=_ref_log_softmax,
        ref_d1=None,
        formula=r"x_i - \log \sum_j e^{x_j}",
        formula_d1=r"\frac{\partial f_i}{\partial x_j} = \delta_{ij} - \operatorname{softmax}(x)_j",
        params=(DIM,),
        output_range=Interval(-INF, 0.0),
        elementwise=False,
        paper=SOFTMAX_PAPER,
        checked="Bridle's abstract (typeset.io and paperexplained pages via the search tool) "
        "defines the normalised exponential (softmax); log_softmax is its logarithm, "
        "derived here rather than printed in the paper",
        notes="Equal to log(softmax(x)) but finite where softmax rounds to 0 (e.g. gaps of 1e4).",
        test_params=({"dim": 0},),
    )
)

register(
    ActivationSpec(
        name="softmin",
        family="multi-input",
        summary="Softmin: softmax of -x, a probability vector that favours the smallest inputs.",
        fn=lambda x, dim: F.softmin(x, dim),
        native="torch.nn.functional.softmin",
        ref=lambda x, dim: _ref_softmax(-x, dim),
        ref_d1=None,
        formula=r"\frac{e^{-x_i}}{\sum_j e^{-x_j}}",
        formula_d1=r"\frac{\partial f_i}{\partial x_j} = -f_i\,(\delta_{ij} - f_j)",
        params=(DIM,),
        output_range=Interval(0.0, 1.0, low_open=True),
        elementwise=False,
        paper=SOFTMAX_PAPER,
        checked="Bridle's abstract (typeset.io and paperexplained pages via the search tool) "
        "defines the normalised exponential (softmax); softmin(x) = softmax(-x) is derived "
        "here rather than printed in the paper",
        notes="softmin(x) = softmax(-x).",
        test_params=({"dim": 0},),
    )
)


def _grouped(x: torch.Tensor, pieces: int, dim: int) -> tuple[torch.Tensor, int]:
    """x with `dim` split into (size // pieces, pieces), and the index of the pieces axis."""
    size = x.size(dim)  # torch's own IndexError names the valid dims if `dim` is out of range
    if size % pieces:
        raise ValueError(
            f"maxout: the size of dim {dim} ({size}, input shape {tuple(x.shape)}) "
            f"is not divisible by pieces={pieces}"
        )
    d = dim % x.dim()
    return x.unflatten(d, (size // pieces, pieces)), d + 1


def _maxout(x: torch.Tensor, pieces: int, dim: int) -> torch.Tensor:
    grouped, axis = _grouped(x, pieces, dim)
    # torch.max(dim) (not amax) so a tie sends the whole gradient to one element, the first
    # maximal one of the group (the index torch.max returns), as in a max-pooling layer.
    return grouped.max(dim=axis).values


def _ref_maxout(x: np.ndarray, pieces: int, dim: int) -> np.ndarray:
    last = np.moveaxis(x, dim, -1)
    groups = last.reshape(*last.shape[:-1], last.shape[-1] // pieces, pieces)
    return np.moveaxis(groups.max(axis=-1), -1, dim)


register(
    ActivationSpec(
        name="maxout",
        family="multi-input",
        summary="Maxout: the max over groups of `pieces` consecutive features — a learned convex "
        "piecewise-linear activation when placed after a linear layer.",
        fn=_maxout,
        ref=_ref_maxout,
        ref_d1=None,
        formula=r"\max_{0 \le k < p} x_{p i + k} \text{ for output } i",
        formula_d1=r"\frac{\partial f_i}{\partial x_{p i + k}} = "
        r"\begin{cases} 1 & k = \text{first } \arg\max \\ 0 & \text{otherwise} \end{cases}",
        params=(
            Param(
                "pieces",
                2,
                kind=int,
                valid=Interval(2.0, INF),
                doc="Features per group; the size of dim must be divisible by it.",
            ),
            Param(
                "dim",
                -1,
                kind=int,
                valid=Interval(-INF, INF),
                doc="The dimension whose features are grouped; its size shrinks by `pieces`.",
            ),
        ),
        output_range=None,
        elementwise=False,
        paper="Goodfellow, Warde-Farley, Mirza, Courville & Bengio, 'Maxout Networks', ICML 2013",
        checked="arXiv:1302.4389 abstract ('its output is the max of a set of inputs', "
        "arxiv-vanity) and a summary quoting its Eq. (1), h_i(x) = max_j z_ij over k "
        "pieces (via the search tool): the max over each group of `pieces` inputs matches",
        notes="Groups are consecutive: output i is the max of inputs p*i .. p*i + p - 1 along dim, "
        "so the output has size/pieces there. At a tie the gradient goes entirely to the "
        "first (lowest-index) maximal element of the group, the index torch.max returns; a "
        "NaN in a group makes its output NaN.",
        test_params=({"pieces": 3}, {"pieces": 4, "dim": 0}),
    )
)
