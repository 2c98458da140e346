"""`actlab bench kernels`: time and memory of the activation kernels (see docs/performance.md)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import click


@click.group()
def bench() -> None:
    """Benchmarks, reported as ratios against baselines measured in the same run."""


@bench.command()
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
@click.option("--quick", is_flag=True, help="1M elements, 1 thread, a width-1024 MLP.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write kernels.csv and kernels_mlp.csv into this folder.",
)
def kernels(as_json: bool, quick: bool, out: Path | None) -> None:
    """Forward and forward+backward of native, naive, compiled and actlab impls, and one
    training step of an 8-layer MLP per impl."""
    from actlab.kernels.bench import measure_kernels, measure_mlp

    if quick:
        ops = measure_kernels(sizes=(1_000_000,), threads=(1,), repeats=3)
        mlp = measure_mlp(width=1024, repeats=2)
    else:
        ops, mlp = measure_kernels(), measure_mlp()
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for name, rows in (("kernels", ops), ("kernels_mlp", mlp)):
            with (out / f"{name}.csv").open("w", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
    if as_json:
        click.echo(json.dumps({"ops": ops, "mlp": mlp}, indent=2))
        return
    click.echo(
        f"{'n':>9} {'thr':>3} {'activation':<9} {'impl':<15} {'fwd ms':>8} {'f+b ms':>8} "
        f"{'f+b/copy':>8} {'vs native':>9} {'kept B/el':>9}"
    )
    for r in ops:
        click.echo(
            f"{r['n']:>9} {r['threads']:>3} {r['activation']:<9} {r['impl']:<15} "
            f"{r['fwd_ms']:>8.2f} {r['fwd_bwd_ms']:>8.2f} {r['fwd_bwd_vs_copy']:>8.3f} "
            f"{r['fwd_bwd_speedup_vs_native']:>9.2f} {r['kept_bytes_per_element']:>9.3f}"
        )
    for r in mlp:
        click.echo(
            f"MLP {r['depth']}x{r['width']} batch {r['batch']} {r['activation']}/{r['impl']}: "
            f"step {r['step_s']:.2f} s, kept {r['kept_mib']:.1f} MiB "
            f"({100 * r['kept_reduction_vs_native']:.0f}% less than native)"
        )
