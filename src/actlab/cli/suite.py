"""`actlab bench suite`: run or resume the evidence base behind `actlab advise`."""

from __future__ import annotations

from pathlib import Path

import click


def _names(text: str | None) -> list[str] | None:
    return [n.strip() for n in text.split(",") if n.strip()] if text else None


@click.command()
@click.option(
    "--settings",
    default=None,
    help="Settings to run, comma-separated (default: all; --list shows them).",
)
@click.option(
    "--list", "list_", is_flag=True, help="List the settings and their run counts, then stop."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs/suite"),
    show_default=True,
    help="Folder of the per-setting stores (OUT/<setting>/results.sqlite); running again resumes.",
)
@click.option(
    "--backend",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="Where runs execute: this machine's processes or a Ray cluster (README: Scale out with Ray).",
)
@click.option(
    "--ray-address",
    default=None,
    help="With --backend ray: the cluster to join (auto, HOST:PORT, ray://HOST:PORT).",
)
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Runs at once (default: 2 locally, what the cluster fits on Ray).",
)
@click.option(
    "--evidence",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the evidence file here (default OUT/evidence.json); `actlab advise --evidence FILE` reads it.",
)
@click.option(
    "--markdown",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the benchmark page here (default OUT/benchmark.md).",
)
@click.option(
    "--activations",
    default=None,
    help="Run only these activations (comma-separated): a slice; the shipped evidence runs all.",
)
@click.option(
    "--seeds",
    type=click.IntRange(1, 100),
    default=None,
    help="Seeds per activation (default 5, the shipped evidence's).",
)
@click.option(
    "--epochs",
    type=click.IntRange(1, 10_000),
    default=None,
    help="Epochs per run instead of each setting's budget: a quick slice, not the evidence.",
)
@click.option(
    "--no-train",
    is_flag=True,
    help="Train nothing: write the evidence file and page from what the stores hold now "
    "(only activations with every seed finished; the rest are listed as missing).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check every setting's data and models and say what would run; train nothing.",
)
def suite(
    settings: str | None,
    list_: bool,
    out: Path,
    backend: str,
    ray_address: str | None,
    workers: int | None,
    evidence: Path | None,
    markdown: Path | None,
    activations: str | None,
    seeds: int | None,
    epochs: int | None,
    no_train: bool,
    dry_run: bool,
) -> None:
    """Run the evidence base of `actlab advise`: 24 activations (27 on the Transformer, with
    its gated forms) × 10 settings × 5 seeds, each activation's learning rate chosen on
    validation data. Finished runs are kept in OUT/<setting>/results.sqlite, so running it
    again (after a kill, or with more settings) trains only what is missing. Writes the
    evidence file and the benchmark page (leaderboards with 95% intervals and Welch/Holm
    tests vs ReLU, and the overall rank table). On a busy 2-core CPU the whole suite takes
    about 1.5 hours (docs/benchmark.md has the measured time)."""
    from actlab.advise.suite import SEEDS, run_count, select

    try:
        chosen = select(_names(settings))
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if backend == "local" and ray_address is not None:
        raise click.UsageError("--ray-address applies to --backend ray only")
    if list_:
        for s in chosen:
            click.echo(f"{s.name:<22} {run_count(s):>4} runs  {s.summary}")
        click.echo(f"total: {sum(run_count(s) for s in chosen)} runs")
        return
    run_options = {"backend": backend, "workers": workers}
    if ray_address is not None:
        run_options["ray_address"] = ray_address
    if dry_run and no_train:
        raise click.UsageError("--dry-run and --no-train: choose one")
    if dry_run:
        _dry_run(chosen, out, run_options)
        return
    from actlab.advise.evidence import write_evidence
    from actlab.advise.markdown import benchmark_page
    from actlab.advise.run_suite import run_suite
    from actlab.experiments import ConfigError, ExperimentError

    def progress(name: str, event) -> None:
        if event is None:
            click.echo(f"{name}: planning", err=True)
        elif isinstance(event, str):
            click.echo(f"{name}: skipped, {event}", err=True)
        elif event.record is not None:
            r = event.record
            stage = "tuning " if event.stage == "tuning" else ""
            click.echo(
                f"{name}: {stage}{event.done}/{event.total} {r.config.label} lr {r.config.training.lr:g} "
                f"seed {r.config.seed} {r.status} {r.seconds:.1f}s",
                err=True,
            )

    try:
        result = run_suite(
            out,
            [s.name for s in chosen],
            seeds=seeds or SEEDS,
            activations=_names(activations),
            epochs=epochs,
            run_options=run_options,
            progress=progress,
            train=not no_train,
        )
    except (ExperimentError, ConfigError) as error:
        raise click.ClickException(str(error)) from None
    evidence_path = write_evidence(result, evidence or out / "evidence.json")
    page = markdown or out / "benchmark.md"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(benchmark_page(result), encoding="utf-8")
    missing = sum(len(s.missing) for s in result.settings)
    click.echo(f"evidence: {evidence_path}; page: {page}")
    click.echo(
        f"{len(result.settings)} setting(s), {result.meta['runs']} final runs, "
        f"{missing} missing; this invocation {result.meta.get('last_seconds', 0):.0f} s"
    )


def _dry_run(chosen, out: Path, run_options: dict) -> None:
    from actlab.advise.run_suite import suite_config
    from actlab.advise.suite import run_count
    from actlab.experiments import ConfigError, ExperimentError
    from actlab.experiments.experiment import plan

    for s in chosen:
        try:
            config = suite_config(s, out, run_options=run_options)
            plan(config)
        except (ExperimentError, ConfigError) as error:
            raise click.ClickException(f"{s.name}: {error}") from None
        click.echo(f"{s.name}: {run_count(s)} runs, data and models checked")
    click.echo(
        f"dry run: {sum(run_count(s) for s in chosen)} runs in {len(chosen)} setting(s); nothing trained or written."
    )
