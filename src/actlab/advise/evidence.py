"""The evidence table: what the suite measured, per setting and activation, as plain data.

`from_summary` turns an experiment's summary rows and records into one setting's entry;
`load_evidence()` reads the file shipped in the package (``evidence/suite-v1.json``), or any
file `actlab bench suite` wrote. Each cell keeps its per-seed test scores, so intervals,
tests and the leave-one-out evaluation can be recomputed from the file alone.

A cell is "near the best" of its setting when its mean lies inside the 95% interval of the
setting's best mean (`good_set`): the activations that a seed-to-seed noise level cannot
tell apart from the winner.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

FORMAT = "actlab-evidence"
SHIPPED = "suite-v1.json"


@dataclass(frozen=True)
class Cell:
    """One activation in one setting: per-seed test scores and their summary."""

    activation: str
    scores: tuple[float, ...]
    mean: float
    std: float
    ci_low: float
    ci_high: float
    lr: float
    diff_vs_baseline: float = math.nan
    p_holm: float = math.nan
    significant: bool = False
    selected_epoch: float = math.nan
    seeds: tuple[int, ...] = ()

    @property
    def n(self) -> int:
        return len(self.scores)

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["scores"] = list(self.scores)
        out["seeds"] = list(self.seeds)
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cell:
        values = {k: (math.nan if v is None else v) for k, v in data.items()}
        values["scores"] = tuple(float(s) for s in data["scores"])
        values["seeds"] = tuple(int(s) for s in data.get("seeds", ()))
        return cls(**values)


@dataclass(frozen=True)
class SettingEvidence:
    """One setting of the suite: the `Setting` it stands for (as a dict), its cells, and
    what is missing when the suite has not finished it."""

    name: str
    summary: str
    setting: dict[str, Any]
    metric: str
    cells: tuple[Cell, ...]
    epochs: int = 0
    missing: tuple[str, ...] = ()
    run_seconds: float = 0.0
    config: dict[str, Any] = field(default_factory=dict)

    def cell(self, activation: str) -> Cell | None:
        return next((c for c in self.cells if c.activation == activation), None)

    @property
    def ranked(self) -> list[Cell]:
        return sorted(self.cells, key=lambda c: -c.mean)

    @property
    def best(self) -> Cell:
        return self.ranked[0]

    def good_set(self) -> set[str]:
        """Activations whose mean lies within the 95% interval of the best one's mean."""
        best = self.best
        low = best.ci_low if not math.isnan(best.ci_low) else best.mean
        return {c.activation for c in self.cells if c.mean >= low}

    def spread(self) -> float:
        """A scale for differences in this setting: the median seed std of its cells (a
        floor of 0.2 of a percentage point keeps a noise-free setting from dividing by 0)."""
        stds = sorted(c.std for c in self.cells if not math.isnan(c.std))
        median = stds[len(stds) // 2] if stds else 0.0
        return max(median, 0.002)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "summary": self.summary,
            "setting": dict(self.setting),
            "metric": self.metric,
            "epochs": self.epochs,
            "missing": list(self.missing),
            "run_seconds": self.run_seconds,
            "config": self.config,
            "cells": [c.to_dict() for c in self.cells],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SettingEvidence:
        return cls(
            name=data["name"],
            summary=data.get("summary", ""),
            setting=dict(data["setting"]),
            metric=data.get("metric", "accuracy"),
            cells=tuple(Cell.from_dict(c) for c in data["cells"]),
            epochs=int(data.get("epochs", 0)),
            missing=tuple(data.get("missing", ())),
            run_seconds=float(data.get("run_seconds", 0.0)),
            config=dict(data.get("config", {})),
        )


@dataclass(frozen=True)
class Evidence:
    """The whole evidence base: settings plus where and how it was measured."""

    settings: tuple[SettingEvidence, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    def names(self) -> list[str]:
        return [s.name for s in self.settings]

    def without(self, name: str) -> Evidence:
        """The evidence with setting `name` left out (for leave-one-setting-out)."""
        return Evidence(tuple(s for s in self.settings if s.name != name), self.meta)

    def get(self, name: str) -> SettingEvidence:
        for s in self.settings:
            if s.name == name:
                return s
        raise KeyError(f"no setting {name!r} in the evidence; it has {', '.join(self.names())}")

    def activations(self) -> list[str]:
        seen: dict[str, None] = {}
        for s in self.settings:
            for c in s.cells:
                seen.setdefault(c.activation)
        return list(seen)

    def to_dict(self) -> dict[str, Any]:
        return {**self.meta, "format": FORMAT, "settings": [s.to_dict() for s in self.settings]}


def cell_from_row(row: Any, scores: Sequence[float], seeds: Sequence[int]) -> Cell:
    """A `Cell` from an `actlab.experiments.SummaryRow` and the per-seed test scores."""
    return Cell(
        activation=row.activation,
        scores=tuple(float(s) for s in scores),
        seeds=tuple(int(s) for s in seeds),
        mean=float(row.test_acc_mean),
        std=float(row.test_acc_std),
        ci_low=float(row.test_acc_ci95_low),
        ci_high=float(row.test_acc_ci95_high),
        lr=float(row.lr),
        diff_vs_baseline=float(row.diff_vs_baseline),
        p_holm=float(row.p_value_holm),
        significant=bool(row.significant),
        selected_epoch=float(row.selected_epoch),
    )


def from_summary(
    name: str,
    summary: str,
    setting: dict[str, Any],
    rows: Iterable[Any],
    records: Iterable[Any],
    *,
    epochs: int,
    missing: Sequence[str] = (),
    config: dict[str, Any] | None = None,
) -> SettingEvidence:
    """One setting's evidence from `summarise` rows and the finished final-run records."""
    by_label: dict[str, list[Any]] = {}
    seconds = 0.0
    for r in records:
        if r.status == "finished":
            by_label.setdefault(r.config.label, []).append(r)
            seconds += r.seconds
    cells = []
    metric = "accuracy"
    for row in rows:
        runs = sorted(by_label.get(row.activation, []), key=lambda r: r.config.seed)
        metric = row.metric
        cells.append(cell_from_row(row, [r.test_acc for r in runs], [r.config.seed for r in runs]))
    return SettingEvidence(
        name, summary, setting, metric, tuple(cells), epochs, tuple(missing), seconds, config or {}
    )


def read_evidence(path: str | Path) -> Evidence:
    """Read an evidence file written by `actlab bench suite`."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"cannot read evidence file {path}: {error.strerror or error}") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not an evidence file (invalid JSON: {error})") from None
    return parse(data, str(path))


def parse(data: Any, source: str = "evidence") -> Evidence:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{source}: not an actlab evidence file (format {FORMAT!r} expected)")
    meta = {k: v for k, v in data.items() if k not in ("settings", "format")}
    return Evidence(tuple(SettingEvidence.from_dict(s) for s in data["settings"]), meta)


def load_evidence(path: str | Path | None = None) -> Evidence:
    """The shipped evidence base (or the file at `path`)."""
    if path is not None:
        return read_evidence(path)
    text = resources.files("actlab.advise").joinpath("evidence", SHIPPED).read_text("utf-8")
    return parse(json.loads(text), f"actlab/advise/evidence/{SHIPPED}")


def write_evidence(evidence: Evidence, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(evidence.to_dict(), indent=1, sort_keys=False, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path
