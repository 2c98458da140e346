"""One self-contained `report.html` for an experiment: setup, summary, figures, environment.

Everything is inside the file — styles inline, figures as base64 PNG data URIs — so it can be
mailed or archived and opens offline. Text from configs and errors is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from actlab.experiments.stats import ALPHA, SummaryRow
from actlab.report.experiment_figures import FigureFile, setting_name

if TYPE_CHECKING:
    from actlab.experiments.experiment import ExperimentResult

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 1150px; margin: 2em auto; padding: 0 1em;
       color: #1d1d1f; }
h1 { font-size: 1.7em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { padding: 0.3em 0.7em; border-bottom: 1px solid #e5e5e5; text-align: right;
         white-space: nowrap; }
th { background: #f5f5f7; } td.l, th.l { text-align: left; }
tr.baseline td { background: #f2f7ff; } .sig { color: #0a6b2d; font-weight: 600; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; } code, pre { background: #f5f5f7; padding: 0.1em 0.3em; }
.note { color: #8a5a00; }
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _num(value: float, digits: int = 4) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _pct(value: float, digits: int = 2) -> str:
    return "–" if math.isnan(value) else f"{100 * value:.{digits}f}"


def _p(value: float) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:.2e}" if value < 1e-3 else f"{value:.3g}"


def _table(
    head: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1, highlight: int | None = None
) -> str:
    """Cells are already HTML; the first `left` columns are left-aligned; row number
    `highlight` (the baseline) is shaded."""
    cls = lambda i: ' class="l"' if i < left else ""
    out = ["<table><tr>" + "".join(f"<th{cls(i)}>{h}</th>" for i, h in enumerate(head)) + "</tr>"]
    for n, row in enumerate(rows):
        attrs = ' class="baseline"' if n == highlight else ""
        out.append(
            f"<tr{attrs}>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        )
    return "\n".join(out) + "</table>"


def summary_table(rows: Sequence[SummaryRow]) -> str:
    head = [
        "rank",
        "activation",
        "seeds",
        "test acc %",
        "± std",
        "95% CI",
        "test loss",
        "epochs to target",
        "Δ vs baseline (pp)",
        "p (Welch)",
        "p (Holm)",
        "significant",
        "note",
    ]
    body = []
    highlight = None
    for n, r in enumerate(sorted(rows, key=lambda r: r.rank)):
        ci = (
            "–"
            if math.isnan(r.test_acc_ci95_low)
            else (f"[{_pct(r.test_acc_ci95_low)}, {_pct(r.test_acc_ci95_high)}]")
        )
        reach = f"{_num(r.epochs_to_target_mean, 1)} ({r.n_reached_target}/{r.n_seeds})"
        is_base = r.activation == r.baseline
        sig = (
            "–"
            if is_base or math.isnan(r.p_value_vs_baseline)
            else ("yes" if r.significant else "no")
        )
        body.append(
            [
                str(r.rank),
                f"<code>{_e(r.activation)}</code>",
                str(r.n_seeds),
                _pct(r.test_acc_mean),
                _pct(r.test_acc_std),
                ci,
                _num(r.test_loss_mean),
                reach,
                "–" if is_base else _pct(r.diff_vs_baseline),
                _p(r.p_value_vs_baseline),
                _p(r.p_value_holm),
                '<span class="sig">yes</span>' if sig == "yes" else sig,
                f'<span class="note">{_e(r.note)}</span>' if r.note not in ("", "baseline") else "",
            ]
        )
        highlight = n if is_base else highlight
    return _table(head, body, left=2, highlight=highlight)


def _figure(fig: FigureFile) -> str:
    data = base64.b64encode(fig.path.read_bytes()).decode("ascii")
    return (
        f'<figure><img alt="{_e(fig.title)}" src="data:image/png;base64,{data}">'
        f"<figcaption><b>{_e(fig.title)}.</b> {_e(fig.caption)}</figcaption></figure>"
    )


def _setup(result: ExperimentResult) -> str:
    c = result.config
    items = [
        ("datasets", ", ".join(c.datasets)),
        ("models", ", ".join(c.models)),
        ("activations", ", ".join(c.activations)),
        ("baseline", c.baseline),
        ("seeds", ", ".join(map(str, c.seeds))),
        ("depths", ", ".join(map(str, c.depths))),
        ("hidden units", c.hidden),
        ("epochs", c.epochs),
        ("batch size", c.batch_size),
        ("optimizer", f"{c.optimizer}, lr {c.lr:g}, weight decay {c.weight_decay:g}"),
        ("init", c.init),
        ("dropout", c.dropout),
        ("device", c.device),
        (
            "target accuracy",
            "auto (95% of the baseline's mean final test accuracy)"
            if c.target_accuracy is None
            else f"{100 * c.target_accuracy:g}%",
        ),
        ("dataset options", c.dataset_options or "none"),
        ("health", "recorded per epoch" if c.health else "off"),
        ("workers", c.workers),
        (
            "runs",
            f"{result.n_total} in the grid: {result.n_ran} trained now, {result.n_skipped} "
            f"already finished, {len(result.failed)} failed",
        ),
    ]
    return _table(["setting", "value"], [[_e(k), _e(v)] for k, v in items], left=2)


def _environment(result: ExperimentResult) -> str:
    seen: dict[tuple, int] = {}
    for r in result.records:
        m = r.machine
        key = (
            r.versions.get("actlab"),
            r.versions.get("torch"),
            r.versions.get("python"),
            m.get("host"),
            m.get("platform"),
            m.get("processor"),
            m.get("cpu_count"),
            m.get("torch_threads"),
            m.get("device"),
            m.get("gpu", ""),
        )
        seen[key] = seen.get(key, 0) + 1
    head = [
        "actlab",
        "torch",
        "python",
        "host",
        "platform",
        "processor",
        "CPUs",
        "torch threads",
        "device",
        "GPU",
        "runs",
    ]
    rows = [[_e(v) for v in (*key, n)] for key, n in seen.items()]
    return _table(head, rows, left=len(head) - 1)


def _failures(result: ExperimentResult) -> str:
    if not result.failed:
        return ""
    items = "".join(
        f"<li><code>{_e(r.config.label)}</code> seed {r.config.seed} on {_e(r.config.dataset)}: "
        f"<pre>{_e(r.error or '')}</pre></li>"
        for r in result.failed
    )
    return f"<h2>Failed runs</h2><ul>{items}</ul>"


def render_report(
    result: ExperimentResult,
    figures: Sequence[FigureFile],
    overview: Sequence[FigureFile] = (),
) -> str:
    """The report's HTML; `figures` go under their setting, `overview` figures (across
    settings, such as accuracy vs depth) in a section of their own before the settings."""
    settings = sorted({(r.dataset, r.model, r.depth) for r in result.summary})
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>actlab compare report</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>actlab: activation comparison</h1>",
        f"<p>Generated {datetime.now().isoformat(timespec='seconds')} from <code>"
        f"{_e(result.out)}</code>.</p>",
        "<h2>Setup</h2>",
        _setup(result),
        "<h2>Summary</h2>",
        f"<p>Final-epoch test accuracy over seeds: mean, sample std and the 95% confidence "
        f"interval of the mean (t-distribution). Each activation is compared with the baseline "
        f"<code>{_e(result.config.baseline)}</code> by Welch's t-test; <i>significant</i> means "
        f"p &lt; {ALPHA} (uncorrected; the Holm column corrects for the number of comparisons). "
        f"Epochs to target: mean first epoch reaching the target accuracy over the runs that "
        f"reached it (reached/total). Accuracies in percent; Δ in percentage points.</p>",
    ]
    if overview:
        parts.append("<h3>Across depths</h3>")
        parts += [_figure(fig) for fig in overview]
    for setting in settings:
        rows = [r for r in result.summary if (r.dataset, r.model, r.depth) == setting]
        parts.append(
            f"<h3>{_e(setting_name(setting))} — target accuracy "
            f"{_pct(rows[0].target_accuracy, 1)}%</h3>"
        )
        parts.append(summary_table(rows))
        for fig in figures:
            if fig.title.endswith(setting_name(setting)):
                parts.append(_figure(fig))
    if not settings:
        parts.append("<p class='note'>No run finished, so there is nothing to summarise.</p>")
    parts += [_failures(result), "<h2>Environment</h2>", _environment(result), "</body></html>"]
    return "\n".join(parts)


def write_report(
    result: ExperimentResult,
    figures: Sequence[FigureFile],
    path: Path,
    overview: Sequence[FigureFile] = (),
) -> Path:
    path.write_text(render_report(result, figures, overview), encoding="utf-8")
    return path
