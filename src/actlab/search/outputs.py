"""The search's files: ranking.json (what `--json` prints), ranking.csv, candidates.csv, PNG
figures (the best shapes and their derivatives, fitness by rung, the final stage, families)
and one self-contained report.html (figures inlined as base64, text escaped)."""

from __future__ import annotations

import base64
import csv
import html
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from actlab.search.result import SearchResult, rectifier_share, shape_label, shares_text

TOP_PLOTTED = 10
TOP_TABLE = 25
FAMILIES_DRAWN = 8  # the families of the best candidates (cluster ids follow the ranking)


def write_outputs(result: SearchResult) -> dict[str, Path]:
    out = result.out
    files: dict[str, Path] = {"store": out / "runs" / "results.sqlite"}
    files["ranking_json"] = out / "ranking.json"
    files["ranking_json"].write_text(
        json.dumps(result.to_json(), indent=1, allow_nan=False), encoding="utf-8"
    )
    files["ranking_csv"] = _write_csv(out / "ranking.csv", [_flat(r) for r in result.ranking])
    files["candidates_csv"] = _write_csv(
        out / "candidates.csv",
        [{"expression": c.label, "genome": " ".join(c.genome), "fingerprint": c.key,
          "equal_expressions": " | ".join(c.members)} for c in result.candidates],
    )  # fmt: skip
    figures = _figures(result)
    files.update({name: path for name, (path, _) in figures.items()})
    files["report"] = out / "report.html"
    files["report"].write_text(render(result, figures), encoding="utf-8")
    return files


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    out = {
        k: v
        for k, v in row.items()
        if k not in ("final", "transfer", "learned", "members", "fitness_by_rung", "fitness_ci95")
    }
    ci = row["fitness_ci95"] or [None, None]
    out["fitness_ci95_low"], out["fitness_ci95_high"] = ci
    final = row["final"] or {}
    for key in ("test_acc_mean", "diff_vs_baseline", "p_value", "p_value_holm", "significant"):
        out[f"final_{key}"] = final.get(key)
    out["learned"] = " ".join(f"{k}={v}" for k, v in row["learned"].items())
    out["equal_expressions"] = " | ".join(row["members"])
    return out


def _write_csv(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        if rows:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return path


# -- figures ----------------------------------------------------------------------------------


def _curves(expression: str, learned: dict[str, float], x: np.ndarray):
    from actlab.expr import canonical_tree
    from actlab.expr.facts import curve

    tree, _ = canonical_tree(expression.removeprefix("expr:"))
    return curve(tree, x, learned or None)


def _figures(result: SearchResult) -> dict[str, tuple[Path, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made: dict[str, tuple[Path, str]] = {}
    top = result.ranking[:TOP_PLOTTED]
    if top:
        x = np.linspace(-5, 5, 401)
        fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(12, 4.8))
        for row in top:
            f, d1 = _curves(row["expression"], row["learned"], x)
            label = f"{row['rank']}. {row['expression'][5:]}"
            ax_f.plot(x, np.clip(f, -6, 6), lw=1.4, label=label)
            ax_d.plot(x, np.clip(d1, -3, 3), lw=1.4)
        ax_f.plot(
            x,
            np.maximum(x, 0),
            "k--",
            lw=1,
            label=f"{result.config.baseline} (baseline)"
            if result.config.baseline == "relu"
            else "relu",
        )
        ax_d.plot(x, (x > 0).astype(float), "k--", lw=1)
        for ax, title in ((ax_f, "f(x) of the best candidates"), (ax_d, "f′(x) (autograd)")):
            ax.set_title(title)
            ax.grid(alpha=0.3)
            ax.set_xlabel("x")
        ax_f.legend(fontsize=7, loc="upper left")
        made["top_shapes"] = _save(
            fig,
            result.out / "top_shapes.png",
            "The best candidates (learned β where known, else β = 1) and their derivatives; curves clipped to the panel.",
        )
        plt.close(fig)
    if result.scores:
        fig, ax = plt.subplots(figsize=(8, 4.2))
        for index, scores in enumerate(result.scores):
            values = [
                v
                for label, vs in scores.items()
                if label != result.config.baseline
                for v in [np.mean(vs)]
                if math.isfinite(v)
            ]
            jitter = np.random.default_rng(index).uniform(-0.3, 0.3, len(values))
            ax.scatter(index + jitter, 100 * np.asarray(values), s=4, alpha=0.5)
            base = scores.get(result.config.baseline)
            if base:
                ax.plot([index - 0.4, index + 0.4], [100 * np.mean(base)] * 2, "k-", lw=2)
        ax.set_xticks(
            range(len(result.scores)),
            [
                f"rung {i}\n{e} ep × {s} seed"
                for i, (e, s) in enumerate(result.config.rungs[: len(result.scores)])
            ],
        )
        ax.set_ylabel(
            "validation score (%)" if result.config.fitness == "val_acc" else "−val loss × 100"
        )
        ax.set_title(f"Fitness at each rung (black: {result.config.baseline})")
        ax.grid(alpha=0.3)
        made["rungs"] = _save(
            fig,
            result.out / "rungs.png",
            "Every candidate's mean fitness at each rung it reached; the black bar is the baseline at that rung.",
        )
        plt.close(fig)
    if result.final:
        rows = sorted(result.final, key=lambda r: r.rank)
        fig, ax = plt.subplots(figsize=(8, 0.6 * len(rows) + 1.5))
        for i, row in enumerate(rows):
            ax.errorbar(
                100 * row.test_acc_mean,
                i,
                xerr=[
                    [100 * (row.test_acc_mean - row.test_acc_ci95_low)],
                    [100 * (row.test_acc_ci95_high - row.test_acc_mean)],
                ],
                fmt="o",
                capsize=4,
                color="k" if row.activation == row.baseline else "C0",
            )
        ax.set_yticks(range(len(rows)), [r.activation.removeprefix("expr:") for r in rows])
        ax.invert_yaxis()
        ax.set_xlabel("test accuracy (%), mean and 95% CI over seeds")
        ax.set_title("Final stage")
        ax.grid(alpha=0.3)
        made["final"] = _save(
            fig,
            result.out / "final.png",
            "Finalists and the baseline at the final budget: mean test accuracy with its 95% t-interval.",
        )
        plt.close(fig)
    families = dict(list(_families(result).items())[:FAMILIES_DRAWN])
    if families:
        n = len(families)
        cols = min(4, n)
        rows_n = math.ceil(n / cols)
        fig, axes = plt.subplots(rows_n, cols, figsize=(3.2 * cols, 2.6 * rows_n), squeeze=False)
        x = np.linspace(-5, 5, 201)
        for ax, (cluster, members) in zip(axes.flat, families.items(), strict=False):
            for row in members[:6]:
                f, _ = _curves(row["expression"], row["learned"], x)
                ax.plot(x, np.clip(f, -6, 6), lw=1)
            ax.set_title(f"family {cluster}: {members[0]['family']} ({len(members)})", fontsize=9)
            ax.grid(alpha=0.3)
        for ax in list(axes.flat)[n:]:
            ax.axis("off")
        fig.tight_layout()
        made["families"] = _save(
            fig,
            result.out / "families.png",
            "Families among the best candidates: curves correlating by ≥ 0.99 (up to six drawn per family).",
        )
        plt.close(fig)
    return made


def _families(result: SearchResult) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for row in result.ranking:
        if "cluster" in row:
            out.setdefault(row["cluster"], []).append(row)
    return out


def _save(fig, path: Path, caption: str) -> tuple[Path, str]:
    fig.savefig(path, dpi=90, bbox_inches="tight")
    return path, caption


# -- report.html ------------------------------------------------------------------------------


def _e(value: object) -> str:
    return html.escape(str(value))


def _pct(value: float | None, digits: int = 2) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{100 * value:.{digits}f}"


def _p(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.2e}" if value < 1e-3 else f"{value:.3g}"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = ["<div class='scroll'><table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    out += ["<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows]
    return "\n".join(out) + "</table></div>"


def ranking_rows(result: SearchResult, top: int) -> list[list[str]]:
    rows = []
    for r in result.ranking[:top]:
        final = r["final"] or {}
        ci = r["fitness_ci95"]
        rows.append([
            str(r["rank"]), f"<code>{_e(r['expression'])}</code>",
            f"{_pct(r['fitness'])} ({_e(r['fitness_stage'])})",
            f"{_pct(ci[0])}–{_pct(ci[1])}" if ci else "–",
            _pct(r["delta_vs_baseline_rung"]) if r["delta_vs_baseline_rung"] is not None else "–",
            _pct(final.get("test_acc_mean")),
            _pct(final.get("diff_vs_baseline")),
            _p(final.get("p_value_holm")),
            ("yes" if final.get("significant") else "no") if final else "–",
            _e(shape_label(r)), _e(r["family"]), _e(", ".join(f"{k}={v:g}" for k, v in r["learned"].items()) or "–"),
        ])  # fmt: skip
    return rows


RANKING_HEAD = ("rank", "expression", "fitness (val %)", "95% CI", "Δ vs baseline at rung (pp)",
                "final test %", "Δ test (pp)", "p (Holm)", "sig.", "shape class", "family fit", "learned β")  # fmt: skip


def render(result: SearchResult, figures: dict[str, tuple[Path, str]]) -> str:
    c = result.config
    t = result.throughput()
    f = result.filtering
    parts = [
        "<!doctype html><meta charset='utf-8'><title>actlab search</title>",
        f"<style>{_STYLE}</style><h1>actlab search: {_e(c.space)}, {_e(c.strategy)}</h1>",
        f"<p>{f['proposed']:,} expressions proposed → {f['canonical']:,} distinct canonical texts → "
        f"{f['non_finite']:,} non-finite, {f['constant']:,} constant and {f['duplicates']:,} equal to "
        f"another on the fingerprint grid dropped → <b>{f['distinct']:,} distinct candidates</b>; "
        f"scored at rung 0 in {t['rung0_seconds']:,.0f} s of training wall time "
        f"(<b>{t['per_hour_rung0']:,.0f} per hour</b>; {t['per_hour_search']:,.0f} per hour over "
        f"the {t['search_seconds']:,.0f} s of all stages; run start and finish times from the "
        f"store, so a resumed search counts its earlier part and not the pause). Proxy: {_e(c.dataset)} / {_e(c.model)} "
        f"{_e(c.model_options)}, fitness {_e(c.fitness)} of the last epoch (validation split only); "
        f"of the top 10, {rectifier_share(result.ranking)} are ReLU-like or Swish-like "
        f"(shape classes, {_e(shares_text(result.ranking))}).</p>",
        "<h2>Ranking</h2>",
        _table(RANKING_HEAD, ranking_rows(result, TOP_TABLE)),
        "<p>Fitness: mean validation score at the final stage (finalists) or at the highest rung "
        "reached. Final test scores are measured once per run and never used to choose.</p>",
    ]
    for setting, rows in [
        (f"{c.dataset}/{c.model} (final)", result.final),
        *result.transfer.items(),
    ]:
        if not rows:
            continue
        body = [[f"<code>{_e(r.activation)}</code>", str(r.n_seeds), _pct(r.test_acc_mean),
                 f"{_pct(r.test_acc_ci95_low)}–{_pct(r.test_acc_ci95_high)}", _pct(r.diff_vs_baseline),
                 _p(r.p_value_vs_baseline), _p(r.p_value_holm), "yes" if r.significant else "no"]
                for r in sorted(rows, key=lambda r: r.rank)]  # fmt: skip
        parts += [
            f"<h2>{_e(setting)}</h2>",
            _table(
                ("activation", "seeds", "test %", "95% CI", "Δ pp", "p", "p (Holm)", "sig."), body
            ),
        ]
    for name, (path, caption) in figures.items():
        data = base64.b64encode(path.read_bytes()).decode()
        parts.append(
            f"<figure><img alt='{_e(name)}' src='data:image/png;base64,{data}'><figcaption>{_e(caption)}</figcaption></figure>"
        )
    stage_rows = [[_e(s.name), _e(f"{s.dataset}/{s.model}"), str(s.epochs), str(s.seeds), str(s.activations),
                   str(s.ran), str(s.skipped), str(s.failed), f"{s.seconds:.1f}"] for s in result.stages]  # fmt: skip
    parts += [
        "<h2>Stages</h2>",
        _table(
            (
                "stage",
                "setting",
                "epochs",
                "seeds",
                "activations",
                "trained",
                "in store",
                "failed",
                "seconds",
            ),
            stage_rows,
        ),
    ]
    parts += ["<h2>Settings</h2>", f"<pre>{_e(json.dumps(c.to_dict(), indent=1))}</pre>"]
    return "\n".join(parts)


_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 1180px; margin: 2em auto; padding: 0 1em; }
h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; } .scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.86em; } th, td { padding: 0.3em 0.55em;
border-bottom: 1px solid #e5e5e5; text-align: right; } th { background: #f5f5f7; }
td:nth-child(2) { text-align: left; } figure img { max-width: 100%; } figcaption { color: #555; }
"""
