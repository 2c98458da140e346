"""`SearchResult` and the ranking: every scored candidate, best first, with its fitness at the
highest rung it reached, and for the finalists the final stage's statistics against the
baseline and on the transfer settings.

The order is the search's own, on validation data only: the finalists first, by their mean
validation score over the final stage's seeds; then the others by the highest rung reached
and their fitness there. Test scores are reported for the finalists and never reorder them.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actlab.experiments.stats import SummaryRow, mean_ci
from actlab.search.config import SearchConfig
from actlab.search.families import RECTIFIER_SHAPES, class_shares, classify, clusters, shape_of
from actlab.search.fingerprint import Candidate
from actlab.search.stages import StageInfo, fitness, mean

FAMILY_TOP = 50  # the family view clusters this many of the best candidates


@dataclass
class SearchResult:
    config: SearchConfig
    out: Path
    filtering: dict[str, int]
    candidates: list[Candidate]
    stages: list[StageInfo]
    scores: list[dict[str, list[float]]]
    final: list[SummaryRow]
    transfer: dict[str, list[SummaryRow]]
    seconds: float
    ranking: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    final_records: list = field(default_factory=list)

    def throughput(self) -> dict[str, float]:
        """Distinct candidates scored per hour, from the runs' start and finish times in the
        store (`StageInfo.busy_seconds`), so that a search killed and resumed is measured
        over both processes and not the pause between them: at rung 0 (every candidate's
        first score), and over all stages. `process_seconds` is this process's own wall
        time (a resumed search's skips most runs), `rung0_trained` the rung-0 runs it trained."""
        n = len(self.candidates)
        rung0 = [s for s in self.stages if s.name.startswith("rung 0")]
        rung0_busy = sum(s.busy_seconds for s in rung0)
        busy = sum(s.busy_seconds for s in self.stages)
        return {
            "candidates": n,
            "rung0_seconds": round(rung0_busy, 1),
            "per_hour_rung0": round(n / rung0_busy * 3600, 1) if rung0_busy else 0.0,
            "search_seconds": round(busy, 1),
            "per_hour_search": round(n / busy * 3600, 1) if busy else 0.0,
            "process_seconds": round(self.seconds, 1),
            "rung0_trained": sum(s.ran for s in rung0),
        }

    def to_json(self) -> dict[str, Any]:
        """``{"n_candidates": N, "ranking": [{"expression": "expr:...", "fitness": ...}, ...],
        ...}``, best first (NaN and ±inf as null)."""
        data = {
            "n_candidates": len(self.candidates),
            "ranking": self.ranking,
            "baseline": self.config.baseline,
            "fitness_metric": self.config.fitness,
            "filtering": self.filtering,
            "stages": [s.to_dict() for s in self.stages],
            "throughput": self.throughput(),
            "shape_classes": shape_shares(self.ranking),
            "config": self.config.to_dict(),
            "out": str(self.out),
        }
        return _clean(data)


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _learned(records) -> dict[str, dict[str, float]]:
    """Mean learned value of each parameter per activation label (over layers and seeds)."""
    values: dict[str, dict[str, list[float]]] = {}
    for record in records:
        for row in record.learned:
            for name, numbers in row.learned.items():
                values.setdefault(record.config.label, {}).setdefault(name, []).extend(numbers)
    return {
        label: {n: round(statistics.fmean(v), 4) for n, v in params.items()}
        for label, params in values.items()
    }


def _summary(row: SummaryRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "test_acc_mean": row.test_acc_mean,
        "test_acc_ci95": [row.test_acc_ci95_low, row.test_acc_ci95_high],
        "val_acc_mean": row.val_acc_mean,
        "diff_vs_baseline": row.diff_vs_baseline,
        "p_value": row.p_value_vs_baseline,
        "p_value_holm": row.p_value_holm,
        "significant": row.significant,
        "n_seeds": row.n_seeds,
    }


def rank(result: SearchResult) -> list[dict[str, Any]]:
    """The ranking rows (see the module docstring)."""
    config, baseline = result.config, result.config.baseline
    by_label = {c.label: c for c in result.candidates}
    final_rows = {r.activation: r for r in result.final}
    final_scores = fitness(result.final_records, config.fitness) if result.final_records else {}
    learned = _learned(result.final_records)
    reached: dict[str, int] = {}
    for index, scores in enumerate(result.scores):
        for label in scores:
            if label in by_label:
                reached[label] = index

    def key(label: str) -> tuple:
        if label in final_scores:
            return (0, -mean(final_scores[label]), label)
        rung = reached[label]
        return (1, -rung, -mean(result.scores[rung][label]), label)

    order = sorted(reached, key=key)
    rows = []
    for position, label in enumerate(order, start=1):
        candidate = by_label[label]
        rung = reached[label]
        values = result.scores[rung][label]
        base = result.scores[rung].get(baseline, [])
        ci = mean_ci(values) if len(values) > 1 else None
        family, fit = shape_of(candidate.values)
        shape, orientation = classify(candidate.values)
        final_values = final_scores.get(label)
        if final_values and len(final_values) > 1:
            interval = mean_ci(final_values)
            shown_ci = [interval.low, interval.high]
        else:
            shown_ci = [ci.low, ci.high] if ci else None
        rows.append(
            {
                "rank": position,
                "expression": label,
                "fitness": mean(final_values) if final_values else mean(values),
                "fitness_stage": "final" if final_values else f"rung {rung}",
                "fitness_ci95": shown_ci,
                "rung": rung,
                "epochs": config.rungs[rung][0],
                "seeds": len(values),
                "rung_fitness": mean(values),
                "baseline_rung_fitness": mean(base),
                "delta_vs_baseline_rung": mean(values) - mean(base) if base else None,
                "fitness_by_rung": [mean(s[label]) for s in result.scores if label in s],
                "final": _summary(final_rows.get(label)),
                "transfer": {
                    setting: _summary(next((r for r in rows_ if r.activation == label), None))
                    for setting, rows_ in result.transfer.items()
                },
                "learned": learned.get(label, {}),
                "family": family,
                "family_fit": round(fit, 4),
                "shape_class": shape,
                "shape_orientation": orientation,
                "members": ["expr:" + m for m in candidate.members],
            }
        )
    _cluster(rows[:FAMILY_TOP], by_label)
    return rows


def _cluster(rows: list[dict[str, Any]], by_label: dict[str, Candidate]) -> None:
    ids = clusters([by_label[r["expression"]].values for r in rows])
    for row, cluster in zip(rows, ids, strict=True):
        row["cluster"] = cluster


def rectifier_share(ranking: list[dict[str, Any]], top: int = 10) -> int:
    """How many of the `top` best are ReLU-like or Swish-like by `shape_class`."""
    return sum(1 for r in ranking[:top] if r["shape_class"] in RECTIFIER_SHAPES)


def shape_shares(ranking: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Counts of each shape class among the top 10 and the top 20."""
    return class_shares([r["shape_class"] for r in ranking])


def shape_label(row: dict[str, Any]) -> str:
    """The shape class, with the sign change that gives it unless that is f(x) itself:
    ``"swish-like as -f(x)"``."""
    turn = row.get("shape_orientation", "f(x)")
    return row["shape_class"] + ("" if turn == "f(x)" else f" as {turn}")


def shares_text(ranking: list[dict[str, Any]]) -> str:
    """``"top 10: swish-like 8, periodic 2; top 20: ..."``"""
    return "; ".join(
        f"{top}: " + ", ".join(f"{name} {count}" for name, count in counts.items())
        for top, counts in shape_shares(ranking).items()
    )
