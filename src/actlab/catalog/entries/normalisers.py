"""Normalisers other than softmax, from the survey and the papers it cites (Kunc & Kléma 2024,
§3.5, §3.8.7): sparse projections onto the simplex (sparsemax, 1.5-entmax) and softmax with the
exponential replaced (Taylor softmax, sigsoftmax, SQMAX). Each output sums to 1 along `dim`.

Each has a NumPy float64 reference; the generated tests compare the torch form with it and the
autograd Jacobian with its finite differences.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from actlab.catalog.edges import as_floating
from actlab.catalog.entries.multi_input_survey import DIM, UNIT
from actlab.catalog.registry import register
from actlab.catalog.spec import INF, ActivationSpec, Interval, Param

# -- sparsemax and taylor softmax ------------------------------------------------------------------------------


def _sparsemax(x: torch.Tensor, dim: int) -> torch.Tensor:
    x = as_floating(x)
    z = x.movedim(dim, -1)
    ordered = z.sort(dim=-1, descending=True).values
    k = torch.arange(1, z.size(-1) + 1, dtype=z.dtype, device=z.device)
    cumulative = ordered.cumsum(-1)
    # The support: the k largest inputs with 1 + k z_(k) > sum of the k largest.
    # (at least 1: a row with a NaN satisfies no comparison, and stays NaN through tau)
    support = (1 + k * ordered > cumulative).sum(-1, keepdim=True).clamp(min=1)
    tau = (cumulative.gather(-1, support - 1) - 1) / support.to(z.dtype)
    return F.relu(z - tau).movedim(-1, dim)


def _ref_sparsemax(x: np.ndarray, dim: int) -> np.ndarray:
    z = np.moveaxis(x, dim, -1)
    ordered = -np.sort(-z, axis=-1)
    k = np.arange(1, z.shape[-1] + 1)
    cumulative = np.cumsum(ordered, axis=-1)
    support = np.sum(1 + k * ordered > cumulative, axis=-1, keepdims=True)
    tau = (np.take_along_axis(cumulative, support - 1, axis=-1) - 1) / support
    return np.moveaxis(np.maximum(z - tau, 0.0), -1, dim)


register(
    ActivationSpec(
        name="sparsemax",
        family="multi-input",
        summary="Sparsemax: the Euclidean projection of x onto the probability simplex; like "
        "softmax it sums to 1, but small inputs get exactly 0.",
        fn=_sparsemax,
        ref=_ref_sparsemax,
        formula=r"\max(0, x_i - \tau(x)),\ \ \tau \text{ such that } \textstyle\sum_i f_i = 1",
        formula_d1=r"\frac{\partial f_i}{\partial x_j} = [i, j \in S]\left(\delta_{ij} - "
        r"\frac{1}{|S|}\right),\ S = \{i : f_i > 0\}",
        params=(DIM,),
        output_range=UNIT,
        elementwise=False,
        paper="Martins & Astudillo, 'From Softmax to Sparsemax: A Sparse Model of Attention and "
        "Multi-Label Classification', ICML 2016",
        checked="ICML 2016 paper text not read; the sort-based sparsemax in deep-spin/entmax "
        "entmax/activations.py (the authors' group: support where 1 + k z_(k) > sum of the k "
        "largest, tau = (that sum - 1)/k, output max(z - tau, 0), backward minus the support "
        "mean) matches fn and the Jacobian.",
        notes="Computed by sorting (the paper's Algorithm 1); invariant to adding a constant.",
        test_params=({"dim": 0},),
    )
)


def _taylor_softmax(x: torch.Tensor, dim: int) -> torch.Tensor:
    x = as_floating(x)
    q = 1.0 + x + 0.5 * x * x
    return q / q.sum(dim, keepdim=True)


def _ref_taylor_softmax(x: np.ndarray, dim: int) -> np.ndarray:
    q = 1.0 + x + 0.5 * x * x
    return q / q.sum(axis=dim, keepdims=True)


register(
    ActivationSpec(
        name="taylor_softmax",
        family="multi-input",
        summary="Taylor softmax: softmax with e^x replaced by its second-order Taylor polynomial "
        "1 + x + x^2/2, which is positive for every x.",
        fn=_taylor_softmax,
        ref=_ref_taylor_softmax,
        formula=r"\frac{1 + x_i + x_i^2/2}{\sum_j \left(1 + x_j + x_j^2/2\right)}",
        formula_d1=r"\frac{\partial f_i}{\partial x_j} = \frac{(1 + x_j)(\delta_{ij} - f_i)}"
        r"{\sum_k (1 + x_k + x_k^2/2)}",
        params=(DIM,),
        output_range=Interval(0.0, 1.0, low_open=True),
        elementwise=False,
        paper="de Brébisson & Vincent, 'An Exploration of Softmax Alternatives Belonging to the "
        "Spherical Loss Family', ICLR 2016 (arXiv:1511.05042, 2015)",
        checked="Paper not retrievable beyond its abstract (paperswithcode, catalyzex, DeepAI "
        "pages: the log-Taylor softmax is introduced there, a member of the spherical family); "
        "the second-order Taylor form 1 + x + x^2/2 was not read in a source text here.",
        notes="1 + x + x^2/2 = ((x + 1)^2 + 1)/2 >= 1/2, so no term vanishes.",
        test_params=({"dim": 0},),
    )
)


def _sigsoftmax(x: torch.Tensor, dim: int) -> torch.Tensor:
    x = as_floating(x)
    # e^x sigmoid(x) = exp(x + log sigmoid(x)): a softmax of those logits, which never overflows.
    return F.softmax(x + F.logsigmoid(x), dim)


def _ref_sigsoftmax(x: np.ndarray, dim: int) -> np.ndarray:
    logits = x - np.logaddexp(0.0, -x)
    e = np.exp(logits - logits.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


register(
    ActivationSpec(
        name="sigsoftmax",
        family="multi-input",
        summary="Sigsoftmax: e^x sigmoid(x) normalised along dim, a softmax whose output "
        "is not bounded by the rank of the logits (the softmax bottleneck).",
        fn=_sigsoftmax,
        ref=_ref_sigsoftmax,
        formula=r"\frac{e^{x_i} \sigma(x_i)}{\sum_j e^{x_j} \sigma(x_j)}",
        formula_d1=r"\frac{\partial f_i}{\partial x_j} = f_i\,\big(\delta_{ij} - f_j\big)\big(1 + "
        r"\sigma(-x_j)\big)",
        params=(DIM,),
        output_range=Interval(0.0, 1.0, low_open=True),
        elementwise=False,
        paper="Kanai, Fujiwara, Yamanaka & Adachi, 'Sigsoftmax: Reanalysis of the Softmax "
        "Bottleneck', NeurIPS 2018",
        checked="Paper not retrievable beyond its abstract (groundai.com, aitopics.org "
        "copies): sigsoftmax is the product of an exponential and a sigmoid, normalised - matches "
        "e^x sigma(x)/sum; the paper's equation not read.",
        notes="Computed as softmax(x + log sigmoid(x)).",
        test_params=({"dim": 0},),
    )
)


def _sqmax(x: torch.Tensor, c: float, dim: int) -> torch.Tensor:
    q = (as_floating(x) + c) ** 2
    return q / q.sum(dim, keepdim=True)


register(
    ActivationSpec(
        name="sqmax",
        class_name="SQMAX",
        aliases=("square_softmax",),
        family="multi-input",
        summary="SQMAX: (x + c)^2 normalised along dim, an exponential-free softmax for embedded "
        "inference.",
        fn=_sqmax,
        ref=lambda x, c, dim: (x + c) ** 2 / ((x + c) ** 2).sum(axis=dim, keepdims=True),
        formula=r"\frac{(x_i + c)^2}{\sum_j (x_j + c)^2}",
        formula_d1=r"\frac{\partial f_i}{\partial x_j} = \frac{2 (x_j + c)}{\sum_k (x_k + c)^2}"
        r"\left(\delta_{ij} - f_i\right)",
        params=(Param("c", 4.0, doc="Offset that moves the inputs' usual range above -c."), DIM),
        output_range=UNIT,
        elementwise=False,
        paper="Wuraola, Patel & Nguang, 'Efficient activation functions for embedded inference "
        "engines', Neurocomputing 442:73-88, 2021",
        checked="Survey arXiv:2402.09092 §3.8.7 prose (text copy without equations): a "
        "square-based replacement for softmax with the predefined constant c = 4 - matches the "
        "default; Wuraola, Patel & Nguang's text not retrievable, so (x + c)^2/sum was not read.",
        notes="c = 4 as in the paper. Not monotone in x_i below -c. Kunc & Kléma 2024, §3.8.7.",
        test_params=({"c": 2.0, "dim": 0},),
    )
)


def _entmax15(x: torch.Tensor, dim: int) -> torch.Tensor:
    z = as_floating(x).movedim(dim, -1) / 2.0
    ordered = z.sort(dim=-1, descending=True).values
    k = torch.arange(1, z.size(-1) + 1, dtype=z.dtype, device=z.device)
    mean = ordered.cumsum(-1) / k
    spread = k * (ordered.square().cumsum(-1) / k - mean.square())
    # tau_k solves sum_{j <= k} (z_j - tau)^2 = 1 on the k largest; where no real root exists
    # that k is no candidate (tau = inf), and sqrt never sees a value <= 0 (no inf·0 gradient).
    disc = (1.0 - spread) / k
    real = disc > 0
    tau = torch.where(real, mean - torch.sqrt(torch.where(real, disc, 1.0)), torch.inf)
    support = (tau <= ordered).sum(-1, keepdim=True).clamp(min=1)  # NaN rows: see sparsemax
    threshold = tau.gather(-1, support - 1)
    return torch.clamp(z - threshold, min=0.0).square().movedim(-1, dim)


def _ref_entmax15(x: np.ndarray, dim: int) -> np.ndarray:
    z = np.moveaxis(x, dim, -1) / 2.0
    ordered = -np.sort(-z, axis=-1)
    k = np.arange(1, z.shape[-1] + 1)
    mean = np.cumsum(ordered, axis=-1) / k
    spread = k * (np.cumsum(ordered**2, axis=-1) / k - mean**2)
    disc = (1.0 - spread) / k
    with np.errstate(invalid="ignore"):
        tau = np.where(disc > 0, mean - np.sqrt(np.maximum(disc, 0.0)), np.inf)
    support = np.sum(tau <= ordered, axis=-1, keepdims=True)
    threshold = np.take_along_axis(tau, support - 1, axis=-1)
    return np.moveaxis(np.maximum(z - threshold, 0.0) ** 2, -1, dim)


register(
    ActivationSpec(
        name="entmax15",
        class_name="Entmax15",
        aliases=("entmax_1_5", "alpha_entmax"),
        family="multi-input",
        summary="1.5-entmax: a sparse softmax between softmax and sparsemax, [x/2 - tau]_+^2 "
        "with tau chosen so the outputs sum to 1; small inputs get exactly 0.",
        fn=_entmax15,
        ref=_ref_entmax15,
        formula=r"\left[\tfrac{x_i}{2} - \tau(x)\right]_+^2,\ \ \tau \text{ such that } "
        r"\textstyle\sum_i f_i = 1",
        formula_d1=r"\frac{\partial f_i}{\partial x_j} = g_i\left(\delta_{ij} - \frac{g_j}"
        r"{\sum_k g_k}\right),\ g = \sqrt{f}",
        params=(DIM,),
        output_range=UNIT,
        elementwise=False,
        paper="Peters, Niculae & Martins, 'Sparse Sequence-to-Sequence Models', ACL 2019",
        checked="Authors' code deep-spin/entmax entmax/activations.py (Peters & Niculae): "
        "Tsallis15Function halves x, finds tau from sorted running means and variances, returns "
        "clamp(x/2 - tau, 0)^2, backward g dY - g sum(g dY)/sum(g) with g = sqrt(f) - matches fn "
        "and formula_d1; the ACL paper text not read.",
        notes="The exact sort-based algorithm of the paper for alpha = 1.5; invariant to adding "
        "a constant.",
        test_params=({"dim": 0},),
    )
)


def _spherical_softmax(x: torch.Tensor, eps: float, dim: int) -> torch.Tensor:
    q = as_floating(x).square() + eps
    return q / q.sum(dim, keepdim=True)


register(
    ActivationSpec(
        name="spherical_softmax",
        family="multi-input",
        summary="Spherical softmax: (x^2 + eps) normalised along dim, a softmax alternative of the "
        "spherical loss family (eps keeps it defined when all inputs are 0).",
        fn=_spherical_softmax,
        ref=lambda x, eps, dim: (x**2 + eps) / (x**2 + eps).sum(axis=dim, keepdims=True),
        formula=r"\frac{x_i^2 + \epsilon}{\sum_j \left(x_j^2 + \epsilon\right)}",
        formula_d1=r"\frac{\partial f_i}{\partial x_j} = \frac{2 x_j (\delta_{ij} - f_i)}{\sum_k "
        r"(x_k^2 + \epsilon)}",
        params=(
            Param("eps", 0.01, Interval(0.0, INF, low_open=True), doc="Stabilising constant."),
            DIM,
        ),
        output_range=Interval(0.0, 1.0, low_open=True),
        elementwise=False,
        paper="de Brébisson & Vincent, 'An Exploration of Softmax Alternatives Belonging to the "
        "Spherical Loss Family', ICLR 2016 (arXiv:1511.05042, 2015)",
        checked="Paper not retrievable beyond its abstract (paperswithcode, DeepAI, liner.com "
        "pages): the log-spherical softmax is suggested by Vincent et al. (2015) and needs an "
        "extra hyperparameter for numerical stability - consistent with eps; (x^2 + eps)/sum was "
        "not read in a source text here.",
        notes="Suggested by Vincent et al. (2015); the paper notes it needs eps for stability. "
        "Even in each x_i. The value eps = 0.01 is this catalogue's.",
        test_params=({"eps": 1.0, "dim": 0},),
    )
)
