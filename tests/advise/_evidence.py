"""Small evidence tables built in the tests, with known answers."""

from __future__ import annotations

from actlab.advise.evidence import Cell, Evidence, SettingEvidence
from actlab.experiments.stats import mean_ci, welch


def cell(activation: str, scores: list[float], base: list[float] | None = None) -> Cell:
    ci = mean_ci(scores)
    diff = welch(scores, base).diff if base else float("nan")
    return Cell(activation, tuple(scores), ci.mean, ci.std, ci.low, ci.high, 1e-3, diff)


def setting(name: str, means: dict[str, float], spread: float = 0.01, **traits) -> SettingEvidence:
    """A setting whose activations score `mean ± spread` over 3 seeds."""
    base = [means["relu"] + d for d in (-spread, 0.0, spread)] if "relu" in means else None
    cells = tuple(cell(a, [m - spread, m, m + spread], base) for a, m in means.items())
    fields = {"arch": "mlp", "depth": 2, "norm": "none", "residual": False,
              "data": "tabular", "task": "classification", **traits}  # fmt: skip
    return SettingEvidence(name, name, fields, "accuracy", cells)


def evidence(*settings: SettingEvidence) -> Evidence:
    return Evidence(tuple(settings), {"suite_version": 0, "runs": 0})
