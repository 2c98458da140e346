"""Per-activation choice of the learning rate (and weight decay) on validation data.

Each activation of each setting trains at every candidate on the first `tune_seeds` seeds
(`actlab.experiments.grid.tuning_runs`); the candidate with the best mean validation score
(at each run's selected epoch) wins, ties going to the lower mean validation loss, then to
the earlier candidate. Test metrics are never read here: a test proves the choice does not
change when the test set does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from actlab.experiments.config import ExperimentConfig
from actlab.experiments.grid import Cell, candidates, cells
from actlab.experiments.record import RunRecord
from actlab.train.config import Training


@dataclass(frozen=True)
class Candidate:
    """One candidate recipe of one cell, scored on validation data over the tuning seeds."""

    dataset: str
    model: str
    depth: int | None
    activation: str
    lr: float
    weight_decay: float
    val_score: float
    val_loss: float
    n_runs: int
    chosen: bool

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _mean(values: Sequence[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return sum(kept) / len(kept) if len(kept) == len(values) and kept else math.nan


def _rank_key(index: int, score: float, loss: float) -> tuple:
    return (
        math.isnan(score),
        -score if not math.isnan(score) else 0.0,
        loss if not math.isnan(loss) else math.inf,
        index,
    )


def choose(
    config: ExperimentConfig, records: Sequence[RunRecord]
) -> tuple[dict[tuple, Training], list[Candidate]]:
    """({cell key: chosen Training}, every candidate's validation means) from tuning runs."""
    by_run: dict[tuple, list[RunRecord]] = {}
    for record in records:
        c = record.config
        if record.status == "finished":
            key = (*c.setting, c.label, c.training.lr, c.training.weight_decay)
            by_run.setdefault(key, []).append(record)
    chosen: dict[tuple, Training] = {}
    table: list[Candidate] = []
    for cell in cells(config):
        scored = []
        for index, training in enumerate(candidates(config)):
            runs = by_run.get((*cell.key, training.lr, training.weight_decay), [])
            picked = [r.selected for r in runs if r.selected is not None]
            score = _mean([row["val_acc"] for row in picked]) if picked else math.nan
            loss = _mean([row["val_loss"] for row in picked]) if picked else math.nan
            scored.append((_rank_key(index, score, loss), training, score, loss, len(runs)))
        best = min(scored, key=lambda s: s[0])
        chosen[cell.key] = best[1]
        for rank_key, training, score, loss, n in scored:
            table.append(
                Candidate(
                    *cell.key[:3],
                    cell.key[3],
                    training.lr,
                    training.weight_decay,
                    score,
                    loss,
                    n,
                    rank_key == best[0],
                )
            )
    return chosen, table


def chooser(chosen: dict[tuple, Training]):
    """`chosen` as the function `grid.expand` takes."""
    return lambda cell: chosen[cell.key]


__all__ = ["Candidate", "Cell", "choose", "chooser"]
