"""Expand an `ExperimentConfig` into runs, lazily: datasets × models × depths × activations ×
seeds, in a stable order (setting, then activation, then seed).

With learning-rate (or weight-decay) tuning the grid has two stages: `tuning_runs` trains
every candidate on the first `tune_seeds` seeds; once a value is chosen per setting and
activation (`actlab.experiments.tuning`), `expand` makes the final runs with it. A final run
whose config equals a tuning run is that run (same hash), so it is trained once.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from actlab.experiments.checks import given_model_options
from actlab.experiments.config import ExperimentConfig, RunConfig
from actlab.experiments.grammar import ActivationChoice, activation_choices
from actlab.experiments.sources import is_builtin
from actlab.train.config import Training


@dataclass(frozen=True)
class Cell:
    """One setting and activation of the grid: everything of a run but the seed and recipe."""

    dataset: str
    model: str
    options: dict[str, Any]
    choice: ActivationChoice

    @property
    def key(self) -> tuple:
        """(setting, label): what tuning chooses a value for."""
        return (self.dataset, self.model, self.options.get("depth"), self.choice.label)


def _resolved_options(config: ExperimentConfig, model: str, depth: int | None) -> dict[str, Any]:
    """Every option of a built-in model (its defaults filled in); none for the user's own."""
    if not is_builtin(model):
        return {}
    from actlab.models import model_options

    options = {**model_options(model), **given_model_options(config)}
    if depth is not None:
        options["depth"] = depth
    return options


def cells(config: ExperimentConfig) -> Iterator[Cell]:
    choices = activation_choices(config.activations)
    depths = config.depths or (None,)
    for dataset, model, depth in itertools.product(config.datasets, config.models, depths):
        options = _resolved_options(config, model, depth)
        for choice in choices:
            yield Cell(dataset, model, options, choice)


def run_config(
    config: ExperimentConfig,
    cell: Cell,
    seed: int,
    training: Training,
    fingerprints: dict[str, str],
) -> RunConfig:
    choice = cell.choice
    return RunConfig(
        dataset=cell.dataset,
        model=cell.model,
        activation=choice.name,
        activation_params=dict(choice.params),
        label=choice.label,
        seed=seed,
        training=training,
        model_options=dict(cell.options),
        init=config.init,
        swap_from=config.swap_from,
        impl=choice.impl,
        bits=choice.bits,
        dataset_options=dict(config.dataset_options.get(cell.dataset, {})),
        data_fingerprint=fingerprints.get(cell.dataset, ""),
        source_fingerprint="+".join(
            fingerprints.get(s, "") for s in (cell.model, config.loss_fn) if s is not None
        ).strip("+"),
        loss_fn=config.loss_fn,
        metrics=dict(config.metrics),
        health=config.health,
        device=config.device,
        data_dir=str(config.data_dir) if config.data_dir is not None else None,
        num_workers=config.num_workers,
    )


def candidates(config: ExperimentConfig) -> list[Training]:
    """The recipes tuning tries: every tune_lr × tune_wd value (the config's where not tuned)."""
    lrs = config.tune_lr or (config.training.lr,)
    wds = config.tune_wd or (config.training.weight_decay,)
    return [config.training.replace(lr=lr, weight_decay=wd) for lr in lrs for wd in wds]


def tuning_runs(config: ExperimentConfig, fingerprints: dict[str, str]) -> Iterator[RunConfig]:
    """Every candidate recipe on the first `tune_seeds` seeds, for every cell."""
    if not config.tuning:
        return
    seeds = config.seeds[: config.tune_seeds]
    for cell in cells(config):
        for training in candidates(config):
            for seed in seeds:
                yield run_config(config, cell, seed, training, fingerprints)


def expand(
    config: ExperimentConfig,
    fingerprints: dict[str, str] | None = None,
    chosen: Callable[[Cell], Training] | None = None,
) -> Iterator[RunConfig]:
    """The final runs: every cell × seed with the config's recipe, or `chosen(cell)`'s."""
    fingerprints = fingerprints or {}
    for cell in cells(config):
        training = chosen(cell) if chosen is not None else config.training
        for seed in config.seeds:
            yield run_config(config, cell, seed, training, fingerprints)


def final_count(config: ExperimentConfig) -> int:
    n_cells = len(activation_choices(config.activations)) * len(config.datasets)
    return n_cells * len(config.models) * len(config.depths or (None,)) * len(config.seeds)
