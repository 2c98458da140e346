"""`SearchConfig`: a whole search — space, strategy, proxy task, budgets, where runs execute —
typed and checked when it is made; `from_dict` rejects unknown keys naming close matches.

Budgets are successive halving (Jamieson & Talwalkar 2016; Li et al.'s Hyperband 2018):
`rungs` lists (epochs, seeds) per rung; every distinct candidate trains at rung 0, and the
best 1/`eta` of each rung (by mean validation score over its seeds, never the test set) go on
to the next. The `finalists` best of the last rung then train `final_seeds` new seeds (none
that a rung used, so the runs that chose them are not reused to judge them) of
`final_epochs` against `baseline` (test score, 95% t-interval, Welch's t-test with Holm's
correction), and again on each `transfer` setting (another dataset, another model).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from actlab.search.space import BINARY, SPACES, UNARY, Space
from actlab.train.config import Training

STRATEGIES = ("exhaustive", "random", "evolution")
FITNESS = ("val_acc", "val_loss")
# The proxy task: an MLP of 3 hidden layers of 128 on MNIST-1D, Adam 3e-3, batch 128. One
# epoch is 29 steps, about 0.1 s of one core. The first rung is 3 epochs: in the rung-0
# budget study (benchmarks/search_rung0_budget.py, docs/search.md) 1 epoch ranked 120 core1
# candidates with Spearman ρ 0.76 against 12 epochs × 2 seeds and kept half of the true best
# fifth; 3 epochs, ρ 0.87 and 71%. 6 epochs then thin the rest before the multi-seed rungs.
DEFAULT_MODEL_OPTIONS = {"hidden": 128, "depth": 3}
DEFAULT_TRAINING = Training(epochs=1, lr=3e-3, batch_size=128)
DEFAULT_RUNGS = ((3, 1), (6, 1), (15, 2), (15, 3))
DEFAULT_TRANSFER = (("digits", "mlp"), ("mnist1d", "mnist1d_cnn"))


class SearchConfigError(ValueError):
    """A search setting that cannot be used; the message names it and what is valid."""


@dataclass(frozen=True)
class SearchConfig:
    """Everything `actlab.search.run_search` needs. Defaults are `actlab search`'s.

    `max_candidates` caps the distinct candidates scored at rung 0 (exhaustive: the first N
    in enumeration order; random: N samples; evolution: N evaluations); None scores every
    candidate of an exhaustive search and is required to be set for random and evolution.
    `population` and `tournament` are regularized (aging) evolution's (Real et al. 2019):
    each child is a mutation, or a crossover then a mutation, of tournament winners, and the
    oldest member leaves the population; `generation` children are trained at once.
    `transfer` lists (dataset, model) settings the finalists are re-trained on; the search's
    model options apply to settings with the search's model, other models use their defaults.
    """

    space: str = "core1"
    unary: tuple[str, ...] = tuple(UNARY)
    binary: tuple[str, ...] = tuple(BINARY)
    strategy: str = "exhaustive"
    max_candidates: int | None = None
    seed: int = 0
    dataset: str = "mnist1d"
    model: str = "mlp"
    model_options: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_MODEL_OPTIONS))
    training: Training = DEFAULT_TRAINING
    fitness: str = "val_acc"
    rungs: tuple[tuple[int, int], ...] = DEFAULT_RUNGS
    eta: int = 5
    finalists: int = 3
    final_epochs: int = 15
    final_seeds: int = 5
    baseline: str = "relu"
    transfer: tuple[tuple[str, str], ...] = DEFAULT_TRANSFER
    population: int = 64
    tournament: int = 8
    generation: int = 32
    workers: int | None = None
    threads: int | None = None
    device: str = "auto"
    backend: str = "local"
    ray_address: str | None = None
    cpus_per_run: float | None = None
    gpus_per_run: float | None = None
    max_retries: int | None = None
    ray_runtime_env: dict[str, Any] | None = None
    out: str | None = None

    def __post_init__(self) -> None:
        _check(self)

    @property
    def search_space(self) -> Space:
        return Space(self.space, self.unary, self.binary)

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["training"] = self.training.to_dict()
        data["rungs"] = [list(r) for r in self.rungs]
        data["transfer"] = [list(t) for t in self.transfer]
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    def replace(self, **changes: Any) -> SearchConfig:
        return from_dict({**self.to_dict(), **changes})

    def backend_keys(self) -> dict[str, Any]:
        """The keys an `ExperimentConfig` of each stage takes from the search."""
        names = ("workers", "threads", "device", "backend", "ray_address", "cpus_per_run",
                 "gpus_per_run", "max_retries", "ray_runtime_env")  # fmt: skip
        return {n: getattr(self, n) for n in names}


FIELDS = tuple(f.name for f in dataclasses.fields(SearchConfig))


def parse_rungs(text: str) -> tuple[tuple[int, int], ...]:
    """``"2:1,6:1,12:2"`` -> ((2, 1), (6, 1), (12, 2)): epochs:seeds per rung."""
    rungs = []
    for item in (p.strip() for p in str(text).split(",") if p.strip()):
        epochs, _, seeds = item.partition(":")
        try:
            rungs.append((int(epochs), int(seeds or 1)))
        except ValueError:
            raise SearchConfigError(
                f"rungs: {item!r} is not EPOCHS:SEEDS (e.g. 2:1,6:1,12:2)"
            ) from None
    return tuple(rungs)


def parse_transfer(text: str) -> tuple[tuple[str, str], ...]:
    """``"digits:mlp,mnist1d:mnist1d_cnn"`` -> settings; ``"none"`` -> ()."""
    if str(text).strip().lower() in ("", "none"):
        return ()
    out = []
    for item in (p.strip() for p in str(text).split(",") if p.strip()):
        dataset, sep, model = item.partition(":")
        if not sep or not dataset or not model:
            raise SearchConfigError(f"transfer: {item!r} is not DATASET:MODEL (e.g. digits:mlp)")
        out.append((dataset.strip(), model.strip()))
    return tuple(out)


def from_dict(data: Mapping[str, Any]) -> SearchConfig:
    """A `SearchConfig` from plain values (flags, YAML); unknown keys are errors. Training
    keys (lr, batch_size, optimizer, ...) may be flat or under ``training``."""
    from actlab.train.config import FIELDS as TRAINING_FIELDS

    values: dict[str, Any] = {}
    training = dict(data.get("training") or {})
    for key, value in data.items():
        if key == "training":
            continue
        if key in TRAINING_FIELDS:
            training[key] = value
        elif key not in FIELDS:
            close = difflib.get_close_matches(key, [*FIELDS, *TRAINING_FIELDS], n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise SearchConfigError(f"unknown search setting {key!r}{hint}")
        else:
            values[key] = value
    for key in ("unary", "binary"):
        if isinstance(values.get(key), str):
            values[key] = tuple(p.strip() for p in values[key].split(",") if p.strip())
        elif values.get(key) is not None:
            values[key] = tuple(values[key])
    if isinstance(values.get("rungs"), str):
        values["rungs"] = parse_rungs(values["rungs"])
    elif values.get("rungs") is not None:
        values["rungs"] = tuple(tuple(r) for r in values["rungs"])
    if isinstance(values.get("transfer"), str):
        values["transfer"] = parse_transfer(values["transfer"])
    elif values.get("transfer") is not None:
        values["transfer"] = tuple(tuple(t) for t in values["transfer"])
    try:
        values["training"] = DEFAULT_TRAINING.replace(**training)
        return SearchConfig(**values)
    except (TypeError, ValueError) as error:
        raise SearchConfigError(str(error)) from None


def _positive_int(name: str, value: Any, low: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise SearchConfigError(f"{name} must be an integer >= {low}, got {value!r}")


def _one_of(name: str, value: Any, valid: tuple[str, ...]) -> None:
    if value not in valid:
        close = difflib.get_close_matches(str(value), valid, n=2)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise SearchConfigError(f"{name} must be one of {', '.join(valid)}, got {value!r}{hint}")


def _check(c: SearchConfig) -> None:
    from actlab.search.space import SpaceError

    _one_of("space", c.space, SPACES)
    _one_of("strategy", c.strategy, STRATEGIES)
    _one_of("fitness", c.fitness, FITNESS)
    try:
        space = c.search_space
    except SpaceError as error:
        raise SearchConfigError(str(error)) from None
    if c.max_candidates is not None:
        _positive_int("max_candidates", c.max_candidates)
    elif c.strategy != "exhaustive":
        raise SearchConfigError(f"strategy {c.strategy} needs max_candidates (--max-candidates N)")
    elif space.size > 200_000:
        raise SearchConfigError(
            f"the {c.space} space over these operations has {space.size:,} genomes, too many to "
            "enumerate: use --strategy random or evolution with --max-candidates, or fewer "
            "--unary/--binary operations"
        )
    _positive_int("seed", c.seed, 0)
    if not c.rungs:
        raise SearchConfigError("rungs must list at least one EPOCHS:SEEDS budget")
    for epochs, seeds in c.rungs:
        _positive_int("rungs: epochs", epochs)
        _positive_int("rungs: seeds", seeds)
    _positive_int("eta", c.eta, 2)
    _positive_int("finalists", c.finalists, 0)
    _positive_int("final_epochs", c.final_epochs)
    _positive_int("final_seeds", c.final_seeds, 2)
    for name in ("population", "tournament", "generation"):
        _positive_int(name, getattr(c, name), 2 if name == "tournament" else 1)
    if c.tournament > c.population:
        raise SearchConfigError(
            f"tournament ({c.tournament}) must not exceed population ({c.population})"
        )
    if not isinstance(c.model_options, Mapping):
        raise SearchConfigError(
            f"model_options must map option names to values, got {c.model_options!r}"
        )
    from actlab.experiments.checks import BACKENDS, RAY_KEYS

    _one_of("backend", c.backend, BACKENDS)
    given = [k for k in RAY_KEYS if getattr(c, k) is not None]
    if c.backend == "local" and given:
        raise SearchConfigError(
            f"{', '.join(given)}: option(s) of the Ray backend; add --backend ray to run on Ray"
        )
    if c.training.val_fraction <= 0:
        raise SearchConfigError("the search chooses on validation data: val_fraction must be > 0")
    if not math.isfinite(c.training.lr):
        raise SearchConfigError("lr must be finite")
