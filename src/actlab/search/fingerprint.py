"""Filter candidates before any training: drop non-finite and constant functions and merge
duplicates, by a fingerprint of each function's values and derivative on a fixed grid.

The fingerprint evaluates f and f′ (autograd) in float64 at `GRID` (97 points on [-6, 6]
and ±8, ±12, ±20, all shifted by 0.0123 off the likely kinks), with every β at 1 and again at 0.5 (so a learnable family and its fixed
member differ), and rounds them to 6 significant digits: two expressions with the same
fingerprint are the same function within that tolerance (``x*sigmoid(x)``, ``sigmoid(x)*x``
and ``x - x*sigmoid(-x)`` are scored once). A candidate whose f or f′ is not finite anywhere
on the grid, or in float32 (the dtype it trains in) at ±100 and ±1000, is dropped, as is one
whose f is constant on the grid.
Of each group of equal functions the shortest expression represents the others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import torch

from actlab.expr import ExpressionError, canonical_tree, evaluate, show
from actlab.expr.tree import Node

# Shifted off 0 and the integers, where kinks sit and a tie's gradient is a convention
# (torch.maximum splits it): max(x, relu(x)) and relu(x) must get one fingerprint.
GRID = (
    np.concatenate([[-20.0, -12.0, -8.0], np.linspace(-6.0, 6.0, 97), [8.0, 12.0, 20.0]]) + 0.0123
)
FAR = np.array([-1e3, -1e2, 1e2, 1e3])
BETAS = (1.0, 0.5)
DIGITS = 6


@dataclass(frozen=True)
class Fingerprint:
    status: str  # "ok", "non-finite", "constant" or "invalid"
    key: str = ""
    values: tuple[float, ...] = ()  # f on GRID at β = 1 (for plots and families)


def _curves(
    tree: Node, x: np.ndarray, beta: float, dtype: torch.dtype = torch.float64
) -> tuple[np.ndarray, np.ndarray]:
    t = torch.tensor(x, dtype=dtype, requires_grad=True)
    values = _Beta(beta, dtype)
    with torch.enable_grad():
        y = evaluate(tree, t, values)
        grad = torch.autograd.grad(y.sum(), t, allow_unused=True)[0] if y.requires_grad else None
    d1 = torch.zeros_like(t) if grad is None else grad
    return y.detach().numpy(), d1.numpy()


class _Beta(dict):
    """Every parameter name maps to the same value."""

    def __init__(self, value: float, dtype: torch.dtype) -> None:
        super().__init__()
        self.value = torch.tensor(value, dtype=dtype)

    def __getitem__(self, key: str) -> torch.Tensor:
        return self.value


def _rounded(a: np.ndarray) -> np.ndarray:
    a = np.where(np.abs(a) < 1e-12, 0.0, a)  # -0.0 and float dust alike
    return np.array([float(f"{v:.{DIGITS - 1}e}") for v in a])


def fingerprint(tree: Node) -> Fingerprint:
    """The fingerprint of a canonical tree (see the module docstring)."""
    parts, first = [], None
    for beta in BETAS:
        f, d1 = _curves(tree, GRID, beta)
        far, far_d1 = _curves(tree, FAR, beta, torch.float32)
        if not all(np.all(np.isfinite(a)) for a in (f, d1, far, far_d1)):
            return Fingerprint("non-finite")
        if first is None:
            first = f
            if np.ptp(f) <= 1e-9 * (1.0 + np.abs(f).max()):
                return Fingerprint("constant")
        parts.append(_rounded(f).tobytes() + _rounded(d1).tobytes())
        if not _has_params(tree):
            break
    key = hashlib.sha256(b"".join(parts)).hexdigest()[:20]
    return Fingerprint("ok", key, tuple(float(v) for v in first))


def _has_params(tree: Node) -> bool:
    return tree.kind == "param" or any(_has_params(c) for c in tree.children)


@dataclass
class Candidate:
    """A distinct function: its representative expression and the others equal to it."""

    expression: str
    key: str
    values: tuple[float, ...]
    genome: tuple[str, ...] = ()
    members: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "expr:" + self.expression


@dataclass
class Pool:
    """The result of filtering: distinct candidates (in first-seen order) and the counts."""

    candidates: list[Candidate] = field(default_factory=list)
    proposed: int = 0  # genomes or expressions looked at
    canonical: int = 0  # distinct canonical texts among them
    dropped: dict[str, int] = field(
        default_factory=lambda: {"non-finite": 0, "constant": 0, "invalid": 0}
    )
    by_key: dict[str, Candidate] = field(default_factory=dict)
    seen: dict[str, str] = field(default_factory=dict)  # canonical text -> key or status

    @property
    def duplicates(self) -> int:
        return self.canonical - len(self.candidates) - sum(self.dropped.values())

    def add(self, text: str, genome: tuple[str, ...] = ()) -> Candidate | None:
        """Look at one expression; the candidate it belongs to, None if it was dropped."""
        self.proposed += 1
        try:
            tree, _ = canonical_tree(text)
        except ExpressionError:
            tree = None
        canonical = show(tree) if tree is not None else text
        if canonical in self.seen:
            return self.by_key.get(self.seen[canonical])
        self.canonical += 1
        fp = fingerprint(tree) if tree is not None else Fingerprint("invalid")
        if fp.status != "ok":
            self.dropped[fp.status] += 1
            self.seen[canonical] = fp.status
            return None
        self.seen[canonical] = fp.key
        found = self.by_key.get(fp.key)
        if found is None:
            found = Candidate(canonical, fp.key, fp.values, genome)
            self.by_key[fp.key] = found
            self.candidates.append(found)
        elif (len(canonical), canonical) < (len(found.expression), found.expression):
            found.members.append(found.expression)  # a shorter text represents the group
            found.expression, found.genome = canonical, genome
        else:
            found.members.append(canonical)
        return found

    def extend(self, items: Iterable[tuple[str, tuple[str, ...]]]) -> None:
        for text, genome in items:
            self.add(text, genome)

    def summary(self) -> dict[str, int]:
        return {
            "proposed": self.proposed,
            "canonical": self.canonical,
            "non_finite": self.dropped["non-finite"],
            "constant": self.dropped["constant"],
            "invalid": self.dropped["invalid"],
            "duplicates": self.duplicates,
            "distinct": len(self.candidates),
        }
