"""docs/advise.md: how the advisor decides (the rules table, the weights) and the
leave-one-setting-out evaluation on the shipped evidence, whatever it shows."""

from __future__ import annotations

from actlab.advise.advisor import EVIDENCE_WEIGHT, GAP_FLOOR, PRIOR_WEIGHT
from actlab.advise.evaluate import leave_one_out, rates, table
from actlab.advise.evidence import Evidence
from actlab.advise.rules import RULES, Rule


def _when(rule: Rule) -> str:
    parts = []
    for key, value in rule.when.items():
        if key == "depth_min":
            parts.append(f"depth ≥ {value}")
        elif key == "depth_max":
            parts.append(f"depth ≤ {value}")
        else:
            parts.append(f"{key} {'/'.join(str(v).lower() for v in value)}")
    return ", ".join(parts) or "always"


def _effect(rule: Rule) -> str:
    shown = [f"{name} {value:+g}" for name, value in rule.effect.items() if value]
    text = ", ".join(shown[:8]) + (f", … ({len(shown)} in all)" if len(shown) > 8 else "")
    if rule.caution:
        text = (text + "; " if text else "") + "caution on " + ", ".join(rule.effect)
    return text


def rules_table() -> list[str]:
    lines = [
        "| rule | applies when | effect on the score | finding | source |",
        "|---|---|---|---|---|",
    ]
    for r in RULES:
        finding = r.finding.replace("|", "\\|")
        lines.append(f"| `{r.id}` | {_when(r)} | {_effect(r)} | {finding} | {r.source} |")
    return lines


def evaluation_text(evidence: Evidence) -> list[str]:
    folds = leave_one_out(evidence)
    r = rates(folds)
    n = int(r["settings"])
    pct = lambda x: f"{round(100 * x)}% ({round(x * n)} of {n})"
    met = "meets" if r["advisor_top3"] >= 0.7 else "misses"
    return [
        f"Over the {n} settings of the evidence, the advisor's top 3 contained an "
        f"activation within the 95% interval of the left-out setting's best in "
        f"**{pct(r['advisor_top3'])}** of the folds: it {met} the 70% target. The overall-mean "
        f"ranking's top 3 did so in {pct(r['overall_top3'])}; always answering ReLU (one pick) "
        f"in {pct(r['relu'])}. The first pick alone: advisor {pct(r['advisor_top1'])}, "
        f"overall-mean ranking {pct(r['overall_top1'])}.",
        "",
        *table(folds),
    ]


def advise_page(evidence: Evidence) -> str:
    """The whole page as Markdown (`tests/advise/test_docs.py` checks docs/advise.md is it)."""
    lines = [
        "# Advise: how `actlab advise` ranks activations, and how good it is",
        "",
        "`actlab advise` (and `actlab.advise.advise(...)` in Python) scores every activation "
        "of the evidence base for the setting it is asked about:",
        "",
        "- **measured standing**: in each measured setting, the gap of the activation's mean "
        "test score to that setting's best, in units of the setting's median seed-to-seed std "
        f"(clipped at {GAP_FLOOR:g}); averaged over the settings with weight e^(−distance), "
        "where the distance adds 3 for another architecture (1.5 between CNN and ResNet), 2 "
        "for deep (≥ 10) vs shallow, ¼ per doubling of depth, 1 each for another norm or "
        "residual choice, ½ for another data kind and 1.5 for another task; shrunk towards "
        f"the median standing by a pseudo-weight e^(−2) = {PRIOR_WEIGHT:.3f}, so evidence from "
        "far settings counts less; multiplied by "
        f"{EVIDENCE_WEIGHT:g};",
        "- **rules**: plus the effect of every rule below that applies to the setting.",
        "",
        "The weights were fixed before the evaluation below and not tuned on it. Each "
        "recommendation lists the rules that count for it (with their sources), the measured "
        "cells nearest the setting (mean, 95% interval, rank), and the cautions of the rules "
        "that name it; activations that rules count against are listed with those rules.",
        "",
        "## Leave-one-setting-out evaluation",
        "",
        "For each setting of the evidence base, the advisor is asked about that setting's "
        "description (architecture, depth, norm, residual, data, task) with the evidence of "
        "the other settings only (the rules are literature, not fitted to the data). A hit: "
        "its top 3 contains an activation whose mean lies within the 95% interval of the "
        "left-out setting's best mean. Baselines: always ReLU, and the overall-mean ranking "
        "(activations by mean rank over the other settings). Reproduce with `actlab advise "
        "--evaluate`.",
        "",
        *evaluation_text(evidence),
        "",
        "## The rules",
        "",
        "One table (`actlab.advise.rules.RULES`); each rule has a test in "
        "`tests/advise/test_rules.py`.",
        "",
        *rules_table(),
    ]
    return "\n".join(lines) + "\n"


def write_pages(folder: str = "docs", evidence: Evidence | None = None) -> list[str]:
    """Write benchmark.md and advise.md into `folder` from the shipped evidence."""
    from pathlib import Path

    from actlab.advise.evidence import load_evidence
    from actlab.advise.markdown import benchmark_page

    evidence = evidence if evidence is not None else load_evidence()
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    (out / "benchmark.md").write_text(benchmark_page(evidence), encoding="utf-8")
    (out / "advise.md").write_text(advise_page(evidence), encoding="utf-8")
    return [str(out / "benchmark.md"), str(out / "advise.md")]
