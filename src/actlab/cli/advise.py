"""`actlab advise`: which activation to use, with reasons, sources and measured evidence."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path
from typing import Any

import click

from actlab.advise.setting import ARCHS, DATA_KINDS, NORMS, PRIORITIES, TARGETS, TASKS

_VERIFY_ONLY = ("budget", "data_factory", "dataset", "seeds", "out")


@click.command()
@click.option(
    "--arch",
    type=click.Choice(ARCHS),
    default=None,
    help="Architecture (default mlp, or read from --model-factory).",
)
@click.option(
    "--depth",
    type=click.IntRange(1, 10_000),
    default=None,
    help="Hidden layers (MLP), blocks (ResNet, Transformer) or conv layers (default 2, or read from the model).",
)
@click.option(
    "--norm",
    type=click.Choice(NORMS),
    default=None,
    help="Normalisation before the activations (default none; layer for a transformer, batch for a resnet; or read from the model).",
)
@click.option(
    "--residual/--no-residual",
    default=None,
    help="Whether blocks add their input back (default no; yes for a transformer or resnet; or read from the model).",
)
@click.option(
    "--data",
    type=click.Choice(DATA_KINDS),
    default=None,
    help="Kind of input data (default tabular; image for a cnn or resnet, sequence for a transformer or rnn; or guessed from the model's layers).",
)
@click.option(
    "--task",
    type=click.Choice(TASKS),
    default=None,
    help="What the model is trained for (default classification).",
)
@click.option(
    "--priority",
    type=click.Choice(PRIORITIES),
    default=None,
    help="What matters most besides the task itself (default accuracy).",
)
@click.option(
    "--target",
    type=click.Choice(TARGETS),
    default=None,
    help="Where the model runs (default cpu); mobile counts the cost of exp/erf/tanh.",
)
@click.option(
    "--model-factory",
    default=None,
    help="Read the setting from your model: MODULE:FUNCTION returning an nn.Module (or fn(act) as compare takes it); flags override what is read.",
)
@click.option(
    "--top",
    type=click.IntRange(1, 30),
    default=5,
    show_default=True,
    help="Length of the shortlist.",
)
@click.option(
    "--evidence",
    "evidence_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="An evidence file written by `actlab bench suite` (default: the one shipped).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the advice as JSON.")
@click.option(
    "--evaluate",
    is_flag=True,
    help="Instead of advice: the leave-one-setting-out evaluation of the advisor on the "
    "evidence (the table of docs/advise.md).",
)
@click.option(
    "--verify",
    is_flag=True,
    help="Train the top 3 (and your model's current activation) on your model and data within --budget, with health monitoring, and re-rank by what was measured.",
)
@click.option(
    "--budget",
    default=None,
    help="With --verify: the time it may take, e.g. 10m, 90s, 1h (default 10m).",
)
@click.option(
    "--data-factory",
    default=None,
    help="With --verify: your data, MODULE:FUNCTION returning (train, test).",
)
@click.option(
    "--dataset", default=None, help="With --verify: a built-in dataset instead of --data-factory."
)
@click.option(
    "--seeds",
    type=click.IntRange(1, 20),
    default=None,
    help="With --verify: seeds per activation (default 2; 1 when the budget is short).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="With --verify: folder of the tournament's store and report (default a temporary folder).",
)
def advise(
    arch, depth, norm, residual, data, task, priority, target, model_factory, top,
    evidence_file, as_json, evaluate, verify, budget, data_factory, dataset, seeds, out,
) -> None:  # fmt: skip
    """Which activation should I use? A ranked shortlist for the setting you describe (or
    your model, --model-factory): for each, the rules behind it with their sources (papers),
    the measured cells of the evidence base nearest your setting with their 95% intervals,
    cautions, and the `actlab compare` command that checks it. Activations that the rules
    count against in your setting are listed with the reason. --verify trains the
    shortlist on your own model and data within a time budget."""
    from actlab.advise.advisor import advise as run_advice
    from actlab.advise.advisor import compare_command
    from actlab.advise.evidence import load_evidence
    from actlab.advise.setting import describe_setting
    from actlab.experiments.sources import SourceError

    if evaluate:
        flags = (arch, depth, norm, residual, data, task, priority, target)
        _evaluate(evidence_file, as_json, verify, model_factory, *flags)
        return
    given = {
        "budget": budget,
        "data_factory": data_factory,
        "dataset": dataset,
        "seeds": seeds,
        "out": out,
    }
    if not verify:
        stray = [k for k in _VERIFY_ONLY if given[k] is not None]
        if stray:
            raise click.UsageError(f"--{stray[0].replace('_', '-')} applies with --verify only")
    flags = {"arch": arch, "depth": depth, "norm": norm, "residual": residual, "data": data,
             "task": task, "priority": priority, "target": target}  # fmt: skip
    reading, model, factory = None, None, None
    try:
        if model_factory is not None:
            from actlab.advise.read_model import model_from_factory, read_model

            model, factory = model_from_factory(model_factory)
            reading = read_model(model, model_factory)
            setting = reading.setting(**flags)
        else:
            setting = describe_setting(**flags)
        evidence = load_evidence(evidence_file)
        advice = run_advice(setting, evidence=evidence, top=top)
    except (ValueError, SourceError) as error:
        raise click.UsageError(str(error)) from None
    if reading is not None:
        advice.model = reading.to_dict()
    if reading is not None or data_factory or dataset:
        advice.compare_command = compare_command(
            setting,
            [r.activation for r in advice.recommendations],
            model_factory if reading is not None and factory is not None else None,
            data_factory or dataset,
        )
    verification = None
    if verify:
        verification = _verify(
            advice,
            model_factory,
            model,
            factory if model_factory else None,
            data_factory,
            dataset,
            budget,
            seeds,
            out,
            setting.task,
            reading,
        )
    if as_json:
        data_out = advice.to_dict()
        if verification is not None:
            data_out["verify"] = verification.to_dict()
        click.echo(json.dumps(_clean(data_out), indent=2, allow_nan=False))
        return
    _print(advice, evidence)
    if verification is not None:
        _print_verification(verification)


def _evaluate(evidence_file, as_json, verify, model_factory, *setting_flags) -> None:
    from actlab.advise.evaluate import leave_one_out, rates
    from actlab.advise.evidence import load_evidence
    from actlab.advise.pages import evaluation_text

    if verify or model_factory or any(v is not None for v in setting_flags):
        raise click.UsageError(
            "--evaluate takes no setting, model or --verify: it asks the advisor about every setting of the evidence"
        )
    evidence = load_evidence(evidence_file)
    if as_json:
        folds = leave_one_out(evidence)
        click.echo(
            json.dumps({"rates": rates(folds), "folds": [f.to_dict() for f in folds]}, indent=2)
        )
        return
    click.echo("\n".join(evaluation_text(evidence)))


def _verify(advice, spec, model, factory, data_factory, dataset, budget, seeds, out, task, reading):
    from actlab.advise.verify import parse_budget, verify

    if spec is None:
        raise click.UsageError("--verify needs your model: --model-factory MODULE:FUNCTION")
    if (data_factory is None) == (dataset is None):
        raise click.UsageError(
            "--verify needs your data: --data-factory MODULE:FUNCTION or --dataset NAME (one of them)"
        )
    if task == "generation":
        raise click.UsageError(
            "--verify trains classification or regression; give --task classification or regression"
        )
    try:
        seconds = parse_budget(budget or "10m")
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    shortlist = [r.activation for r in advice.recommendations[:3]]
    current = [a for a in (reading.activations if reading else {}) if a in advice.ranking]
    if factory is None:
        shortlist = [
            a for a in shortlist if a not in ("swiglu", "geglu", "reglu")
        ]  # a swap cannot widen
    from actlab.experiments import ConfigError, ExperimentError

    try:
        return verify(shortlist + current[:1], factory or model, data_factory or dataset, seconds,
                      seeds=seeds or 2, out=out, task=task)  # fmt: skip
    except (ExperimentError, ConfigError, ValueError) as error:
        raise click.ClickException(str(error)) from None


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _fmt(value: float, metric: str) -> str:
    return f"{100 * value:.1f}%" if metric == "accuracy" else f"R² {value:.3f}"


def _cell(e: dict) -> str:
    low, high = e["ci95"]
    scale = (lambda v: f"{100 * v:.1f}") if e["metric"] == "accuracy" else (lambda v: f"{v:.3f}")
    ci = f"{scale(low)}–{scale(high)}" if low is not None and high is not None else "–"
    return f"{e['setting']} {_fmt(e['mean'], e['metric'])} [CI {ci}], rank {e['rank']}/{e['of']}"


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent + "  ")


def _print(advice, evidence) -> None:
    meta = evidence.meta
    click.echo(f"actlab advise: {advice.setting.describe()}")
    if advice.model:
        acts = (
            ", ".join(f"{k} ×{v}" for k, v in advice.model["activations"].items()) or "none found"
        )
        click.echo(
            f"  read from {advice.model['source']}: "
            + ", ".join(f"{k} {v}" for k, v in advice.model["read"].items())
            + f"; activations now: {acts}"
        )
    click.echo(
        f"  evidence: {len(evidence.settings)} settings, {meta.get('runs', '?')} runs "
        f"(suite v{meta.get('suite_version', '?')}); rules: the table in actlab.advise.rules"
    )
    for note in advice.notes:
        click.echo(_wrap(f"note: {note}", "  "))
    for r in advice.recommendations:
        click.echo(f"\n{r.rank}. {r.activation}  (score {r.score:+.2f})")
        for reason in r.reasons:
            click.echo(_wrap(f"why [{reason.rule}]: {reason.finding} — {reason.source}", "   "))
        if r.evidence:
            cells = "; ".join(_cell(e) for e in r.evidence)
            click.echo(_wrap(f"measured (nearest settings): {cells}", "   "))
        for caution in r.cautions:
            click.echo(_wrap(f"caution: {caution}", "   "))
    shown = {r.activation for r in advice.recommendations}
    avoid = [a for a in advice.avoid if a["activation"] not in shown]
    if avoid:
        click.echo(f"\nCounted against here (rank of {len(advice.ranking)}):")
        by_rule: dict[str, list[str]] = {}
        text: dict[str, str] = {}
        for a in avoid:
            for r in a["reasons"]:
                by_rule.setdefault(r["rule"], []).append(f"{a['activation']} ({a['rank']})")
                text[r["rule"]] = f"{r['finding']} — {r['source']}"
        for rule, names in by_rule.items():
            click.echo(_wrap(f"{', '.join(names)}: [{rule}] {text[rule]}", "  "))
    click.echo(f"\nVerify by training: {advice.compare_command}")


def _print_verification(v) -> None:
    click.echo(
        f"\nVerified on your model and data: {v.seeds} seed(s) × {v.epochs} epoch(s), {v.seconds:.0f} s of a {v.budget:.0f} s budget"
    )
    for r in v.rows:
        dead = r["max_dead_fraction"]
        ratio = r["grad_first_over_last"]
        health = f"dead ≤ {100 * dead:.0f}%" if dead is not None else "health –"
        if ratio is not None:
            health += f", grad first/last {ratio:.2g}"
        click.echo(
            f"  {r['rank']}. {r['activation']:<14} {_fmt(r['test_score'], r['metric'])}  lr {r['lr']:g}  {health}"
        )
    for note in v.notes:
        click.echo(f"  note: {note}")
    click.echo(f"  store and report: {v.out}")
