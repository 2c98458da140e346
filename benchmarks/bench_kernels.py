"""Kernel benchmark: a thin script over actlab.kernels.bench (also `actlab bench kernels`).

    .venv/bin/python benchmarks/bench_kernels.py [--quick]

Writes benchmarks/results/kernels.csv and kernels_mlp.csv; see docs/performance.md.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from actlab.kernels.bench import measure_kernels, measure_mlp

RESULTS = Path(__file__).resolve().parent / "results"


def _write(name: str, rows: list[dict]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(quick: bool = False) -> tuple[Path, Path]:
    """Measure and write both CSVs; `quick`: 1M elements, 1 thread, MLP width 1024."""
    if quick:
        ops = measure_kernels(sizes=(1_000_000,), threads=(1,), repeats=3)
        mlp = measure_mlp(width=1024)
    else:
        ops, mlp = measure_kernels(), measure_mlp()
    return _write("kernels", ops), _write("kernels_mlp", mlp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="1M elements, 1 thread, MLP width 1024"
    )
    for path in run(parser.parse_args().quick):
        print(path)


if __name__ == "__main__":
    main()
