"""Search spaces of activation functions built from core units, as in Ramachandran, Zoph &
Le, "Searching for Activation Functions" (arXiv:1710.05941, 2017).

A core unit is b(u₁(y₁), u₂(y₂)): two unary operations u and one binary operation b. The
`core1` space is one unit on x; `core2` is two units, where each input of the second unit is
x or the first unit's output. The operations are the paper's: 25 unary and 10 binary (`UNARY`,
`BINARY`; `actlab search --list-ops` prints them). The β of each operation is its own
learnable scalar (``beta``, ``beta2``, ... in the expression), initialised to 1.

A candidate's *genome* is the tuple of its operation names: (u₁, u₂, b) for one unit, and
(u₁, u₂, b₁, i₃, u₃, i₄, u₄, b₂) for two, where i₃, i₄ ∈ {"x", "y"} pick the second unit's
inputs (y: the first unit). `expression(genome)` turns it into text of the `actlab.expr`
language; mutation and crossover (`actlab.search.evolution`) change genes, i.e. nodes of the
core-unit tree.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Op:
    """One operation: its name, arity, how it is written (`template` over u or a, b and β)."""

    name: str
    arity: int
    template: str
    paper: str  # the paper's notation

    def build(self, args: Sequence[str], beta: Callable[[], str]) -> str:
        text = self.template
        for name, value in zip(("a", "b") if self.arity == 2 else ("u",), args, strict=True):
            text = text.replace("{" + name + "}", f"({value})")
        if "{beta}" in text:  # one β per operation: mix's β and 1 − β are the same one
            text = text.replace("{beta}", beta())
        return text


_UNARY = (
    Op("x", 1, "{u}", "x"),
    Op("neg", 1, "-{u}", "−x"),
    Op("abs", 1, "abs({u})", "|x|"),
    Op("square", 1, "{u}^2", "x²"),
    Op("cube", 1, "{u}^3", "x³"),
    Op("sqrt", 1, "sqrt({u})", "√x"),
    Op("scale", 1, "{beta}*{u}", "βx"),
    Op("shift", 1, "{u} + {beta}", "x + β"),
    Op("log", 1, "log({u})", "log(|x| + ε)"),
    Op("exp", 1, "exp({u})", "exp(x)"),
    Op("sin", 1, "sin({u})", "sin(x)"),
    Op("cos", 1, "cos({u})", "cos(x)"),
    Op("sinh", 1, "sinh({u})", "sinh(x)"),
    Op("cosh", 1, "cosh({u})", "cosh(x)"),
    Op("tanh", 1, "tanh({u})", "tanh(x)"),
    Op("asinh", 1, "asinh({u})", "sinh⁻¹(x)"),
    Op("atan", 1, "atan({u})", "tan⁻¹(x)"),
    Op("sinc", 1, "sinc({u})", "sinc(x)"),
    Op("relu", 1, "max({u}, 0)", "max(x, 0)"),
    Op("minzero", 1, "min({u}, 0)", "min(x, 0)"),
    Op("sigmoid", 1, "sigmoid({u})", "σ(x)"),
    Op("softplus", 1, "softplus({u})", "log(1 + eˣ)"),
    Op("gauss", 1, "exp(-{u}^2)", "exp(−x²)"),
    Op("erf", 1, "erf({u})", "erf(x)"),
    Op("const", 1, "{beta}", "β"),
)
_BINARY = (
    Op("add", 2, "{a} + {b}", "x₁ + x₂"),
    Op("mul", 2, "{a}*{b}", "x₁·x₂"),
    Op("sub", 2, "{a} - {b}", "x₁ − x₂"),
    Op("div", 2, "{a}/{b}", "x₁/(x₂ + ε)"),
    Op("max", 2, "max({a}, {b})", "max(x₁, x₂)"),
    Op("min", 2, "min({a}, {b})", "min(x₁, x₂)"),
    Op("sigmoid_mul", 2, "sigmoid({a})*{b}", "σ(x₁)·x₂"),
    Op("gauss_dist", 2, "exp(-{beta}*({a} - {b})^2)", "exp(−β(x₁ − x₂)²)"),
    Op("laplace_dist", 2, "exp(-{beta}*abs({a} - {b}))", "exp(−β|x₁ − x₂|)"),
    Op("mix", 2, "{beta}*{a} + (1 - {beta})*{b}", "βx₁ + (1 − β)x₂"),
)
UNARY: dict[str, Op] = {op.name: op for op in _UNARY}
BINARY: dict[str, Op] = {op.name: op for op in _BINARY}
SPACES = ("core1", "core2")
INPUTS = ("x", "y")


class SpaceError(ValueError):
    """A search space that cannot be built (unknown operation, too large to enumerate)."""


@dataclass(frozen=True)
class Space:
    """A search space: `core1` or `core2` over the chosen unary and binary operations."""

    kind: str = "core1"
    unary: tuple[str, ...] = tuple(UNARY)
    binary: tuple[str, ...] = tuple(BINARY)

    def __post_init__(self) -> None:
        if self.kind not in SPACES:
            raise SpaceError(f"space must be one of {', '.join(SPACES)}, got {self.kind!r}")
        for what, names, table in (("unary", self.unary, UNARY), ("binary", self.binary, BINARY)):
            if not names:
                raise SpaceError(f"--{what} names no operation; `actlab search --list-ops`")
            unknown = [n for n in names if n not in table]
            if unknown:
                import difflib

                close = difflib.get_close_matches(unknown[0], list(table), n=3)
                hint = f" (did you mean {', '.join(close)}?)" if close else ""
                raise SpaceError(
                    f"unknown {what} operation {unknown[0]!r}{hint}; valid: {', '.join(table)}"
                )
            if len(set(names)) != len(names):
                raise SpaceError(f"--{what} lists an operation twice: {', '.join(names)}")

    @property
    def genes(self) -> list[tuple[str, ...]]:
        """The choices of each gene, in genome order."""
        unit = [self.unary, self.unary, self.binary]
        if self.kind == "core1":
            return unit
        return [*unit, INPUTS, self.unary, INPUTS, self.unary, self.binary]

    @property
    def size(self) -> int:
        """Number of genomes (before canonical forms and fingerprints merge equal ones)."""
        return math.prod(len(g) for g in self.genes)

    def genomes(self) -> Iterator[tuple[str, ...]]:
        """Every genome, in a fixed order (exhaustive search)."""
        return itertools.product(*self.genes)

    def sample(self, rng: random.Random) -> tuple[str, ...]:
        return tuple(rng.choice(choices) for choices in self.genes)


def expression(genome: Sequence[str]) -> str:
    """The expression text of a genome (every β a new parameter: beta, beta2, ...)."""
    counter = itertools.count(1)

    def beta() -> str:
        n = next(counter)
        return "beta" if n == 1 else f"beta{n}"

    u1, u2, b = genome[:3]
    first = BINARY[b].build([UNARY[u1].build(["x"], beta), UNARY[u2].build(["x"], beta)], beta)
    if len(genome) == 3:
        return first
    i3, u3, i4, u4, b2 = genome[3:]
    inputs = {"x": "x", "y": first}
    return BINARY[b2].build(
        [UNARY[u3].build([inputs[i3]], beta), UNARY[u4].build([inputs[i4]], beta)], beta
    )


def list_ops() -> list[dict[str, str]]:
    """Rows for `actlab search --list-ops`: name, arity, paper notation, expression form."""
    rows = []
    for op in (*_UNARY, *_BINARY):
        args = ["x"] if op.arity == 1 else ["x1", "x2"]
        form = op.template
        for name, value in zip(("u",) if op.arity == 1 else ("a", "b"), args, strict=True):
            form = form.replace("{" + name + "}", value)
        rows.append(
            {"name": op.name, "kind": "unary" if op.arity == 1 else "binary", "paper": op.paper,
             "expression": form.replace("{beta}", "beta")}
        )  # fmt: skip
    return rows
