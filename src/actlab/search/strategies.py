"""How candidates are proposed: exhaustive enumeration, random sampling, and regularized
(aging) evolution with mutation and crossover on the core-unit trees.

Every proposal goes through the `Pool`, so a candidate equal (by canonical text or
fingerprint) to one already proposed, non-finite or constant is never trained. All three are
deterministic for a given seed and the stored fitness values, so a resumed search proposes
the same candidates and finds their runs in the store.

Evolution follows Real et al., "Regularized Evolution for Image Classifier Architecture
Search" (AAAI 2019), with Bingham & Miikkulainen's operators on activation trees ("Evolutionary
Optimization of Deep Learning Activation Functions", GECCO 2020): a child is a mutation (one
node of the tree — a unary or binary operation, or where an input comes from — replaced by
another) of the winner of a tournament, or a crossover of two winners (each node taken from
either parent) followed by a mutation; the oldest member leaves the population. A child's β
values are learned by gradient descent in the child network, as in Bingham & Miikkulainen's
"Discovering Parametric Activation Functions" (Neural Networks 2022).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Sequence

from actlab.search.config import SearchConfig
from actlab.search.fingerprint import Candidate, Pool
from actlab.search.space import Space, expression

Evaluate = Callable[[Sequence[Candidate]], dict[str, float]]
MAX_TRIES = 200  # proposals per new candidate before the space counts as exhausted


def exhaustive(space: Space, pool: Pool, limit: int | None = None) -> list[Candidate]:
    """Every genome of `space`, in order; the first `limit` distinct candidates (None: all)."""
    for genome in space.genomes():
        if limit is not None and len(pool.candidates) >= limit:
            break
        pool.add(expression(genome), genome)
    return list(pool.candidates)


def _new(pool: Pool, propose: Callable[[], tuple[str, ...]]) -> Candidate | None:
    """Propose genomes until one gives a candidate not seen before (None after MAX_TRIES)."""
    for _ in range(MAX_TRIES):
        before = len(pool.candidates)
        genome = propose()
        pool.add(expression(genome), genome)
        if len(pool.candidates) > before:
            return pool.candidates[-1]
    return None


def random_sample(space: Space, pool: Pool, count: int, rng: random.Random) -> list[Candidate]:
    """`count` distinct candidates drawn uniformly over genomes (fewer if the space has fewer)."""
    out = []
    while len(out) < count:
        found = _new(pool, lambda: space.sample(rng))
        if found is None:
            break
        out.append(found)
    return out


def mutate(space: Space, genome: Sequence[str], rng: random.Random) -> tuple[str, ...]:
    """One gene (a node of the tree) replaced by another choice of the same kind."""
    genes = space.genes
    i = rng.choice([k for k, choices in enumerate(genes) if len(choices) > 1] or [0])
    child = list(genome)
    others = [c for c in genes[i] if c != genome[i]]
    if others:
        child[i] = rng.choice(others)
    return tuple(child)


def crossover(a: Sequence[str], b: Sequence[str], rng: random.Random) -> tuple[str, ...]:
    """Each gene from either parent (uniform crossover of the trees' nodes)."""
    return tuple(x if rng.random() < 0.5 else y for x, y in zip(a, b, strict=True))


def evolve(
    config: SearchConfig, pool: Pool, evaluate: Evaluate, rng: random.Random
) -> list[Candidate]:
    """Regularized evolution for `config.max_candidates` evaluations, `config.generation`
    children at a time; returns every candidate evaluated, in order."""
    space = config.search_space
    budget = int(config.max_candidates or 0)
    population: deque[tuple[Candidate, float]] = deque()
    evaluated: list[Candidate] = []

    def winner() -> Candidate:
        entrants = rng.sample(list(population), min(config.tournament, len(population)))
        return max(entrants, key=lambda e: (e[1], e[0].expression))[0]

    def child() -> tuple[str, ...]:
        if len(population) < config.population:  # the first population is random
            return space.sample(rng)
        parent = winner().genome
        if rng.random() < 0.5:
            parent = crossover(parent, winner().genome, rng)
        return mutate(space, parent, rng)

    while len(evaluated) < budget:
        size = min(config.generation, budget - len(evaluated))
        if len(population) < config.population:
            size = min(size, config.population - len(population))
        children = []
        for _ in range(size):
            found = _new(pool, child)
            if found is None:
                break
            children.append(found)
        if not children:
            break
        scores = evaluate(children)
        for c in children:
            population.append((c, scores[c.label]))
            if len(population) > config.population:
                population.popleft()  # aging: the oldest leaves, however good
        evaluated.extend(children)
    return evaluated
