"""Kernel benchmark: a thin script over actlab.kernels.bench (also `actlab bench kernels`).

    .venv/bin/python benchmarks/bench_kernels.py [--quick]

Writes benchmarks/results/kernels.csv and kernels_mlp.csv; see docs/performance.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from actlab.kernels.bench import lean_targets, run_benchmark, write_csv

RESULTS = Path(__file__).resolve().parent / "results"


def run(quick: bool = False) -> tuple[Path, Path]:
    """Measure and write kernels.csv, kernels_mlp.csv and kernels_targets.csv."""
    ops, mlp = run_benchmark(quick, progress=lambda what: print(what, flush=True))
    write_csv(lean_targets(ops), RESULTS / "kernels_targets.csv")
    return write_csv(ops, RESULTS / "kernels.csv"), write_csv(mlp, RESULTS / "kernels_mlp.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="1M elements, 1 thread, 5 activations, MLP width 1024"
    )
    for path in run(parser.parse_args().quick):
        print(path)


if __name__ == "__main__":
    main()
