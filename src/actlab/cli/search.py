"""`actlab search`: discover activation functions, as the Swish paper did; `actlab search
export RUN --top 5` prints catalogue-ready entries of a finished search.

A thin layer over `actlab.search`: flags make a `SearchConfig`; progress lines go to stderr,
the ranking to stdout (a table, or JSON with --json).
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import click

from actlab.cli.experiment_options import add_backend_options, results_dir_options

_RUNGS = "3:1,6:1,15:2,15:3"


def _options(func):
    specs: list[tuple[str, str, Any, str, Any]] = [
        ("--space", "space", click.Choice(["core1", "core2"]), "core1: one core unit b(u1(x), u2(x)); core2: two, each input of the second x or the first unit.", "core1"),
        ("--unary", "unary", str, "Unary operations, comma-separated (`actlab search --list-ops`), e.g. x,neg,abs,square,sigmoid,tanh,relu,sin,exp,erf.", "all 25 of the paper"),
        ("--binary", "binary", str, "Binary operations, comma-separated, e.g. add,mul,sub,max,min.", "all 10 of the paper"),
        ("--strategy", "strategy", click.Choice(["exhaustive", "random", "evolution"]), "exhaustive (every candidate), random (uniform samples) or evolution (regularized aging evolution with mutation and crossover).", "exhaustive"),
        ("--max-candidates", "max_candidates", int, "Distinct candidates scored at the first rung: the first N (exhaustive), N samples (random) or N evaluations (evolution; required there and for random).", "all (exhaustive)"),
        ("--seed", "seed", int, "Seed of sampling and evolution (rungs train seeds 0..N-1; the final and transfer stages the --final-seeds after the rungs' largest N).", 0),
        ("--dataset", "dataset", str, "Dataset of the proxy task (`actlab.data.dataset_names()`).", "mnist1d"),
        ("--model", "model", str, "Model of the proxy task (`actlab models`).", "mlp"),
        ("--hidden", "hidden", int, "Hidden units of the proxy model (mlp, cnn).", 128),
        ("--depth", "depth", int, "Hidden layers / blocks of the proxy model.", 3),
        ("--model-option", "model_option", str, "Other options of the proxy model as KEY=VALUE, comma-separated.", None),
        ("--lr", "lr", float, "Learning rate (Adam) of every run.", 3e-3),
        ("--batch-size", "batch_size", int, "Mini-batch size of every run.", 128),
        ("--val-fraction", "val_fraction", float, "Share of the training set held out for validation: the fitness is measured there, never on the test set.", 0.1),
        ("--fitness", "fitness", click.Choice(["val_acc", "val_loss"]), "What ranks candidates: the last epoch's validation accuracy, or its validation loss (lower is better).", "val_acc"),
        ("--rungs", "rungs", str, "Successive halving: EPOCHS:SEEDS per rung, comma-separated; every candidate trains at the first, the best 1/eta of each rung go on.", _RUNGS),
        ("--eta", "eta", int, "Keep the best 1/eta of each rung.", 5),
        ("--finalists", "finalists", int, "Best candidates of the last rung re-trained against the baseline with --final-seeds.", 3),
        ("--final-epochs", "final_epochs", int, "Epochs of the final and transfer stages.", 15),
        ("--final-seeds", "final_seeds", int, "Seeds of the final and transfer stages (confidence intervals, Welch's t-test with Holm's correction).", 5),
        ("--baseline", "baseline", str, "Catalogue activation every rung and the final stage compare against.", "relu"),
        ("--transfer", "transfer", str, "DATASET:MODEL settings the finalists are re-trained on, comma-separated, or none.", "digits:mlp,mnist1d:mnist1d_cnn"),
        ("--population", "population", int, "Evolution: population size (the oldest member leaves).", 64),
        ("--tournament", "tournament", int, "Evolution: members drawn per tournament.", 8),
        ("--generation", "generation", int, "Evolution: children trained at once.", 32),
        ("--workers", "workers", int, "Runs at once, each in its own process (1 = in this process); with --backend ray, the most runs in flight.", "2; ray: what the cluster fits"),
        ("--threads", "threads", int, "Torch threads per run; default: the free cores divided by the runs at once.", "auto"),
        ("--device", "device", str, "auto, cpu, cuda or cuda:N.", "auto"),
    ]  # fmt: skip
    for flag, key, kind, help_text, shown in reversed(specs):
        func = click.option(flag, key, type=kind, default=None, help=help_text,
                            show_default=None if shown is None else str(shown))(func)  # fmt: skip
    return func


def _config(flags: dict[str, Any], out: str | None):
    from actlab.experiments.config import parse_options
    from actlab.search.config import DEFAULT_MODEL_OPTIONS, SearchConfigError, from_dict

    values = {k: v for k, v in flags.items() if v is not None}
    options = dict(DEFAULT_MODEL_OPTIONS) if values.get("model", "mlp") == "mlp" else {}
    for key in ("hidden", "depth"):
        if key in values:
            options[key] = values.pop(key)
    if "model_option" in values:
        options.update(parse_options(values.pop("model_option"), "--model-option"))
    values["model_options"] = options
    if isinstance(values.get("ray_runtime_env"), str):
        from actlab.experiments.config import ConfigError, _mapping_text

        try:
            values["ray_runtime_env"] = _mapping_text("ray_runtime_env", values["ray_runtime_env"])
        except ConfigError as error:
            raise SearchConfigError(str(error)) from None
    if out is not None:
        values["out"] = out
    return from_dict(values)


@click.group("search", invoke_without_command=True)
@_options
@add_backend_options
@results_dir_options("search")
@click.option("--list-ops", is_flag=True, help="List the unary and binary operations and exit.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print {"n_candidates": N, "ranking": [...]} (best first) as JSON on stdout.',
)
@click.option("--top", type=int, default=10, show_default=True, help="Rows of the ranking printed.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Enumerate and filter the candidates, check the data and model, say what would train; train and write nothing.",
)
@click.pass_context
def search(ctx: click.Context, out: str | None, fresh: bool, list_ops: bool, as_json: bool,
           top: int, dry_run: bool, **flags: Any) -> None:  # fmt: skip
    """Search for activation functions, as Ramachandran, Zoph & Le (2017) found Swish.

    Candidates are built from core units b(u1(x), u2(x)) over the paper's unary and binary
    operations, filtered (non-finite, constant and duplicate functions dropped by a
    fingerprint of values and derivatives), then scored by successive halving on a cheap
    proxy task (default: MNIST-1D, a 3×128 MLP, 1 epoch, one seed at the first rung), with
    every run in the SQLite store under --out (a rerun resumes). The best are re-trained with
    --final-seeds seeds against the baseline and on the --transfer settings. Writes
    ranking.json, ranking.csv, candidates.csv, figures and report.html.

    \b
    Examples:
      actlab search --out runs/search-core1
      actlab search --unary x,neg,abs,square,sigmoid,tanh,relu,sin,exp,erf --binary add,mul,sub,max,min
      actlab search --space core2 --strategy evolution --max-candidates 2000
      actlab search export runs/search-core1 --top 5
    """
    if ctx.invoked_subcommand is not None:
        return
    if list_ops:
        _print_ops(as_json)
        return
    from actlab.search import SearchConfigError, SearchError, plan_search, run_search

    try:
        config = _config(flags, out)
    except SearchConfigError as error:
        raise click.UsageError(str(error)) from None
    if dry_run:
        try:
            plan = plan_search(config)
        except (SearchConfigError, SearchError) as error:
            raise click.ClickException(str(error)) from None
        click.echo(json.dumps(plan, indent=2) if as_json else _plan_text(plan))
        return
    try:
        result = run_search(config, fresh=fresh)
    except (SearchConfigError, SearchError) as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=1, allow_nan=False))
    else:
        _print_result(result, top)


@search.command("export")
@click.argument("run", type=click.Path())
@click.option(
    "--top",
    type=int,
    default=5,
    show_default=True,
    help="Entries for this many of the best candidates.",
)
def export(run: str, top: int) -> None:
    """Print catalogue-ready entries (register(ActivationSpec(...))) for the best candidates
    of the finished search in RUN (its --out folder)."""
    from actlab.search.export import ExportError
    from actlab.search.export import export as export_entries

    try:
        click.echo(export_entries(run, top), nl=False)
    except ExportError as error:
        raise click.ClickException(str(error)) from None


def _print_ops(as_json: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    from actlab.search.space import list_ops

    rows = list_ops()
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    table = Table(title="operations of the search space (Ramachandran, Zoph & Le 2017)")
    for header in ("name", "kind", "paper", "expression"):
        table.add_column(header)
    for row in rows:
        table.add_row(row["name"], row["kind"], row["paper"], row["expression"])
    Console(width=None if sys.stdout.isatty() else 120, highlight=False, emoji=False).print(table)


def _plan_text(plan: dict[str, Any]) -> str:
    f = plan["filtering"]
    rungs = ", ".join(
        f"{n} × {e} ep × {s} seed(s)"
        for n, (e, s) in zip(plan["rung_sizes"], plan["rungs"], strict=False)
    )
    return (
        f"dry run: {f['proposed']:,} expressions → {f['distinct']:,} distinct candidates "
        f"({f['non_finite']:,} non-finite, {f['constant']:,} constant, {f['duplicates']:,} "
        f"duplicates dropped); rungs: {rungs}; then {plan['finalists']} finalist(s) + "
        f"{plan['baseline']} × {plan['final_seeds']} seeds on {len(plan['settings'])} setting(s); "
        f"about {plan['runs']:,} runs. Data and model checked; nothing trained or written."
    )  # fmt: skip


def _pct(value: float | None) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{100 * value:.2f}"


def _p(value: float | None) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.3g}"


def _test(row) -> str:
    return (
        f"{_pct(row.test_acc_mean)} [{_pct(row.test_acc_ci95_low)}–{_pct(row.test_acc_ci95_high)}]"
    )


def _print_result(result, top: int) -> None:
    from rich.console import Console
    from rich.table import Table

    from actlab.search.result import rectifier_share, shape_label, shares_text

    console = Console(width=None if sys.stdout.isatty() else 160, highlight=False, emoji=False)
    table = Table(
        title=f"actlab search: {result.config.space}, {len(result.candidates):,} candidates"
    )
    for header in ("rank", "expression", "fitness (val %)", "95% CI", "Δ vs baseline (pp, rung)",
                   "final test %", "Δ test (pp)", "p (Holm)", "shape class"):  # fmt: skip
        table.add_column(header, justify="left" if header == "expression" else "right")
    for r in result.ranking[:top]:
        final = r["final"] or {}
        ci = r["fitness_ci95"]
        table.add_row(
            str(r["rank"]), r["expression"], f"{_pct(r['fitness'])} ({r['fitness_stage']})",
            f"{_pct(ci[0])}–{_pct(ci[1])}" if ci else "–", _pct(r["delta_vs_baseline_rung"]),
            _pct(final.get("test_acc_mean")), _pct(final.get("diff_vs_baseline")),
            "–" if final.get("p_value_holm") is None or not math.isfinite(final["p_value_holm"]) else f"{final['p_value_holm']:.3g}",
            shape_label(r),
        )  # fmt: skip
    console.print(table)
    t = result.throughput()
    console.print(
        f"{len(result.candidates):,} distinct candidates scored at rung 0 in {t['rung0_seconds']:,.0f} s "
        f"({t['per_hour_rung0']:,.0f}/hour); all stages {t['search_seconds']:,.0f} s "
        f"({t['per_hour_search']:,.0f} candidates/hour) of training wall time by the store's run "
        f"times; this process {t['process_seconds']:,.0f} s, {t['rung0_trained']:,} runs trained "
        f"at rung 0. Of the top "
        f"10, {rectifier_share(result.ranking)} are ReLU-like or Swish-like (shape classes, "
        f"{shares_text(result.ranking)})."
    )  # fmt: skip
    for setting, rows in [("final", result.final), *result.transfer.items()]:
        base = next((r for r in rows if r.activation == r.baseline), None)
        if base is None:
            continue
        shown = "; ".join(
            f"{r.activation}: {_test(r)} (Δ {_pct(r.diff_vs_baseline)} pp, Welch p "
            f"{_p(r.p_value_vs_baseline)}, Holm {_p(r.p_value_holm)})"
            for r in sorted(rows, key=lambda r: r.rank)
            if r.activation != r.baseline
        )
        console.print(
            f"{setting}, test % with 95% CI over {base.n_seeds} seeds: {base.activation} "
            f"{_test(base)}; {shown}"
        )
    console.print(f"Report: {result.files.get('report')}")
