"""What experiment commands print: the summary table per setting, the backend, a dry run."""

from __future__ import annotations

import json
import math
import sys

import click

from actlab.experiments.config import ConfigError


def dry_run_report(config, as_json: bool) -> None:
    """Plan `config` (read the data, build each model once) and say what would run."""
    from actlab.experiments import ExperimentError
    from actlab.experiments.checks import grid_size, resolve_baseline
    from actlab.experiments.experiment import plan

    try:
        fingerprints = plan(config)
    except (ExperimentError, ConfigError) as error:
        raise click.ClickException(str(error)) from None
    baseline, why = resolve_baseline(config)
    data = {
        "runs": grid_size(config),
        "datasets": list(config.datasets),
        "models": list(config.models),
        "activations": list(config.activations),
        "seeds": len(config.seeds),
        "baseline": baseline,
        "fingerprints": fingerprints,
        "out": config.out,
    }
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(
        f"dry run: {data['runs']} run(s) of {len(config.activations)} activation(s) on "
        f"{', '.join(config.datasets)} with {', '.join(config.models)}, {data['seeds']} seed(s); "
        f"baseline {baseline}"
        + ("" if why in ("given", "default") else f" ({why})")
        + "; data and models checked, nothing trained or written."
    )


def _fmt(value: float, scale: float = 100.0, digits: int = 2) -> str:
    return "–" if math.isnan(value) else f"{scale * value:.{digits}f}"


def summary_table(rows, title: str):
    from rich.table import Table

    from actlab.report.experiment.figures import clip_interval, unit_for

    unit = unit_for(rows[0].metric)
    score = "acc %" if unit.scale == 100 else "R²"
    table = Table(title=title)
    headers = ("rank", "activation", "seeds", f"test {score}", "95% CI", f"val {score}", "lr",
               "epochs→target", "Δ", "p (Holm)", "sig.")  # fmt: skip
    for header in headers:
        table.add_column(header, justify="left" if header == "activation" else "right")
    for r in sorted(rows, key=lambda r: r.rank):
        base = r.activation == r.baseline
        if math.isnan(r.test_acc_ci95_low):
            ci = "–"
        else:
            low, high = clip_interval(r.test_acc_ci95_low, r.test_acc_ci95_high, unit)
            ci = f"{low:.2f}–{high:.2f}"
        std = "" if math.isnan(r.test_acc_std) else f" ± {_fmt(r.test_acc_std, unit.scale)}"
        p = r.p_value_holm
        table.add_row(
            str(r.rank),
            r.activation + (" (baseline)" if base else ""),
            str(r.n_seeds),
            _fmt(r.test_acc_mean, unit.scale) + std,
            ci,
            _fmt(r.val_acc_mean, unit.scale),
            f"{r.lr:g}",
            f"{_fmt(r.epochs_to_target_mean, 1.0, 1)} ({r.n_reached_target}/{r.n_seeds})",
            "–" if base else f"{_fmt(r.diff_vs_baseline, unit.scale):>6}",
            "–" if math.isnan(p) else f"{p:.3g}",
            "–" if base or math.isnan(p) else ("yes" if r.significant else "no"),
        )
    return table


def print_summary(result) -> None:
    from rich.console import Console

    from actlab.experiments.run_config import setting_key
    from actlab.report.experiment.figures import setting_name

    console = Console(width=None if sys.stdout.isatty() else 160, highlight=False)
    for note in result.notes:
        console.print(f"note: {note}")
    settings = sorted({(r.dataset, r.model, r.depth) for r in result.summary}, key=setting_key)
    for setting in settings:
        rows = [r for r in result.summary if (r.dataset, r.model, r.depth) == setting]
        target = rows[0].target_accuracy
        shown = "–" if math.isnan(target) else f"{_fmt(target, digits=1)}%"
        console.print(summary_table(rows, f"{setting_name(setting)}: test score, target {shown}"))
        for note in sorted({r.note for r in rows if r.note and r.note != "baseline"}):
            console.print(f"note: {note}")
        for r in sorted(rows, key=lambda r: r.rank):
            console.print(f"  runs of {r.activation}: {r.run_ids}", style="dim")
    print_backend(console, result)
    console.print(
        f"{result.n_ran} run(s) trained, {result.n_skipped} already finished, "
        f"{len(result.failed)} failed, in {result.seconds:.1f} s."
    )
    console.print(f"Report: {result.files.get('report', result.out / 'report.html')}")


def print_backend(console, result) -> None:
    """One line on the Ray cluster the runs used (nothing for the local backend)."""
    b = result.backend
    if b.get("backend") == "ray":
        console.print(
            f"Ray {b['ray']} at {b['address']}: {b['nodes']} node(s), {b['cpus']:g} CPU(s), "
            f"{b['gpus']:g} GPU(s); {b['retried']} run(s) retried after a worker died."
        )
