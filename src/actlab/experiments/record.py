"""`RunRecord`: one finished (or failed) run, as the store keeps it and every layer reads it.

`EPOCH_FIELDS` and `HEALTH_FIELDS` are the keys of its per-epoch and per-layer rows (and the
store's columns).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from actlab.experiments.config import RunConfig
from actlab.experiments.learned import LearnedActivation

EPOCH_FIELDS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds")
HEALTH_FIELDS = (
    "epoch",
    "layer",
    "layer_name",
    "activation",
    "dead_fraction",
    "inactive",
    "saturated",
    "grad_norm",
    "mean_abs_d1",
    "out_mean",
    "out_var",
)


@dataclass(frozen=True)
class RunRecord:
    """A finished (or failed) run: its config, metrics, timing, data and environment.

    `epochs` holds dicts with the keys of `EPOCH_FIELDS` (epochs count from 1; `*_acc` is the
    task's score: accuracy as a fraction, or R² for regression, as `metric` says). `test_*`
    are measured once, after training, on the model of `selected_epoch`. `metrics` holds user
    metrics ``{"val": {...}, "test": {...}}``; `data` the data's fingerprint and provenance.
    `health` holds dicts with the keys of `HEALTH_FIELDS`; `learned` the trained learnable
    activations (`actlab.experiments.learned.capture`), empty for fixed ones.
    """

    config: RunConfig
    status: str
    started: str
    finished: str
    seconds: float
    versions: dict[str, str]
    machine: dict[str, Any]
    epochs: tuple[dict[str, float], ...] = ()
    error: str | None = None
    config_hash: str = field(default="")
    health: tuple[dict[str, Any], ...] = ()
    learned: tuple[LearnedActivation, ...] = ()
    test_loss: float = math.nan
    test_acc: float = math.nan
    selected_epoch: int | None = None
    metric: str = "accuracy"
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.config_hash:
            object.__setattr__(self, "config_hash", self.config.config_hash)

    @property
    def final(self) -> dict[str, float] | None:
        """The last epoch's metrics (None for a run that failed before any epoch)."""
        return self.epochs[-1] if self.epochs else None

    @property
    def selected(self) -> dict[str, float] | None:
        """The metrics of the epoch whose model was tested (the last, or the best-val one)."""
        for row in self.epochs:
            if row["epoch"] == self.selected_epoch:
                return row
        return self.final

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["config"] = self.config.to_dict()
        data["learned"] = [asdict(a) for a in self.learned]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunRecord:
        data = dict(data)
        data["config"] = RunConfig.from_dict(data["config"])
        data["learned"] = tuple(LearnedActivation(**a) for a in data.get("learned", ()))
        for key in ("epochs", "health"):
            data[key] = tuple(data.get(key, ()))
        return cls(**data)


def nan_for_none(value: Any) -> float:
    return math.nan if value is None else value
