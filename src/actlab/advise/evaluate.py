"""Honest evaluation of the advisor: leave one setting out.

For each setting of the evidence base, the advisor ranks the activations for that
setting's description using the rules and the evidence of the *other* settings only; a hit
is a top-k that contains an activation within the 95% interval of the left-out setting's
best mean (`SettingEvidence.good_set`). Two baselines answer the same question: always
ReLU (one pick), and the overall-mean ranking (activations ordered by their mean rank over
the other settings, blind to the setting).
"""

from __future__ import annotations

from dataclasses import dataclass

from actlab.advise.advisor import candidates, score_all
from actlab.advise.evidence import Evidence
from actlab.advise.setting import Setting


@dataclass(frozen=True)
class Fold:
    setting: str
    good: tuple[str, ...]
    best: str
    advisor: tuple[str, ...]
    overall: tuple[str, ...]
    advisor_hit: bool
    advisor_top1: bool
    overall_hit: bool
    overall_top1: bool
    relu_hit: bool

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def mean_rank_order(evidence: Evidence, allowed: list[str]) -> list[str]:
    """Activations by mean rank over the settings of `evidence` (unmeasured ones last)."""
    ranks: dict[str, list[int]] = {}
    for s in evidence.settings:
        for i, c in enumerate(s.ranked, start=1):
            ranks.setdefault(c.activation, []).append(i)
    mean = {a: sum(r) / len(r) for a, r in ranks.items()}
    return sorted(allowed, key=lambda a: (a not in mean, mean.get(a, 0.0), a))


def leave_one_out(evidence: Evidence, k: int = 3) -> list[Fold]:
    folds = []
    for held in evidence.settings:
        rest = evidence.without(held.name)
        setting = Setting(**held.setting)
        measured = [c.activation for c in held.cells]
        # Rank only what the held-out setting measured: a pick it never ran cannot be scored.
        advisor = [a for a, *_ in score_all(setting, rest, names=measured)]
        allowed = [a for a in candidates(rest, setting) if a in measured]
        allowed += [a for a in measured if a not in allowed]
        overall = mean_rank_order(rest, allowed)
        good = held.good_set()
        folds.append(
            Fold(
                held.name,
                tuple(sorted(good)),
                held.best.activation,
                tuple(advisor[:k]),
                tuple(overall[:k]),
                bool(good & set(advisor[:k])),
                advisor[0] in good,
                bool(good & set(overall[:k])),
                overall[0] in good,
                "relu" in good,
            )
        )
    return folds


def rates(folds: list[Fold]) -> dict[str, float]:
    n = len(folds)
    if n == 0:
        return {}
    return {
        "settings": n,
        "advisor_top3": sum(f.advisor_hit for f in folds) / n,
        "advisor_top1": sum(f.advisor_top1 for f in folds) / n,
        "overall_top3": sum(f.overall_hit for f in folds) / n,
        "overall_top1": sum(f.overall_top1 for f in folds) / n,
        "relu": sum(f.relu_hit for f in folds) / n,
    }


def table(folds: list[Fold]) -> list[str]:
    """The leave-one-out table as Markdown lines."""
    mark = lambda hit: "✓" if hit else "✗"
    lines = [
        "| left-out setting | within the best's CI | advisor top 3 | hit | overall-mean top 3 | hit | always relu |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in folds:
        lines.append(
            f"| {f.setting} | {', '.join(f.good)} | {', '.join(f.advisor)} | {mark(f.advisor_hit)} | "
            f"{', '.join(f.overall)} | {mark(f.overall_hit)} | {mark(f.relu_hit)} |"
        )
    r = rates(folds)
    if r:
        n = r["settings"]
        pct = lambda x: f"{round(100 * x)}% ({round(x * n)}/{n})"
        lines.append(
            f"| **hit rate** | | | **{pct(r['advisor_top3'])}** | | **{pct(r['overall_top3'])}** | **{pct(r['relu'])}** |"
        )
    return lines
