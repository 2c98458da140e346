"""One self-contained `report.html` for an experiment: setup, data, summary, figures,
learning-rate choice, runs, environment.

Everything is inside the file — styles inline, figures as base64 PNG data URIs — so it can be
mailed or archived and opens offline. Text from configs and errors is HTML-escaped. Tables
wrap within a 1280-px page; accuracy is in percent, intervals are clipped to 0–100%.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from actlab.experiments.run_config import setting_key
from actlab.experiments.stats import ALPHA
from actlab.report.experiment.figures import FigureFile, setting_name
from actlab.report.experiment.tables import (
    data_table,
    environment_table,
    failures_section,
    runs_section,
    setup_table,
    summary_table,
    tuning_section,
)
from actlab.report.experiment.tables import (
    escape as _e,
)

if TYPE_CHECKING:
    from actlab.experiments.result import ExperimentResult

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 1180px; margin: 2em auto; padding: 0 1em;
       color: #1d1d1f; }
h1 { font-size: 1.7em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.86em; }
th, td { padding: 0.3em 0.55em; border-bottom: 1px solid #e5e5e5; text-align: right; }
th { background: #f5f5f7; } td.l, th.l { text-align: left; }
td.w { white-space: normal; max-width: 22em; text-align: left; } td:not(.w) { white-space: nowrap; }
tr.baseline td { background: #f2f7ff; } .sig { color: #0a6b2d; font-weight: 600; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; } code, pre { background: #f5f5f7; padding: 0.1em 0.3em; }
pre { white-space: pre-wrap; } .note { color: #8a5a00; }
"""


def _figure(fig: FigureFile) -> str:
    data = base64.b64encode(fig.path.read_bytes()).decode("ascii")
    return (
        f'<figure><img alt="{_e(fig.title)}" src="data:image/png;base64,{data}">'
        f"<figcaption><b>{_e(fig.title)}.</b> {_e(fig.caption)}</figcaption></figure>"
    )


def render_report(
    result: ExperimentResult,
    figures: Sequence[FigureFile],
    overview: Sequence[FigureFile] = (),
    title: str = "actlab: activation comparison",
) -> str:
    """The report's HTML; `figures` go under their setting, `overview` figures (across
    settings, such as accuracy vs depth) in a section of their own before the settings."""
    settings = sorted({(r.dataset, r.model, r.depth) for r in result.summary}, key=setting_key)
    notes = "".join(f'<p class="note">{_e(n)}</p>' for n in result.notes)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f"<p>Generated {datetime.now().isoformat(timespec='seconds')} from <code>"
        f"{_e(result.out)}</code>.</p>",
        notes,
        "<h2>Setup</h2>",
        setup_table(result),
        "<h2>Data</h2>",
        "<p>Runs are keyed by the data's fingerprint (SHA-256 of every split's shapes, dtypes "
        "and bytes), so changed data is never mistaken for the data of an earlier run.</p>",
        data_table(result),
        "<h2>Summary</h2>",
        "<p>The test score of each run is measured once, after training, on the model the "
        "protocol selects; mean over seeds, sample std and the 95% confidence interval of the "
        "mean (t-distribution; shown clipped to the metric's range). Each activation is "
        f"compared with the baseline <code>{_e(result.baseline)}</code> by Welch's t-test; "
        f"<i>significant</i> means the Holm-adjusted p-value is below {ALPHA} (Holm corrects "
        "for comparing several activations with one baseline; the uncorrected p is shown "
        "beside it). Epochs to target: mean first epoch whose validation score reaches the "
        "target, over the runs that reached it (reached/total). Accuracy in percent; Δ in "
        "percentage points.</p>",
    ]
    if overview:
        parts.append("<h3>Across depths</h3>")
        parts += [_figure(fig) for fig in overview]
    for setting in settings:
        rows = [r for r in result.summary if (r.dataset, r.model, r.depth) == setting]
        target = rows[0].target_accuracy
        shown = (
            "–"
            if math.isnan(target)
            else f"{100 * target:.1f}%"
            if rows[0].metric == "accuracy"
            else f"{target:.3f}"
        )
        parts.append(f"<h3>{_e(setting_name(setting))} — target {shown}</h3>")
        parts.append(summary_table(rows))
        for fig in figures:
            if fig.title.endswith(setting_name(setting)):
                parts.append(_figure(fig))
    if not settings:
        parts.append("<p class='note'>No run finished, so there is nothing to summarise.</p>")
    parts += [
        tuning_section(result),
        runs_section(result),
        failures_section(result),
        "<h2>Environment</h2>",
        environment_table(result),
        "</body></html>",
    ]
    return "\n".join(parts)


def write_report(
    result: ExperimentResult,
    figures: Sequence[FigureFile],
    path: Path,
    overview: Sequence[FigureFile] = (),
    title: str = "actlab: activation comparison",
) -> Path:
    path.write_text(render_report(result, figures, overview, title), encoding="utf-8")
    return path
