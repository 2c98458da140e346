"""docs/benchmark.md from an evidence table: the overall rank table and one leaderboard per
setting, with 95% intervals and Welch/Holm tests against ReLU."""

from __future__ import annotations

import math
from collections.abc import Sequence

from actlab.advise.evidence import Cell, Evidence, SettingEvidence
from actlab.advise.suite import SETTINGS


def _score(value: float, metric: str) -> str:
    if math.isnan(value):
        return "–"
    return f"{100 * value:.2f}" if metric == "accuracy" else f"{value:.4f}"


def _unit(metric: str) -> str:
    return "test acc %" if metric == "accuracy" else "test R²"


def _p(value: float) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:.2g}" if value >= 1e-3 else f"{value:.1e}"


def _diff(value: float, metric: str) -> str:
    if math.isnan(value):
        return "–"
    scaled = 100 * value if metric == "accuracy" else value
    text = f"{scaled:+.2f}" if metric == "accuracy" else f"{scaled:+.4f}"
    return text.replace("-", "−")


def overall_ranks(evidence: Evidence) -> list[dict]:
    """Per activation: mean rank over the settings that ran it, wins, how often it is within
    the best's interval, and how often it is significantly better / worse than ReLU."""
    rows: dict[str, dict] = {}
    for s in evidence.settings:
        ranked = s.ranked
        good = s.good_set()
        for rank, c in enumerate(ranked, start=1):
            row = rows.setdefault(
                c.activation,
                {
                    "activation": c.activation,
                    "ranks": [],
                    "wins": 0,
                    "near_best": 0,
                    "better": 0,
                    "worse": 0,
                },
            )
            row["ranks"].append(rank)
            row["wins"] += rank == 1
            row["near_best"] += c.activation in good
            if c.significant and not math.isnan(c.diff_vs_baseline):
                row["better" if c.diff_vs_baseline > 0 else "worse"] += 1
    out = []
    for row in rows.values():
        row["settings"] = len(row["ranks"])
        row["mean_rank"] = sum(row["ranks"]) / len(row["ranks"])
        out.append(row)
    return sorted(out, key=lambda r: (r["mean_rank"], r["activation"]))


def overall_table(evidence: Evidence) -> list[str]:
    lines = [
        "| rank | activation | mean rank | settings | 1st | within the best's CI | sig. better / worse than relu |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, r in enumerate(overall_ranks(evidence), start=1):
        lines.append(
            f"| {i} | {r['activation']} | {r['mean_rank']:.1f} | {r['settings']} | {r['wins']} | "
            f"{r['near_best']} | {r['better']} / {r['worse']} |"
        )
    return lines


def leaderboard(s: SettingEvidence) -> list[str]:
    unit = _unit(s.metric)
    lines = [
        f"| rank | activation | {unit} (mean ± std) | 95% CI | n | lr | Δ vs relu | p (Holm) | significant |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    good = s.good_set()
    for rank, c in enumerate(s.ranked, start=1):
        name = f"**{c.activation}**" if c.activation in good else c.activation
        std = "–" if math.isnan(c.std) else _score(c.std, s.metric)
        sig = "–" if c.activation == "relu" else ("yes" if c.significant else "no")
        lines.append(
            f"| {rank} | {name} | {_score(c.mean, s.metric)} ± {std} | "
            f"{_score(c.ci_low, s.metric)}–{_score(c.ci_high, s.metric)} | {c.n} | {c.lr:g} | "
            f"{_diff(c.diff_vs_baseline, s.metric)} | {_p(c.p_holm)} | {sig} |"
        )
    return lines


def _late(cells: Sequence[Cell], epochs: int) -> str:
    picked = [c.selected_epoch for c in cells if not math.isnan(c.selected_epoch)]
    if not picked or not epochs:
        return ""
    return f"mean tested epoch {sum(picked) / len(picked):.1f} of {epochs}"


def pending_settings(evidence: Evidence) -> list[str]:
    """Settings of the suite definition that the evidence does not have yet."""
    have = set(evidence.names())
    return [s.name for s in SETTINGS if s.name not in have]


def benchmark_page(evidence: Evidence, command: str = "actlab bench suite") -> str:
    """The whole page as Markdown."""
    meta = evidence.meta
    protocol = meta.get("protocol", {})
    versions = meta.get("versions", {})
    wall = meta.get("wall_seconds")
    missing = {s.name: s.missing for s in evidence.settings if s.missing}
    lines = [
        "# Benchmark: the evidence base of `actlab advise`",
        "",
        f"Measured by `{command}` (suite version {meta.get('suite_version', '?')}); the "
        "numbers below are read from the shipped evidence file "
        "`src/actlab/advise/evidence/suite-v1.json`, which `actlab advise` uses.",
        "",
        f"- **Protocol**: seeds {protocol.get('seeds')}; learning rate chosen per activation and "
        f"setting from {protocol.get('tune_lr')} by the {protocol.get('lr_choice', '')}; "
        f"{protocol.get('select', '')}; {protocol.get('statistics', '')}.",
        f"- **Runs**: {meta.get('runs', '?')} final runs ({meta.get('run_seconds', 0) / 3600:.2f} h "
        "of training summed over runs, tuning runs not counted)"
        + (
            f"; wall time {wall / 3600:.2f} h, the union of the runs' intervals (tuning "
            "included) across interrupted and resumed invocations"
            if wall
            else ""
        )
        + ".",
        "- **Versions**: " + ", ".join(f"{k} {'/'.join(v)}" for k, v in versions.items()) + ".",
        "- **Machine**: "
        + "; ".join(
            f"{m.get('processor')}, {m.get('cpu_count')} cores, {m.get('device')}"
            for m in meta.get("machines", {}).values()
        )
        + " (shared with other jobs while it ran).",
        "- **Reading the tables**: bold activations are within the 95% interval of the "
        "setting's best mean (the set the advisor's evaluation counts as a hit); Δ is the "
        "difference of means to ReLU; *significant* means Holm-adjusted p < 0.05.",
    ]
    pending = pending_settings(evidence)
    if pending:
        lines.append(
            f"- **Pending**: {len(pending)} of the suite's {len(SETTINGS)} settings have no "
            f"evidence here yet ({', '.join(pending)}): the machine this was measured on did "
            "not have the time for them. `actlab bench suite --settings "
            f"{','.join(pending)} --out runs/suite` runs them (resumable), and `actlab bench "
            "suite --out runs/suite --evidence src/actlab/advise/evidence/suite-v1.json` "
            "then writes the evidence of every setting."
        )
    if missing:
        lines.append(
            "- **Not finished**: "
            + "; ".join(
                f"{name}: {len(m)} run(s) ({', '.join(m[:6])}{', ...' if len(m) > 6 else ''})"
                for name, m in missing.items()
            )
            + f". `{command}` resumes them."
        )
    lines += [
        "",
        "## Overall ranks",
        "",
        "Mean rank over the settings (1 = best in a setting).",
        "",
    ]
    lines += overall_table(evidence)
    for s in evidence.settings:
        lines += [
            "",
            f"## {s.name}",
            "",
            f"{s.summary}. Setting: "
            + ", ".join(f"{k} {v}" for k, v in s.setting.items() if k not in ("priority", "target"))
            + ".",
        ]
        late = _late(s.cells, s.epochs)
        if late:
            lines.append(
                f"Budget {s.epochs} epochs with a cosine schedule; {late} (the best-validation epoch)."
            )
        wall = meta.get("setting_wall_seconds", {}).get(s.name)
        if wall:
            lines.append(
                f"Wall time {wall / 60:.1f} min (tuning runs included; "
                f"{s.run_seconds / 60:.1f} min of final runs summed)."
            )
        lines += [""] + leaderboard(s)
    return "\n".join(lines) + "\n"
