"""`advise(setting)`: a ranked shortlist of activations, each with its reasons (rules with
their sources), the measured cells nearest the setting, and cautions.

Score of an activation = `EVIDENCE_WEIGHT` × its measured standing in the evidence base,
weighted by how near each measured setting is to the asked one, + the effects of the rules
that apply. The measured standing in one setting is the gap of its mean to the setting's
best mean, in units of the setting's typical seed-to-seed std, clipped at `GAP_FLOOR`
(0 = the best; −1 = one std behind). The weights are fixed (not fitted to the leave-one-out
evaluation, which would make that evaluation optimistic).

.. math::
    S(a) = w_E \\frac{\\sum_e k_e\\, g_e(a) + k_0\\, \\tilde g}{\\sum_e k_e + k_0} + \\sum_{r \\ni a} \\Delta_r(a),
    \\quad g_e(a) = \\max\\Big(\\frac{\\bar y_e(a) - \\max_b \\bar y_e(b)}{s_e}, g_{min}\\Big),
    \\quad k_e = e^{-d(e, \\text{setting})}
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from actlab.advise.evidence import Evidence, SettingEvidence, load_evidence
from actlab.advise.rules import RULES, Rule, applicable, effect_on
from actlab.advise.setting import Setting, describe_setting

EVIDENCE_WEIGHT = 0.5
GAP_FLOOR = -8.0
# Pseudo-weight of a neutral prior: measured settings are pulled towards the median standing
# as if one more setting at distance 2 had measured it, so evidence from settings far from
# the asked one (another architecture) counts less than evidence from near ones.
PRIOR_WEIGHT = math.exp(-2.0)
GATED = ("swiglu", "geglu", "reglu")
SHOWN_EVIDENCE = 3


def distance(a: Setting, b: Setting) -> float:
    """How different two settings are, for weighting measured cells (0 = the same)."""
    d = 0.0
    if a.arch != b.arch:
        d += 1.5 if {a.arch, b.arch} == {"cnn", "resnet"} else 3.0
    if a.deep != b.deep:
        d += 2.0
    d += 0.25 * abs(math.log2(a.depth) - math.log2(b.depth))
    d += 1.0 * (a.norm != b.norm) + 1.0 * (a.residual != b.residual)
    d += 0.5 * (a.data != b.data) + 1.5 * (a.task != b.task)
    return d


def gap(s: SettingEvidence, activation: str) -> float | None:
    cell = s.cell(activation)
    if cell is None:
        return None
    return max((cell.mean - s.best.mean) / s.spread(), GAP_FLOOR)


@dataclass(frozen=True)
class Reason:
    rule: str
    finding: str
    source: str
    effect: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "finding": self.finding,
            "source": self.source,
            "effect": self.effect,
        }


@dataclass(frozen=True)
class Recommendation:
    activation: str
    rank: int
    score: float
    evidence_score: float | None
    reasons: tuple[Reason, ...]
    evidence: tuple[dict[str, Any], ...]
    cautions: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "activation": self.activation,
            "rank": self.rank,
            "score": round(self.score, 3),
            "evidence_score": None
            if self.evidence_score is None
            else round(self.evidence_score, 3),
            "reasons": [r.to_dict() for r in self.reasons],
            "evidence": [dict(e) for e in self.evidence],
            "cautions": list(self.cautions),
        }


@dataclass
class Advice:
    """`recommendations` best first (the shortlist is the first `top`); `avoid` the
    activations that rules count against in this setting, with those rules; `ranking`
    every candidate in order; `compare_command` verifies the shortlist by training."""

    setting: Setting
    recommendations: list[Recommendation]
    avoid: list[dict[str, Any]]
    ranking: list[str]
    compare_command: str
    notes: list[str] = field(default_factory=list)
    model: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "setting": self.setting.to_dict(),
            "recommendations": [r.to_dict() for r in self.recommendations],
            "avoid": self.avoid,
            "ranking": self.ranking,
            "compare_command": self.compare_command,
            "notes": self.notes,
        }
        if self.model is not None:
            out["model"] = self.model
        return out


def candidates(evidence: Evidence, setting: Setting) -> list[str]:
    """Activations the advisor may recommend: those measured in the evidence base; the gated
    forms only where the model has a feed-forward block to widen (the Transformer)."""
    names = evidence.activations()
    if setting.arch == "transformer":
        names += [g for g in GATED if g not in names]
    else:
        names = [n for n in names if n not in GATED]
    return names


def evidence_scores(evidence: Evidence, setting: Setting) -> dict[str, float]:
    """Weighted mean gap per activation over the settings that measured it, shrunk towards
    the median by `PRIOR_WEIGHT`."""
    sums: dict[str, list[float]] = {}
    for s in evidence.settings:
        weight = math.exp(-distance(setting, Setting(**s.setting)))
        for c in s.cells:
            g = gap(s, c.activation)
            if g is not None:
                acc = sums.setdefault(c.activation, [0.0, 0.0])
                acc[0] += weight * g
                acc[1] += weight
    raw = {a: total / w for a, (total, w) in sums.items() if w > 0}
    if not raw:
        return {}
    neutral = _median(list(raw.values()))
    return {
        a: (total + PRIOR_WEIGHT * neutral) / (w + PRIOR_WEIGHT)
        for a, (total, w) in sums.items()
        if w > 0
    }


def nearest_cells(
    evidence: Evidence, setting: Setting, activation: str, n: int = SHOWN_EVIDENCE
) -> list[dict[str, Any]]:
    near = sorted(evidence.settings, key=lambda s: distance(setting, Setting(**s.setting)))
    out = []
    for s in near:
        cell = s.cell(activation)
        if cell is None:
            continue
        ranked = [c.activation for c in s.ranked]
        out.append(
            {
                "setting": s.name,
                "distance": round(distance(setting, Setting(**s.setting)), 2),
                "metric": s.metric,
                "mean": cell.mean,
                "ci95": [cell.ci_low, cell.ci_high],
                "n": cell.n,
                "rank": ranked.index(activation) + 1,
                "of": len(ranked),
                "best": s.best.activation,
                "diff_vs_relu": None
                if math.isnan(cell.diff_vs_baseline)
                else cell.diff_vs_baseline,
                "p_holm": None if math.isnan(cell.p_holm) else cell.p_holm,
                "within_best_ci": activation in s.good_set(),
            }
        )
        if len(out) == n:
            break
    return [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in e.items()}
        for e in out
    ]


def score_all(
    setting: Setting,
    evidence: Evidence,
    rules: tuple[Rule, ...] = RULES,
    names: list[str] | None = None,
) -> list[tuple[str, float, float | None, list[tuple[Rule, float]]]]:
    """(activation, total score, evidence score, [(rule, effect)]) for every candidate (or
    for `names`), best first; ties go to the stronger evidence, then the name. An
    activation the evidence has not measured gets the median standing."""
    active = applicable(setting, rules)
    measured = evidence_scores(evidence, setting)
    neutral = _median(list(measured.values())) if measured else 0.0
    rows = []
    for a in names if names is not None else candidates(evidence, setting):
        hits = [(r, e) for r in active if (e := effect_on(r, a)) is not None]
        e_score = measured.get(a)
        base = EVIDENCE_WEIGHT * (e_score if e_score is not None else neutral)
        rows.append((a, base + sum(e for _, e in hits), e_score, hits))
    rows.sort(key=lambda r: (-r[1], -(r[2] if r[2] is not None else neutral), r[0]))
    return rows


def _median(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2]


def advise(
    setting: Setting | None = None,
    *,
    evidence: Evidence | None = None,
    top: int = 5,
    rules: tuple[Rule, ...] = RULES,
    **flags: Any,
) -> Advice:
    """Rank the activations for `setting` (or a `Setting` made from `flags`: arch, depth,
    norm, residual, data, task, priority, target; those left out take the defaults of the
    architecture, `actlab.advise.setting.ARCH_DEFAULTS`).

    >>> advice = advise(arch="transformer")
    >>> advice.recommendations[0].activation in ("gelu", "swiglu", "geglu")
    True
    """
    if setting is None:
        setting = describe_setting(**flags)
    elif flags:
        setting = setting.replace(**flags)
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(f"top must be an integer >= 1, got {top!r}")
    evidence = evidence if evidence is not None else load_evidence()
    rows = score_all(setting, evidence, rules)
    active = applicable(setting, rules)
    recs = []
    for rank, (a, total, e_score, hits) in enumerate(rows[:top], start=1):
        reasons = [Reason(r.id, r.finding, r.source, e) for r, e in hits if e > 0]
        cautions = [
            f"{r.caution} ({r.short_source})"
            for r in active
            if r.caution and effect_on(r, a) is not None
        ]
        cautions += [
            f"counted against it here [{r.id}]: {r.finding} ({r.short_source})"
            for r, e in hits
            if e < 0
        ]
        recs.append(
            Recommendation(
                a,
                rank,
                total,
                e_score,
                tuple(reasons),
                tuple(nearest_cells(evidence, setting, a)),
                tuple(cautions),
            )
        )
    avoid = [
        {
            "activation": a,
            "rank": i,
            "reasons": [Reason(r.id, r.finding, r.source, e).to_dict() for r, e in hits if e < 0],
        }
        for i, (a, _, _, hits) in enumerate(rows, start=1)
        if any(e < 0 for _, e in hits)
    ]
    notes = []
    if setting.arch == "rnn":
        notes.append(
            "the evidence base has no recurrent setting: this ranking rests on the rules and on the MLP/CNN measurements"
        )
    if setting.task == "generation":
        notes.append(
            "the evidence base has no generative setting: the nearest measured settings are classification ones"
        )
    return Advice(
        setting,
        recs,
        avoid,
        [r[0] for r in rows],
        compare_command(setting, [r.activation for r in recs]),
        notes,
    )


_DATASETS = {"tabular": "spiral", "image": "digits", "sequence": "mnist1d"}


def compare_command(
    setting: Setting,
    shortlist: list[str],
    model_factory: str | None = None,
    data: str | None = None,
) -> str:
    """The `actlab compare` command that trains the shortlist (plus relu) on a setting like
    this one, with the learning rate chosen per activation on validation data."""
    acts = list(dict.fromkeys([*shortlist, "relu"]))
    parts = ["actlab compare"]
    if model_factory is not None:
        parts.append(f"--model-factory {model_factory}")
    elif setting.arch == "mlp":
        parts.append(f"--model mlp --depth {setting.depth} --norm {setting.norm}")
        if setting.residual:
            parts.append("--residual")
    elif setting.arch == "transformer":
        parts.append(f"--model transformer --depth {setting.depth}")
    elif setting.arch == "resnet":
        parts.append("--model resnet20")
    elif setting.arch == "cnn":
        parts.append("--model cnn")
    else:
        parts.append("--model-factory MYMODULE:build")
    if data is not None:
        parts.append(f"--data-factory {data}" if ":" in data else f"--dataset {data}")
        if setting.task == "regression":
            parts.append("--task regression")
    elif setting.task == "regression":
        parts.append("--data-factory actlab.advise.regression:smooth_2d --task regression")
    elif setting.data in _DATASETS and setting.arch != "resnet":
        parts.append(f"--dataset {_DATASETS[setting.data]}")
    elif setting.arch == "resnet":
        parts.append("--dataset digits")
    else:
        parts.append("--data-factory MYMODULE:data")
    parts.append(f"--activations {','.join(acts)} --seeds 5 --tune-lr 1e-3,3e-3 --select best-val")
    return " ".join(parts)
