"""Activations that look at several inputs along a dimension, from the survey (Kunc & Kléma 2024,
§3.6, §3.46): rectifiers relative to the mean (ABReLU), concatenated and permuted ReLUs (CReLU,
OPLU), winner-take-all units (k-WTA, LWTA) and bipolar units. The normalisers other than softmax
are in normalisers.py.

Each has a NumPy float64 reference; the generated tests compare the torch form with it and the
autograd Jacobian with its finite differences (multi-input entries have no scalar f').
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from actlab.catalog.edges import as_floating
from actlab.catalog.registry import register
from actlab.catalog.spec import INF, NONNEGATIVE, ActivationSpec, Interval, Param

DIM = Param(
    "dim",
    -1,
    kind=int,
    valid=Interval(-INF, INF),
    doc="The dimension the function works along.",
)
UNIT = Interval(0.0, 1.0)


def _groups(x: torch.Tensor, size: int, dim: int, owner: str) -> tuple[torch.Tensor, int]:
    """x with `dim` split into (n // size, size), and the index of the new `size` axis."""
    n = x.size(dim)  # torch's own IndexError names the valid dims if `dim` is out of range
    if n % size:
        raise ValueError(
            f"{owner}: the size of dim {dim} ({n}, input shape {tuple(x.shape)}) is not "
            f"divisible by {size}"
        )
    d = dim % x.dim()
    return x.unflatten(d, (n // size, size)), d + 1


def _np_groups(x: np.ndarray, size: int, dim: int) -> np.ndarray:
    last = np.moveaxis(x, dim, -1)
    return last.reshape(*last.shape[:-1], last.shape[-1] // size, size)


def _np_ungroup(g: np.ndarray, dim: int) -> np.ndarray:
    return np.moveaxis(g.reshape(*g.shape[:-2], -1), -1, dim)


# -- ABReLU -----------------------------------------------------------------------------------


def _abrelu(x: torch.Tensor, dim: int) -> torch.Tensor:
    x = as_floating(x)
    return F.relu(x - x.mean(dim, keepdim=True))


register(
    ActivationSpec(
        name="abrelu",
        class_name="ABReLU",
        aliases=("average_biased_relu",),
        family="multi-input",
        summary="Average-biased ReLU: relu(x - mean(x)) along dim, a ReLU whose threshold is the "
        "average input, so it keeps the above-average responses whatever their sign.",
        fn=_abrelu,
        ref=lambda x, dim: np.maximum(x - x.mean(axis=dim, keepdims=True), 0.0),
        formula=r"\max\left(0, x_i - \tfrac1n \textstyle\sum_j x_j\right)",
        formula_d1=r"\frac{\partial f_i}{\partial x_j} = [x_i > \bar x]\left(\delta_{ij} - "
        r"\tfrac1n\right)",
        params=(DIM,),
        output_range=NONNEGATIVE,
        elementwise=False,
        paper="Dubey & Chakraborty, 'Average biased ReLU based CNN descriptor for improved face "
        "retrieval', Multimedia Tools and Applications 80:23181-23206, 2021 (arXiv:1804.02051, "
        "2018)",
        checked="arXiv:1804.02051 abstract (ar5iv, paperswithcode): AB-ReLU keeps some negative "
        "information and drops weak positive responses, consistent with relu(x - mean(x)); "
        "the defining equation and the journal volume/pages were not read",
        notes="The paper averages over a filter's whole activation map; pass the dimension to "
        "average over (flatten several into one first). Kunc & Kléma 2024, §3.6.42.",
        test_params=({"dim": 0},),
    )
)


# -- CReLU and OPLU ---------------------------------------------------------------------------


def _crelu(x: torch.Tensor, dim: int) -> torch.Tensor:
    return torch.cat((F.relu(x), F.relu(-x)), dim)


register(
    ActivationSpec(
        name="crelu",
        class_name="CReLU",
        aliases=("concatenated_relu",),
        family="multi-input",
        summary="Concatenated ReLU: [relu(x), relu(-x)] along dim, keeping the negative part as "
        "extra channels; the output is twice as large along dim.",
        fn=_crelu,
        ref=lambda x, dim: np.concatenate((np.maximum(x, 0.0), np.maximum(-x, 0.0)), axis=dim),
        formula=r"\left[\max(0, x),\ \max(0, -x)\right]",
        formula_d1=r"\frac{\partial f}{\partial x} = \left[\,[x > 0],\ -[x < 0]\,\right]",
        params=(DIM,),
        output_range=NONNEGATIVE,
        elementwise=False,
        paper="Shang, Sohn, Almeida & Lee, 'Understanding and Improving Convolutional Neural "
        "Networks via Concatenated Rectified Linear Units', ICML 2016",
        checked="arXiv:1603.05201 abstract (tomesphere) and the TensorFlow/Chainer docs citing it "
        "(via the search tool): CReLU(x) = (max(0, x), max(0, -x)) concatenated along an "
        "axis: match",
        notes="Doubles the size of dim (channels: pass dim=1 for NCHW). Kunc & Kléma 2024, §3.6.34.",
        test_params=({"dim": 0},),
    )
)


def _oplu(x: torch.Tensor, dim: int) -> torch.Tensor:
    pairs, axis = _groups(x, 2, dim, "oplu")
    a, b = pairs.unbind(axis)
    # maximum/minimum split the gradient evenly at a tie, so it stays symmetric there.
    return torch.stack((torch.maximum(a, b), torch.minimum(a, b)), axis).flatten(axis - 1, axis)


def _ref_oplu(x: np.ndarray, dim: int) -> np.ndarray:
    g = _np_groups(x, 2, dim)
    a, b = g[..., 0], g[..., 1]
    return _np_ungroup(np.stack((np.maximum(a, b), np.minimum(a, b)), axis=-1), dim)


register(
    ActivationSpec(
        name="oplu",
        class_name="OPLU",
        family="multi-input",
        summary="Orthogonal permutation linear unit: each pair (x_2i, x_2i+1) becomes (max, min), "
        "a norm-preserving permutation of the inputs.",
        fn=_oplu,
        ref=_ref_oplu,
        formula=r"(x_{2i}, x_{2i+1}) \mapsto \left(\max(x_{2i}, x_{2i+1}),\ \min(x_{2i}, "
        r"x_{2i+1})\right)",
        formula_d1=r"\text{a permutation matrix: } \partial f / \partial x \in \{0, 1\}",
        params=(DIM,),
        output_range=None,
        elementwise=False,
        paper="Chernodub & Nowicki, 'Norm-preserving Orthogonal Permutation Linear Unit "
        "Activation Functions (OPLU)', arXiv:1604.02313, 2016",
        checked="arXiv:1604.02313 abstract (ar5iv, pith): norm-preserving piece-wise orthogonal "
        "mappings based on permutations, consistent with (max, min) per pair; the pairing "
        "equation itself was not in the excerpt read",
        notes="The size of dim must be even. |f(x)| = |x| and the Jacobian is orthogonal (away "
        "from ties, where the gradient is split evenly). Kunc & Kléma 2024, §3.6.37.",
        test_params=({"dim": 0},),
    )
)


# -- winner-take-all --------------------------------------------------------------------------


def _kwta(x: torch.Tensor, k: int, dim: int) -> torch.Tensor:
    n = x.size(dim)
    if k > n:
        raise ValueError(f"kwta: k={k} exceeds the size of dim {dim} ({n}, shape {tuple(x.shape)})")
    index = x.topk(k, dim).indices
    # A float mask (scatter of a bool value does not trace for TorchScript).
    keep = torch.zeros_like(x).scatter(dim, index, 1.0) > 0
    return torch.where(keep, x, torch.zeros((), dtype=x.dtype, device=x.device))


def _ref_kwta(x: np.ndarray, k: int, dim: int) -> np.ndarray:
    kth = -np.sort(-x, axis=dim).take([k - 1], axis=dim)
    return np.where(x >= kth, x, 0.0)


register(
    ActivationSpec(
        name="kwta",
        class_name="KWTA",
        aliases=("k_winners_take_all",),
        family="multi-input",
        summary="k-winners-take-all: keep the k largest inputs along dim and zero the rest; a "
        "discontinuous, sparse activation that resists gradient-based attacks.",
        fn=_kwta,
        ref=_ref_kwta,
        formula=r"\begin{cases} x_i & x_i \text{ among the } k \text{ largest} \\ 0 & "
        r"\text{otherwise} \end{cases}",
        formula_d1=r"\frac{\partial f_i}{\partial x_j} = \delta_{ij}\,[x_i \text{ a winner}]",
        params=(
            Param("k", 1, kind=int, valid=Interval(1.0, INF), doc="How many inputs to keep."),
            DIM,
        ),
        output_range=None,
        elementwise=False,
        paper="Xiao, Zhong & Zheng, 'Enhancing Adversarial Defense by k-Winners-Take-All', ICLR "
        "2020 (arXiv:1905.10510, 2019)",
        checked="ICLR 2020 paper text (abstract and introduction via the search tool) and the "
        "authors' README (kWTA-Activation): keep the k largest values of the layer and set "
        "all others to zero: match",
        notes="The paper keeps a fraction gamma of the units: k = ceil(gamma n). Ties at the k-th "
        "value keep the ones topk picks. Kunc & Kléma 2024, §3.46.",
        test_params=({"k": 4}, {"k": 2, "dim": 0}),
    )
)


def _lwta(x: torch.Tensor, pieces: int, dim: int) -> torch.Tensor:
    groups, axis = _groups(x, pieces, dim, "lwta")
    index = groups.argmax(axis, keepdim=True)
    shape = [1] * groups.dim()
    shape[axis] = pieces
    keep = torch.arange(pieces, device=x.device).reshape(shape) == index
    out = torch.where(keep, groups, torch.zeros((), dtype=x.dtype, device=x.device))
    return out.flatten(axis - 1, axis)


def _ref_lwta(x: np.ndarray, pieces: int, dim: int) -> np.ndarray:
    g = _np_groups(x, pieces, dim)
    keep = g == g.max(axis=-1, keepdims=True)
    return _np_ungroup(np.where(keep, g, 0.0), dim)


register(
    ActivationSpec(
        name="lwta",
        class_name="LWTA",
        aliases=("local_winner_take_all",),
        family="multi-input",
        summary="Local winner-take-all: in each group of `pieces` consecutive units only the "
        "largest passes, the others output 0 (maxout without dropping the losers' slots).",
        fn=_lwta,
        ref=_ref_lwta,
        formula=r"\begin{cases} x_i & x_i = \max \text{ of its group} \\ 0 & \text{otherwise} "
        r"\end{cases}",
        formula_d1=r"\frac{\partial f_i}{\partial x_j} = \delta_{ij}\,[x_i \text{ its group's "
        r"winner}]",
        params=(
            Param(
                "pieces",
                2,
                kind=int,
                valid=Interval(2.0, INF),
                doc="Units per competing group; the size of dim must be divisible by it.",
            ),
            DIM,
        ),
        output_range=None,
        elementwise=False,
        paper="Srivastava, Masci, Kazerounian, Gomez & Schmidhuber, 'Compete to Compute', NeurIPS "
        "2013",
        checked="NeurIPS 2013 proceedings record (pp. 2310-2318; abstract and introduction) and "
        "the kWTA authors' description of LWTA (the largest unit of each group keeps its "
        "value, the others become zero): match",
        notes="At a tie the first (lowest-index) maximal unit wins, as in maxout.",
        test_params=({"pieces": 3}, {"pieces": 4, "dim": 0}),
    )
)


# -- bipolar units ----------------------------------------------------------------------------

EIDNES_2017 = (
    "Eidnes & Nøkland, 'Shifting Mean Activation Towards Zero with Bipolar Activation "
    "Functions', ICLR 2018 Workshop (arXiv:1709.04054, 2017)"
)


def _bipolar(name: str, g):
    def fn(x: torch.Tensor, dim: int) -> torch.Tensor:
        x = as_floating(x)
        n = x.size(dim)
        shape = [1] * x.dim()
        shape[dim % x.dim()] = n
        even = (torch.arange(n, device=x.device) % 2 == 0).reshape(shape)
        return torch.where(even, g(x), -g(-x))

    fn.__name__ = name
    return fn


def _ref_bipolar(g):
    def ref(x: np.ndarray, dim: int) -> np.ndarray:
        shape = [1] * x.ndim
        shape[dim] = x.shape[dim]
        even = (np.arange(x.shape[dim]) % 2 == 0).reshape(shape)
        return np.where(even, g(x), -g(-x))

    return ref


register(
    ActivationSpec(
        name="bipolar_relu",
        class_name="BipolarReLU",
        family="multi-input",
        summary="Bipolar ReLU: relu(x) on even units along dim and -relu(-x) on odd ones, so a "
        "layer's mean activation stays near 0.",
        fn=_bipolar("bipolar_relu", F.relu),
        ref=_ref_bipolar(lambda x: np.maximum(x, 0.0)),
        formula=r"\begin{cases} \max(0, x_i) & i \text{ even} \\ \min(0, x_i) & i \text{ odd} "
        r"\end{cases}",
        formula_d1=r"\frac{\partial f_i}{\partial x_i} = \begin{cases} [x_i > 0] & i \text{ even} "
        r"\\ [x_i < 0] & i \text{ odd} \end{cases}",
        params=(DIM,),
        output_range=None,
        elementwise=False,
        paper=EIDNES_2017,
        checked="ICLR 2018 Workshop abstract (OpenReview B1XqwdoIz; arXiv:1709.04054): a bipolar "
        "extension of the ReLU family that shifts the mean activation towards zero, "
        "consistent; the even/odd rule f(x), -f(-x) was not in the text read",
        notes="Units alternate along dim (pass dim=1 for the channels of NCHW). Kunc & Kléma "
        "2024, §3.6.35.",
        test_params=({"dim": 0},),
    )
)

register(
    ActivationSpec(
        name="bipolar_elu",
        class_name="BipolarELU",
        family="multi-input",
        summary="Bipolar ELU: elu(x) on even units along dim and -elu(-x) on odd ones.",
        fn=_bipolar("bipolar_elu", F.elu),
        ref=_ref_bipolar(lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))),
        formula=r"\begin{cases} \operatorname{elu}(x_i) & i \text{ even} \\ "
        r"-\operatorname{elu}(-x_i) & i \text{ odd} \end{cases}",
        formula_d1=r"\frac{\partial f_i}{\partial x_i} = \begin{cases} \operatorname{elu}'(x_i) "
        r"& i \text{ even} \\ \operatorname{elu}'(-x_i) & i \text{ odd} \end{cases}",
        params=(DIM,),
        output_range=None,
        elementwise=False,
        paper=EIDNES_2017,
        checked="ICLR 2018 Workshop abstract (OpenReview B1XqwdoIz; arXiv:1709.04054): a bipolar "
        "extension of the ReLU family (ELU included) that shifts the mean activation "
        "towards zero, consistent; the even/odd rule was not in the text read",
        notes="elu with alpha = 1. Kunc & Kléma 2024, §3.6.35.",
        test_params=({"dim": 0},),
    )
)


def _groupsort(x: torch.Tensor, pieces: int, dim: int) -> torch.Tensor:
    groups, axis = _groups(x, pieces, dim, "groupsort")
    return groups.sort(dim=axis, descending=True).values.flatten(axis - 1, axis)


def _ref_groupsort(x: np.ndarray, pieces: int, dim: int) -> np.ndarray:
    return _np_ungroup(-np.sort(-_np_groups(x, pieces, dim), axis=-1), dim)


register(
    ActivationSpec(
        name="groupsort",
        class_name="GroupSort",
        family="multi-input",
        summary="GroupSort: sort each group of `pieces` consecutive inputs (largest first); a "
        "gradient-norm-preserving activation for Lipschitz networks (pieces = 2 is MaxMin, "
        "i.e. OPLU).",
        fn=_groupsort,
        ref=_ref_groupsort,
        formula=r"\operatorname{sort}_\downarrow(x_{p i}, \dots, x_{p i + p - 1}) \text{ for each "
        r"group } i",
        formula_d1=r"\text{a permutation matrix: } \partial f / \partial x \in \{0, 1\}",
        params=(
            Param(
                "pieces",
                2,
                kind=int,
                valid=Interval(2.0, INF),
                doc="Group size (2: MaxMin); the size of dim must be divisible by it.",
            ),
            DIM,
        ),
        output_range=None,
        elementwise=False,
        paper="Anil, Lucas & Grosse, 'Sorting Out Lipschitz Function Approximation', ICML 2019",
        checked="ICML 2019 abstract (icml.cc; arXiv:1811.05381): the gradient-norm-preserving "
        "GroupSort; public LNets-derived code (via find_string) sorts each group ascending "
        "while its MaxMin returns (max, min): the descending order here is a permutation "
        "convention",
        notes="Sorted in decreasing order within each group; the default group size 2 is the "
        "paper's MaxMin, the same function as oplu. Public code derived from the authors' "
        "(LNets) sorts groups in increasing order but returns (max, min) for MaxMin; the order "
        "is a fixed permutation, which the next linear layer absorbs.",
        test_params=({"pieces": 3}, {"pieces": 4}, {"pieces": 2, "dim": 0}),
    )
)
