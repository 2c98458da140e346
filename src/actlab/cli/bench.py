"""`actlab bench kernels`: time and memory of the activation kernels (see docs/performance.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.group()
def bench() -> None:
    """Benchmarks, reported as ratios against baselines measured in the same run."""


@bench.command()
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
@click.option(
    "--quick", is_flag=True, help="1M elements, 1 thread, 5 activations, a width-1024 MLP."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write kernels.csv, kernels_mlp.csv and kernels_targets.csv into this folder.",
)
def kernels(as_json: bool, quick: bool, out: Path | None) -> None:
    """Forward and forward+backward of native, naive, torch.compile'd naive and actlab impls
    (fused and pure-torch), one training step of an 8-layer MLP per impl, and the lean
    speed targets (>= 1.0x native, >= 2x naive) met or missed.

    The full run takes about 17 minutes on 2 CPU cores (every lean entry at 1M and 16M
    elements, 1 and 2 threads, several rounds); --quick about 25 seconds. Progress goes to
    stderr, one line per activation and size."""
    from actlab.kernels import compiled
    from actlab.kernels.bench import lean_targets, run_benchmark, write_csv

    say = (lambda what: None) if as_json else (lambda what: click.echo(f"  {what}", err=True))
    if not as_json:
        click.echo(f"kernels: {compiled.backend().describe()}", err=True)
        if not quick:
            click.echo("the full benchmark takes about 17 minutes on 2 cores", err=True)
    ops, mlp = run_benchmark(quick, progress=say)
    targets = lean_targets(ops)
    if out is not None:
        write_csv(ops, out / "kernels.csv")
        write_csv(mlp, out / "kernels_mlp.csv")
        write_csv(targets, out / "kernels_targets.csv")
    if as_json:
        click.echo(json.dumps({"ops": ops, "mlp": mlp, "targets": targets}, indent=2))
        return
    click.echo(
        f"{'n':>9} {'thr':>3} {'activation':<11} {'impl':<15} {'fwd ms':>8} {'f+b ms':>8} "
        f"{'f+b/copy':>8} {'vs native':>9} {'vs naive':>8} {'kept B/el':>9}"
    )
    for r in ops:
        naive = r["fwd_bwd_speedup_vs_naive"]
        click.echo(
            f"{r['n']:>9} {r['threads']:>3} {r['activation']:<11} {r['impl']:<15} "
            f"{r['fwd_ms']:>8.2f} {r['fwd_bwd_ms']:>8.2f} {r['fwd_bwd_vs_copy']:>8.3f} "
            f"{r['fwd_bwd_speedup_vs_native']:>9.2f} "
            f"{'' if naive is None else f'{naive:.2f}':>8} {r['kept_bytes_per_element']:>9.3f}"
        )
    for r in mlp:
        click.echo(
            f"MLP {r['depth']}x{r['width']} batch {r['batch']} {r['activation']}/{r['impl']}: "
            f"step {r['step_s']:.2f} s, kept {r['kept_mib']:.1f} MiB "
            f"({100 * r['kept_reduction_vs_native']:.0f}% less than native)"
        )
    click.echo("lean fwd+bwd speed-up (worst..best over sizes and threads):")
    for t in targets:
        verdict = "met" if t["native_target_met"] else "MISSED"
        line = f"  {t['activation']:<11} vs native {t['vs_native_min']:.2f}..{t['vs_native_max']:.2f} ({verdict})"
        if t["vs_naive_min"] is not None:
            verdict = "met" if t["naive_target_met"] else "MISSED"
            line += f", vs naive {t['vs_naive_min']:.2f}..{t['vs_naive_max']:.2f} ({verdict})"
        click.echo(line)


def _add_suite() -> None:
    from actlab.cli.suite import suite

    bench.add_command(suite)


_add_suite()
