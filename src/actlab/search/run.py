"""`run_search`: propose and filter candidates, score them by successive halving, re-train the
finalists against the baseline, check transfer, rank, write the outputs.

The output folder holds `runs/` (the experiment store, `results.sqlite`, shared by every
stage) and the search's own files (`ranking.json`, `ranking.csv`, `candidates.csv`,
`report.html`, figures). The whole search holds the folder's lock; each stage is an
experiment (`actlab.search.stages`), so every run is committed as it finishes and a search
run again with the same settings skips every run already in the store.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from pathlib import Path

from actlab.experiments import ExperimentError, ExperimentResult
from actlab.experiments.experiment import default_out
from actlab.experiments.lock import DirectoryLockedError, experiment_lock
from actlab.experiments.runner import runner_for
from actlab.experiments.stats import summarise
from actlab.search.config import SearchConfig
from actlab.search.fingerprint import Candidate, Pool
from actlab.search.result import SearchResult, rank
from actlab.search.stages import (
    Reporter,
    StageInfo,
    busy_seconds,
    fitness,
    mean,
    run_stage,
    stage_config,
)
from actlab.search.strategies import evolve, exhaustive, random_sample

RUNS = "runs"


class SearchError(RuntimeError):
    """The search cannot run (locked folder, data or model that cannot be used, ...)."""


def propose(config: SearchConfig, pool: Pool) -> list[Candidate]:
    """The candidates of an exhaustive or random search (evolution proposes while it runs)."""
    if config.strategy == "exhaustive":
        return exhaustive(config.search_space, pool, config.max_candidates)
    rng = random.Random(config.seed)
    return random_sample(config.search_space, pool, int(config.max_candidates or 0), rng)


def rung_sizes(config: SearchConfig, n: int) -> list[int]:
    """Candidates trained at each rung when `n` start: ceil(1/eta) of the last, at least the
    finalists."""
    sizes = [n]
    for _ in config.rungs[1:]:
        sizes.append(min(sizes[-1], max(math.ceil(sizes[-1] / config.eta), config.finalists)))
    return sizes


def _promote(labels: Sequence[str], scores: dict[str, list[float]], keep: int) -> list[str]:
    """The `keep` best labels by mean fitness (ties: by text, so the choice is repeatable)."""
    return sorted(labels, key=lambda label: (-mean(scores.get(label, [])), label))[:keep]


class _Search:
    """One search's state while it runs (stages done, fitness per rung, the runner)."""

    def __init__(self, config: SearchConfig, out: Path, quiet: bool) -> None:
        self.config, self.out, self.runs = config, out, out / RUNS
        self.reporter = Reporter(quiet=quiet)
        self.stages: list[StageInfo] = []
        self.scores: list[dict[str, list[float]]] = []  # per rung: label -> fitness per seed
        self.runner = None
        self.fresh = False
        self.final_records: list = []
        self.counted: set[str] = set()  # runs whose time an earlier stage counted

    def stage(self, info: StageInfo, labels: Sequence[str]) -> ExperimentResult:
        if self.runner is None:
            first = stage_config(self.config, labels, info.epochs, info.seeds, self.runs)
            self.runner = runner_for(first)
        result = run_stage(
            self.config, info, labels, self.runs, self.runner, self.reporter, fresh=self.fresh
        )
        self.fresh = False
        # A rung that adds seeds to the previous rung's budget (15 × 2, then 15 × 3) gets the
        # runs it shares with it back from the store: their time is that stage's, not this one's.
        new = [r for r in result.records if r.config_hash not in self.counted]
        info.busy_seconds = busy_seconds(new)
        self.counted.update(r.config_hash for r in new)
        self.stages.append(info)
        return result

    def rung(self, index: int, labels: Sequence[str], name: str | None = None) -> dict[str, float]:
        epochs, seeds = self.config.rungs[index]
        baseline = self.config.baseline
        info = StageInfo(
            name or f"rung {index}", self.config.dataset, self.config.model, epochs, seeds,
            len(labels) + 1,
        )  # fmt: skip
        result = self.stage(info, [*labels, baseline] if baseline not in labels else labels)
        scores = fitness(result.records, self.config.fitness)
        if index == len(self.scores):
            self.scores.append({})
        self.scores[index].update(scores)
        return {label: mean(v) for label, v in scores.items()}

    def close(self) -> None:
        if self.runner is not None and hasattr(self.runner, "close"):
            self.runner.close()


def run_search(config: SearchConfig, fresh: bool = False, quiet: bool = False) -> SearchResult:
    """Run (or resume) the search `config` describes; see the module docstring."""
    from actlab.search.outputs import write_outputs

    clock = time.perf_counter()
    out = Path(config.out) if config.out is not None else default_out(kind="search")
    config = config.replace(out=str(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SearchError(
            f"cannot use {out} as the output folder ({error.strerror or error})"
        ) from None
    search = _Search(config, out, quiet)
    search.fresh = fresh
    pool = Pool()
    import torch

    threads = torch.get_num_threads()
    # The driver only filters, plans and writes: one thread, so that it never competes with
    # the runs' own threads (with --workers 1 the runner sets the threads of its runs).
    torch.set_num_threads(1)
    try:
        with experiment_lock(out):
            scored = _rung_zero(search, pool)
            labels = [c.label for c in scored]
            for index in range(1, len(config.rungs)):
                keep = rung_sizes(config, len(labels))[1]
                labels = _promote(labels, search.scores[index - 1], keep)
                search.rung(index, labels)
            finalists = _promote(labels, search.scores[-1], config.finalists)
            final, transfer = _final(search, finalists)
    except (DirectoryLockedError, ExperimentError) as error:
        raise SearchError(str(error)) from None
    finally:
        search.close()
        torch.set_num_threads(threads)
    result = SearchResult(
        config=config,
        out=out,
        filtering=pool.summary(),
        candidates=scored,
        stages=search.stages,
        scores=search.scores,
        final=final,
        transfer=transfer,
        seconds=time.perf_counter() - clock,
        final_records=search.final_records,
    )
    result.ranking = rank(result)
    result.files = write_outputs(result)  # its own time is not in result.seconds
    return result


def _rung_zero(search: _Search, pool: Pool) -> list[Candidate]:
    """Propose, filter and score every candidate at the first rung's budget."""
    config = search.config
    if config.strategy != "evolution":
        candidates = propose(config, pool)
        if not candidates:
            raise SearchError("the space holds no finite, non-constant candidate")
        search.rung(0, [c.label for c in candidates])
        return candidates
    generation = iter(range(10**9))

    def evaluate(children: Sequence[Candidate]) -> dict[str, float]:
        return search.rung(0, [c.label for c in children], f"rung 0, generation {next(generation)}")

    return evolve(config, pool, evaluate, random.Random(config.seed))


def _final(search: _Search, finalists: list[str]):
    """The finalists and the baseline, `final_seeds` new seeds (after the rungs' seeds) of
    `final_epochs`: on the search's setting, then on each transfer setting. Returns (summary
    rows, {setting: rows})."""
    config = search.config
    if not finalists:
        return [], {}
    labels = [*finalists, config.baseline]
    settings = [(config.dataset, config.model), *config.transfer]
    # Seeds the rungs did not use: a rung with the final budget would otherwise hand its runs,
    # whose validation scores chose the finalists, to the final comparison (winner's curse).
    first_seed = max(seeds for _, seeds in config.rungs)
    rows, transfer = [], {}
    for i, (dataset, model) in enumerate(settings):
        name = "final" if i == 0 else f"transfer {dataset}/{model}"
        info = StageInfo(name, dataset, model, config.final_epochs, config.final_seeds, len(labels),
                         first_seed=first_seed)  # fmt: skip
        result = search.stage(info, labels)
        summary = summarise(result.records, baseline=config.baseline)
        if i == 0:
            rows = summary
            search.final_records = result.records
        else:
            transfer[f"{dataset}/{model}"] = summary
    return rows, transfer


def plan_search(config: SearchConfig) -> dict:
    """What `run_search(config)` would do, checked but not trained or written: the candidates
    after filtering (evolution: its budget), the rung sizes, the run count; the data and the
    proxy model are read and built once (errors are `SearchError`)."""
    from actlab.experiments.config import ConfigError
    from actlab.experiments.experiment import plan

    pool = Pool()
    n = (
        int(config.max_candidates or 0)
        if config.strategy == "evolution"
        else len(propose(config, pool))
    )
    sizes = rung_sizes(config, n)
    settings = [(config.dataset, config.model), *config.transfer] if config.finalists else []
    runs = sum((size + 1) * seeds for size, (_, seeds) in zip(sizes, config.rungs, strict=True))
    runs += len(settings) * (config.finalists + 1) * config.final_seeds
    probe = [config.baseline, *(c.label for c in pool.candidates[:1])]
    try:
        for dataset, model in settings or [(config.dataset, config.model)]:
            plan(stage_config(config, probe, 1, 1, Path("unused"), dataset, model))
    except (ConfigError, ExperimentError) as error:
        raise SearchError(str(error)) from None
    filtering = pool.summary() if config.strategy != "evolution" else {
        "proposed": n, "canonical": n, "non_finite": 0, "constant": 0, "invalid": 0,
        "duplicates": 0, "distinct": n}  # fmt: skip
    return {
        "filtering": filtering,
        "rungs": [list(r) for r in config.rungs],
        "rung_sizes": sizes,
        "finalists": config.finalists,
        "baseline": config.baseline,
        "final_seeds": config.final_seeds,
        "settings": [f"{d}/{m}" for d, m in settings],
        "runs": runs,
    }
