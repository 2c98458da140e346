"""`make bench`: every benchmark, as ratios against a baseline measured in the same run.

Writes CSV files to benchmarks/results/ (`--quick`: to benchmarks/results/quick/, which git
ignores, so a smoke run never overwrites the published figures) and prints a summary. Nothing
here is asserted in tests; timings depend on the machine (record it: results carry threads
and the CPU model).

    .venv/bin/python benchmarks/run.py [--quick]
"""

from __future__ import annotations

import argparse
import csv
import platform
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_activations  # noqa: E402
import bench_compare_e2e  # noqa: E402
import bench_kernels  # noqa: E402
import bench_learnable_cost  # noqa: E402
import bench_monitor_overhead  # noqa: E402
import bench_train_harness  # noqa: E402

RESULTS = HERE / "results"


def write_csv(name: str, rows: list[dict]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.csv"
    machine = {"cpu": platform.processor() or platform.machine(), "torch": torch.__version__}
    rows = [{**r, **machine} for r in rows]
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def learnable_cost(quick: bool) -> None:
    """Learnable activations: training step vs the SiLU network, and alone vs F.silu."""
    steps = bench_learnable_cost.measure_step_cost(steps=10, rounds=15 if quick else 60)
    print(
        f"learnable activations, step vs the SiLU network -> {write_csv('learnable_cost', steps)}"
    )
    alone = bench_learnable_cost.measure_kernel_cost(rounds=3 if quick else 7)
    print(f"  alone, fwd+bwd at 1M vs F.silu -> {write_csv('learnable_kernels', alone)}")
    for what, rows in (("step", steps), ("alone", alone)):
        for r in rows:
            verdict = (
                ""
                if r["target"] is None
                else f", target {r['target']}: " + ("met" if r["met"] else "missed")
            )
            print(
                f"  {r['activation']} {what}: {r['cpu_ratio']:.2f}x CPU time, "
                f"{r['wall_ratio']:.2f}x wall{verdict}"
            )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = ap.parse_args()
    global RESULTS
    if args.quick:
        RESULTS = RESULTS / "quick"

    startup = bench_compare_e2e.measure_startup(repeats=3 if args.quick else 5)
    print(f"start-up, whole processes, vs `import torch` -> {write_csv('startup', startup)}")
    for r in startup:
        print(f"  {r['command']}: {r['seconds_median']:.2f} s = {r['ratio_to_torch_import']:.2f}x")
    compare = bench_compare_e2e.measure(
        repeats=1 if args.quick else 3, epochs=2 if args.quick else 10
    )
    print(
        f"actlab compare vs a plain PyTorch script, whole processes -> {write_csv('compare_e2e', compare)}"
    )
    for r in compare:
        print(
            f"  {r['grid']}: ratio {r['ratio_median']:.2f} (actlab {r['actlab_s_median']:.1f} s, plain {r['plain_s_median']:.1f} s)"
        )

    n = 100_000 if args.quick else 1_000_000
    rows = []
    for threads in (1, 2):
        rows += bench_activations.measure(n=n, threads=threads)
    print(f"activations ({n:,} float32, 1 and 2 threads) -> {write_csv('activations', rows)}")
    native = [r for r in rows if r["native_fwd_bwd_ratio"] is not None]
    worst = min(native, key=lambda r: r["native_fwd_bwd_ratio"])
    print(
        f"  native/actlab fwd+bwd time: median "
        f"{sorted(r['native_fwd_bwd_ratio'] for r in native)[len(native) // 2]:.2f}, "
        f"worst {worst['native_fwd_bwd_ratio']:.2f} ({worst['name']}, {worst['threads']} thr)"
    )

    ops_csv, mlp_csv = bench_kernels.run(quick=args.quick, results=RESULTS)
    print(f"lean/fewbit kernels vs native, naive, torch.compile and a copy -> {ops_csv}, {mlp_csv}")
    print("  summary and targets: docs/performance.md")

    harness = [bench_train_harness.measure_harness_vs_plain(kind=k) for k in ("mlp", "user")]
    print(f"training harness vs plain PyTorch loop -> {write_csv('train_harness', harness)}")
    for row in harness:
        print(
            "  "
            + ", ".join(
                f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()
            )
        )

    overhead = bench_monitor_overhead.measure_monitor_overhead(
        threads=1, rounds=8 if args.quick else 40
    )
    print(
        "diagnose.Monitor vs the unmonitored step, same run, interleaved rounds -> "
        f"{write_csv('monitor_overhead', [overhead])}"
    )
    for kind, target in bench_monitor_overhead.TARGETS.items():
        met = "met" if overhead[f"{kind}_met"] else "missed"
        print(
            f"  {kind}: {overhead[f'{kind}_ratio']:.3f}x [95% CI "
            f"{overhead[f'{kind}_ratio_ci_low']:.3f}, {overhead[f'{kind}_ratio_ci_high']:.3f}] "
            f"(target <= {target:.2f}x: {met}; "
            f"{overhead[f'{kind}_ms']:.1f} vs {overhead['plain_ms']:.1f} ms/step; CPU time "
            f"{overhead[f'{kind}_cpu_ratio']:.3f}x)"
        )

    # last: it asks glibc to keep freed memory for the rest of the process
    learnable_cost(args.quick)


if __name__ == "__main__":
    main()
