"""The tables of report.html: summary per setting, setup, data, lr choice, runs, environment.

Cells are HTML (text escaped); tables scroll sideways and wrap long cells, so they fit a
1280-px page. Accuracy in percent; intervals clipped to what the metric can be.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from actlab.experiments.run_config import setting_key
from actlab.experiments.stats import SummaryRow
from actlab.report.experiment.figures import clip_interval, setting_name, unit_for

if TYPE_CHECKING:
    from actlab.experiments.result import ExperimentResult


def escape(value: object) -> str:
    return html.escape(str(value))


def _num(value: float | None, digits: int = 4) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _p(value: float) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:.2e}" if value < 1e-3 else f"{value:.3g}"


def _table(
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    left: int = 1,
    highlight: int | None = None,
    wrap: Sequence[int] = (),
) -> str:
    """Cells are already HTML; the first `left` columns are left-aligned, columns in `wrap`
    wrap their text; row number `highlight` (the baseline) is shaded."""

    def cls(i: int) -> str:
        return ' class="w"' if i in wrap else (' class="l"' if i < left else "")

    out = ['<div class="scroll"><table><tr>']
    out.append("".join(f"<th{cls(i)}>{h}</th>" for i, h in enumerate(head)) + "</tr>")
    for n, row in enumerate(rows):
        attrs = ' class="baseline"' if n == highlight else ""
        out.append(
            f"<tr{attrs}>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        )
    return "\n".join(out) + "</table></div>"


def summary_table(rows: Sequence[SummaryRow]) -> str:
    unit = unit_for(rows[0].metric if rows else "accuracy")
    score = "acc %" if unit.scale == 100 else "R²"
    head = [
        "rank",
        "activation",
        "seeds",
        f"test {score}",
        "± std",
        "95% CI",
        f"val {score}",
        "test loss",
        "lr",
        "epochs to target",
        "Δ vs baseline",
        "p (Welch)",
        "p (Holm)",
        "significant",
        "note",
    ]
    body = []
    highlight = None
    for n, r in enumerate(sorted(rows, key=lambda r: r.rank)):
        if math.isnan(r.test_acc_ci95_low):
            ci = "–"
        else:
            low, high = clip_interval(r.test_acc_ci95_low, r.test_acc_ci95_high, unit)
            ci = f"[{low:.2f}, {high:.2f}]"
        reach = f"{_num(r.epochs_to_target_mean, 1)} ({r.n_reached_target}/{r.n_seeds})"
        is_base = r.activation == r.baseline
        sig = "–" if is_base or math.isnan(r.p_value_holm) else ("yes" if r.significant else "no")
        body.append(
            [
                str(r.rank),
                f"<code>{escape(r.activation)}</code>",
                str(r.n_seeds),
                _num(unit.show(r.test_acc_mean), 2),
                _num(unit.show(r.test_acc_std), 2),
                ci,
                _num(unit.show(r.val_acc_mean), 2),
                _num(r.test_loss_mean),
                f"{r.lr:g}",
                reach,
                "–" if is_base else _num(unit.show(r.diff_vs_baseline), 2),
                _p(r.p_value_vs_baseline),
                _p(r.p_value_holm),
                '<span class="sig">yes</span>' if sig == "yes" else sig,
                f'<span class="note">{escape(r.note)}</span>'
                if r.note not in ("", "baseline")
                else "",
            ]
        )
        highlight = n if is_base else highlight
    return _table(head, body, left=2, highlight=highlight, wrap=(len(head) - 1,))


def setup_table(result: ExperimentResult) -> str:
    c, t = result.config, result.config.training
    options = {
        k: getattr(c, k)
        for k in ("hidden", "dropout", "residual", "norm")
        if getattr(c, k) is not None
    }
    options.update(c.model_options)
    schedule = t.schedule + (f", {t.warmup_epochs} warmup epoch(s)" if t.warmup_epochs else "")
    optimizer = f"{t.optimizer}, lr {t.lr:g}, weight decay {t.weight_decay:g}"
    if t.optimizer == "sgd":
        optimizer += f", momentum {t.momentum:g}" + (", nesterov" if t.nesterov else "")
    tuned = []
    if c.tune_lr:
        tuned.append(f"lr from {', '.join(f'{v:g}' for v in c.tune_lr)}")
    if c.tune_wd:
        tuned.append(f"weight decay from {', '.join(f'{v:g}' for v in c.tune_wd)}")
    items = [
        ("preset", c.preset or "none"),
        ("datasets", ", ".join(c.datasets)),
        ("models", ", ".join(c.models)),
        ("model options", options or "model defaults"),
        ("activations", ", ".join(c.activations)),
        ("baseline", result.baseline),
        ("seeds", ", ".join(map(str, c.seeds))),
        ("depths", ", ".join(map(str, c.depths)) if c.depths else "model default"),
        ("task", t.task),
        ("epochs", t.epochs),
        ("batch size", t.batch_size),
        ("optimizer", optimizer),
        ("schedule", schedule),
        (
            "label smoothing / grad clip",
            f"{t.label_smoothing:g} / {t.grad_clip if t.grad_clip else 'off'}",
        ),
        (
            "augmentation",
            t.augment if t.augment == "none" else f"{t.augment} (padding {t.crop_padding})",
        ),
        (
            "validation split",
            f"{100 * t.val_fraction:g}% of the training set, stratified, seed {t.val_seed}",
        ),
        (
            "tested model",
            "the final one" if t.select == "last" else "the epoch with the best validation score",
        ),
        (
            "tuned per activation",
            "; ".join(tuned) + f" on {c.tune_seeds} seed(s), by mean validation score"
            if tuned
            else "no",
        ),
        ("init", c.init),
        ("device", c.device),
        (
            "target accuracy",
            "auto (95% of the baseline's mean validation score)"
            if c.target_accuracy is None
            else f"{100 * c.target_accuracy:g}%",
        ),
        ("dataset options", c.dataset_options or "none"),
        ("health", "recorded per epoch" if c.health else "off"),
        ("backend", backend_text(result.backend, result.records)),
        (
            "workers × threads",
            "–" if result.plan is None else f"{result.plan[0]} × {result.plan[1]}",
        ),
        (
            "runs",
            f"{result.n_total} in the grid: {result.n_ran} trained now, {result.n_skipped} "
            f"already finished, {len(result.failed)} failed",
        ),
    ]
    return _table(
        ["setting", "value"], [[escape(k), escape(v)] for k, v in items], left=2, wrap=(1,)
    )


def backend_text(backend: dict, records: Sequence) -> str:
    """Where the runs ran: this machine, or Ray with its cluster, request and retries."""
    if backend.get("backend") != "ray":
        return "local (this machine's processes)"
    used = {r.machine.get("ray_node") for r in records} - {None}
    return (
        f"Ray {backend.get('ray')} at {backend.get('address')}: {backend.get('nodes')} node(s) "
        f"with {backend.get('cpus', 0):g} CPU(s) and {backend.get('gpus', 0):g} GPU(s); each "
        f"run requests {backend.get('cpus_per_run', 0):g} CPU(s) and "
        f"{backend.get('gpus_per_run', 0):g} GPU(s); runs of this report ran on {len(used)} "
        f"node(s); {backend.get('retried', 0)} run(s) retried after a worker died (at most "
        f"{backend.get('max_retries')} retries each)"
    )


def data_table(result: ExperimentResult) -> str:
    seen: dict[str, dict] = {}
    for r in result.records:
        if r.data and r.config.dataset not in seen:
            seen[r.config.dataset] = r.data
    rows = []
    for name, info in seen.items():
        sizes = info.get("validation", {}).get("sizes", info.get("sizes", {}))
        files = info.get("files") or {}
        listed = "; ".join(
            f"{f}: sha256 {v.get('sha256') or '–'}"
            + ("" if v.get("official", True) else " (not the official file)")
            for f, v in files.items()
        )
        rows.append(
            [
                f"<code>{escape(name)}</code>",
                escape(info.get("fingerprint", "–")),
                escape(" / ".join(f"{sizes.get(k, '–')}" for k in ("train", "val", "test"))),
                escape(info.get("source", "")),
                escape(listed or "generated or given in memory"),
            ]
        )
    head = ["dataset", "fingerprint", "train / val / test", "source", "files"]
    return _table(head, rows, left=1, wrap=(3, 4)) if rows else "<p>No run finished.</p>"


def tuning_section(result: ExperimentResult) -> str:
    if not result.tuning:
        return ""
    unit = unit_for(result.summary[0].metric if result.summary else "accuracy")
    rows = [
        [
            escape(setting_name((c.dataset, c.model, c.depth))),
            f"<code>{escape(c.activation)}</code>",
            f"{c.lr:g}",
            f"{c.weight_decay:g}",
            _num(unit.show(c.val_score), 2),
            _num(c.val_loss),
            str(c.n_runs),
            "<b>chosen</b>" if c.chosen else "",
        ]
        for c in result.tuning
    ]
    head = [
        "setting",
        "activation",
        "lr",
        "weight decay",
        "mean val score",
        "mean val loss",
        "runs",
        "",
    ]
    return (
        "<h2>Learning-rate choice</h2><p>Each activation trained at every candidate on the "
        f"first {result.config.tune_seeds} seed(s); the best mean validation score chose its "
        "value. The test set played no part in the choice.</p>" + _table(head, rows, left=2)
    )


def runs_section(result: ExperimentResult) -> str:
    rows = [
        [
            f"<code>{escape(r.config_hash[:12])}</code>",
            escape(setting_name(r.config.setting)),
            f"<code>{escape(r.config.label)}</code>",
            str(r.config.seed),
            escape(r.status),
            _num(100 * r.test_acc if r.metric == "accuracy" else r.test_acc, 2),
            str(r.selected_epoch or "–"),
            f"{r.seconds:.1f}",
        ]
        for r in sorted(
            result.records,
            key=lambda r: (setting_key(r.config.setting), r.config.label, r.config.seed),
        )
    ]
    head = [
        "run id",
        "setting",
        "activation",
        "seed",
        "status",
        "test score",
        "tested epoch",
        "seconds",
    ]
    return (
        "<h2>Runs</h2><p>Run ids are what <code>actlab plot --from-run ID --out DIR</code> "
        "takes.</p>" + _table(head, rows, left=3)
    )


def _host(machine: dict) -> str | None:
    node = machine.get("ray_node")
    return f"{machine.get('host')} (Ray node {node})" if node else machine.get("host")


def environment_table(result: ExperimentResult) -> str:
    seen: dict[tuple, int] = {}
    for r in result.records:
        m = r.machine
        key = (
            r.versions.get("actlab"),
            r.versions.get("torch"),
            r.versions.get("python"),
            _host(m),
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
    rows = [[escape(v) for v in (*key, n)] for key, n in seen.items()]
    return _table(head, rows, left=len(head) - 1, wrap=(4,))


def failures_section(result: ExperimentResult) -> str:
    if not result.failed:
        return ""
    items = "".join(
        f"<li><code>{escape(r.config.label)}</code> seed {r.config.seed} on {escape(r.config.dataset)}: "
        f"<pre>{escape(r.error or '')}</pre></li>"
        for r in result.failed
    )
    return f"<h2>Failed runs</h2><ul>{items}</ul>"
