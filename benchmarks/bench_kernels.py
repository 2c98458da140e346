"""Kernel benchmark: a thin script over actlab.kernels.bench (also `actlab bench kernels`).

    .venv/bin/python benchmarks/bench_kernels.py [--quick | --thp]

Writes benchmarks/results/kernels*.csv; see docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def run(quick: bool = False, thp: bool = False, results: Path = RESULTS) -> tuple[Path, Path]:
    """Measure and write kernels[_thp].csv, kernels_mlp[_thp].csv, kernels_targets[_thp].csv."""
    from actlab.kernels.bench import lean_targets, run_benchmark, write_csv

    ops, mlp = run_benchmark(quick, progress=lambda what: print(what, flush=True), large_only=thp)
    tag = "_thp" if thp else ""
    write_csv(lean_targets(ops), results / f"kernels_targets{tag}.csv")
    return (
        write_csv(ops, results / f"kernels{tag}.csv"),
        write_csv(mlp, results / f"kernels_mlp{tag}.csv"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="1M elements, 1 thread, 5 activations, MLP width 1024"
    )
    parser.add_argument(
        "--thp",
        action="store_true",
        help="16M elements with THP_MEM_ALLOC_ENABLE=1 (PyTorch's CPU allocator then backs large "
        "tensors with 2 MB pages: far fewer page faults, so the kernels' own cost shows)",
    )
    args = parser.parse_args()
    if args.thp:
        os.environ["THP_MEM_ALLOC_ENABLE"] = "1"  # read by c10 at its first large allocation
    for path in run(args.quick, args.thp):
        print(path)


if __name__ == "__main__":
    main()
